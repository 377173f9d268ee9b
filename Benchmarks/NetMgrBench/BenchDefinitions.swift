import Foundation

/// How the bench's LU sessions are made up. A TnETOS LU is one TCP connection from
/// netmgrd to the host (and one in the host simulator, and one in a direct peer), so with
/// at most 20,000 file descriptors per process a netmgrd holds at most `tnetosLimit` of them;
/// the rest share lines: QLLC over X.25 over TCP (RFC 1613, XOT), one connection per
/// access line carrying one PU with up to `lusPerXOTLine` LUs (SNA local addresses
/// 2–251) on its virtual call.
struct BenchComposition: Sendable {
    /// TnETOS LUs allowed in one netmgrd: 20,000 descriptors less the X.25 lines, the LAN,
    /// the admin socket, epoll, logs and listeners, with room to spare.
    static let tnetosLimit = 16_000
    static let lusPerXOTLine = 250

    var sessions: Int
    var tnetos: Int
    var xotLines: Int { (xot + Self.lusPerXOTLine - 1) / Self.lusPerXOTLine }
    var xot: Int { sessions - tnetos }

    init(sessions: Int, tnetosLimit: Int = BenchComposition.tnetosLimit) {
        self.sessions = sessions
        self.tnetos = min(sessions, tnetosLimit)
    }

    /// Index `index`'s LU is TnETOS (the first `tnetos`) or on an X.25 line (the rest).
    func isXOT(_ index: Int) -> Bool { index >= tnetos }

    var description: String {
        guard xot > 0 else { return "\(tnetos) TnETOS LUs (one host TCP connection each)" }
        return "\(tnetos) TnETOS LUs (one host TCP connection each) + \(xot) QLLC LUs on \(xotLines) X.25-over-TCP (XOT) lines of up to \(Self.lusPerXOTLine) LUs (one PU, one virtual call, one TCP connection per line)"
    }
}

/// Writes a definitions set for `sessions` LUs in address block 127.0.BLOCK.0/24: TnETOS
/// resources of up to 250 LUs each (LU local addresses are 1–254 per resource), all
/// through the group's VIP, host at .100:2323, nodes .11/.12; beyond
/// `BenchComposition.tnetosLimit`, X.25 lines over XOT to the host's router at .100:1998,
/// one resource of up to 250 LUs each (`netmgr sim host --xot`).
@discardableResult
func writeBenchDefinitions(to directory: String, sessions: Int, block: Int, tls: Bool = true,
                           tnetosLimit: Int = BenchComposition.tnetosLimit) throws -> BenchComposition {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let composition = BenchComposition(sessions: sessions, tnetosLimit: tnetosLimit)
    let perResource = 250
    let resourceCount = max(1, (composition.tnetos + perResource - 1) / perResource)
    let names = (1...resourceCount).map { String(format: "R%03d", $0) }
    let xotNames = (0..<composition.xotLines).map { String(format: "XR%03d", $0 + 1) }
    // TLS on by default, as deployed; `tls: off` is the plain LAN for the TLS/plain comparison.
    var text = "cluster:\n  name: bench\n" + (tls ? "" : "  tls: off\n")
    text += """
          nodes:
            - { name: node-a, address: 127.0.\(block).11, lan: "127.0.\(block).11:7301" }
            - { name: node-b, address: 127.0.\(block).12, lan: "127.0.\(block).12:7301" }
          groups:
            - name: bench
              vip: { name: VIP1, address: 127.0.\(block).10 }
              resources: [\((names + xotNames).joined(separator: ", "))]
        lines:
          - { name: LAN1, procedure: tnetos }

        """
    for (offset, _) in xotNames.enumerated() {
        let xot = "xot:127.0.\(block).100:1998"
        text += "  - { name: XOT\(String(format: "%03d", offset + 1)), procedure: hdlc-packet, dte-address: \"4420\(String(format: "%04d", offset + 1))\", "
            + "node-id: 05D1\(String(format: "%04X", offset + 1)), packet-size: 1024, packet-window: 7, "
            + "nodes: { node-a: { device: \"\(xot)\" }, node-b: { device: \"\(xot)\" } } }\n"
    }
    text += "resources:\n"
    for name in names where composition.tnetos > 0 {
        text += "  - { name: \(name), line: LAN1, host: \"127.0.\(block).100:2323\", own-address: VIP1, dialect: tn3270e, max-negotiations: 64 }\n"
    }
    for (offset, name) in xotNames.enumerated() {
        text += "  - { name: \(name), line: XOT\(String(format: "%03d", offset + 1)), host: \"dte:44100001\" }\n"
    }
    text += "lus:\n"
    for index in 0..<sessions {
        if composition.isXOT(index) {
            let offset = index - composition.tnetos
            text += "  - { name: \(benchLUName(index)), address: \(offset % BenchComposition.lusPerXOTLine + 2), resource: \(xotNames[offset / BenchComposition.lusPerXOTLine]) }\n"
        } else {
            text += "  - { name: \(benchLUName(index)), address: \(index % perResource + 1), resource: \(names[index / perResource]) }\n"
        }
    }
    try text.write(toFile: directory + "/bench.yaml", atomically: true, encoding: .utf8)
    return composition
}

func benchLUName(_ index: Int) -> String { String(format: "B%05d", index) }

/// A process's resident memory in bytes, from /proc.
func residentBytes(pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    return kilobytes * 1024
}
