import Foundation

/// Writes a definitions set for `sessions` TnETOS LUs in address block 127.0.BLOCK.0/24:
/// resources of up to 250 LUs each (LU local addresses are 1–254 per resource), all
/// through the group's VIP, host at .100:2323, nodes .11/.12.
func writeBenchDefinitions(to directory: String, sessions: Int, block: Int, tls: Bool = true) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let perResource = 250
    let resourceCount = max(1, (sessions + perResource - 1) / perResource)
    let names = (1...resourceCount).map { String(format: "R%03d", $0) }
    // TLS on by default, as deployed; `tls: off` is the plain LAN for the TLS/plain comparison.
    var text = "cluster:\n  name: bench\n" + (tls ? "" : "  tls: off\n")
    text += """
          nodes:
            - { name: node-a, address: 127.0.\(block).11, lan: "127.0.\(block).11:7301" }
            - { name: node-b, address: 127.0.\(block).12, lan: "127.0.\(block).12:7301" }
          groups:
            - name: bench
              vip: { name: VIP1, address: 127.0.\(block).10 }
              resources: [\(names.joined(separator: ", "))]
        lines:
          - { name: LAN1, procedure: tnetos }
        resources:

        """
    for name in names {
        text += "  - { name: \(name), line: LAN1, host: \"127.0.\(block).100:2323\", own-address: VIP1, dialect: tn3270e, max-negotiations: 64 }\n"
    }
    text += "lus:\n"
    for index in 0..<sessions {
        let resource = names[index / perResource]
        text += "  - { name: \(benchLUName(index)), address: \(index % perResource + 1), resource: \(resource) }\n"
    }
    try text.write(toFile: directory + "/bench.yaml", atomically: true, encoding: .utf8)
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
