import PacketCapture

/// Writes a large Ethernet capture of TN3270E traffic between many terminals and one host
/// (10.0.0.100:2323), with failovers: at each failover every LU's connection ends (half
/// the time without a FIN, as when a node dies) and a new one binds the same LU. VIP LUs
/// come back from the VIP 10.0.0.10 (after a DEVICE-IN-USE reject when the old connection
/// was left hanging, which the host then resets); own-address-none LUs from the other
/// node's real address (10.0.0.11 / 10.0.0.12). Packets are patched in one reused buffer:
/// generating a gigabyte takes seconds.
struct TN3270TrafficGenerator {
    static let host: (UInt32, UInt16) = (0x0A00_0064, 2323)
    static let vip: UInt32 = 0x0A00_000A
    static let nodes: [UInt32] = [0x0A00_000B, 0x0A00_000C]

    struct Summary {
        var bytes: Int64
        var packets: Int
        var connections: Int
        var failovers: Int
    }

    private struct Terminal {
        var name: String
        var viaVIP: Bool
        var node = 0
        var client: UInt32 = 0
        var port: UInt16 = 0
        var clientSequence: UInt32 = 0
        var hostSequence: UInt32 = 0
        var recordSequence: UInt16 = 0
    }

    let lus: Int
    let failovers: Int
    private var terminals: [Terminal] = []
    private var writer: CaptureWriter
    private var frame = [UInt8](repeating: 0, count: 1514)
    private var clock: Int64 = 1_700_000_000 * 1_000_000_000
    private var random: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var nextPort: UInt16 = 20000
    private var summary = Summary(bytes: 24, packets: 0, connections: 0, failovers: 0)
    private let screens: [[UInt8]]
    private let enter: [UInt8] = [0x7D, 0x5B, 0x6B, 0x11, 0x5B, 0x60, 0xC8, 0xC5, 0xD3, 0xD3, 0xD6, 0x40, 0xE6, 0xD6, 0xD9, 0xD3, 0xC4]

    static func luName(_ index: Int, viaVIP: Bool) -> String {
        let digits = String(index + 1)
        return (viaVIP ? "VLU" : "NLU") + String(repeating: "0", count: 5 - digits.count) + digits
    }

    init(path: String, lus: Int, failovers: Int) throws {
        self.lus = lus
        self.failovers = failovers
        writer = try CaptureWriter(path: path, linkType: .ethernet, snapshotLength: 65535)
        // Screens of 400 to 1400 bytes: Erase/Write, WCC, SBA orders and EBCDIC text.
        screens = (0..<8).map { size in
            [0xF5, 0xC3] + (0..<(400 + size * 140)).map { UInt8(0xC1 + $0 % 9) }
        }
        for i in 0..<lus {
            let viaVIP = i % 2 == 0
            terminals.append(Terminal(name: Self.luName(i / 2, viaVIP: viaVIP), viaVIP: viaVIP))
        }
        // Ethernet header, IPv4 header skeleton.
        frame.replaceSubrange(0..<14, with: [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00])
        frame.replaceSubrange(14..<34, with: [0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0] + [UInt8](repeating: 0, count: 8))
    }

    /// About `bytes` of traffic in all, failovers spread evenly through it.
    mutating func generate(bytes target: Int64) throws -> Summary {
        for i in terminals.indices {
            try connect(i)
            try negotiate(i, reject: false)
        }
        let perExchange: Int64 = 4 * 54 + 1000 + 24  // screen + enter + two ACKs
        let exchanges = max(Int64(lus) * 4, (target - summary.bytes) / perExchange)
        var nextFailover = 1
        for n in 0..<exchanges {
            if nextFailover <= failovers, n >= exchanges * Int64(nextFailover) / Int64(failovers + 1) {
                for i in terminals.indices { try failover(i, number: nextFailover) }
                nextFailover += 1
                summary.failovers += 1
            }
            try exchange(Int(next() % UInt64(lus)))
        }
        try writer.close()
        return summary
    }

    // MARK: Sessions

    private mutating func connect(_ i: Int) throws {
        var t = terminals[i]
        t.client = t.viaVIP ? Self.vip : Self.nodes[t.node]
        t.port = nextPort
        nextPort = nextPort == 65000 ? 20000 : nextPort + 1
        t.clientSequence = UInt32(truncatingIfNeeded: next())
        t.hostSequence = UInt32(truncatingIfNeeded: next())
        t.recordSequence = 0
        terminals[i] = t
        summary.connections += 1
        try segment(i, fromClient: true, flags: [.syn])
        terminals[i].clientSequence &+= 1
        try segment(i, fromClient: false, flags: [.syn, .ack])
        terminals[i].hostSequence &+= 1
        try segment(i, fromClient: true, flags: [.ack])
    }

    private mutating func negotiate(_ i: Int, reject: Bool) throws {
        let name = Array(terminals[i].name.utf8)
        let type = Array("IBM-3278-2-E".utf8)
        try data(i, fromClient: false, [255, 253, 40])
        try data(i, fromClient: true, [255, 251, 40])
        try data(i, fromClient: false, [255, 250, 40, 8, 2, 255, 240])
        try data(i, fromClient: true, [255, 250, 40, 2, 7] + type + [1] + name + [255, 240])
        if reject {
            try data(i, fromClient: false, [255, 250, 40, 2, 6, 5, 1, 255, 240])
            return
        }
        try data(i, fromClient: false, [255, 250, 40, 2, 4] + type + [1] + name + [255, 240])
        try data(i, fromClient: true, [255, 250, 40, 3, 7, 2, 255, 240])
        try data(i, fromClient: false, [255, 250, 40, 3, 4, 2, 255, 240])
    }

    private mutating func close(_ i: Int) throws {
        try segment(i, fromClient: true, flags: [.fin, .ack])
        terminals[i].clientSequence &+= 1
        try segment(i, fromClient: false, flags: [.fin, .ack])
        terminals[i].hostSequence &+= 1
        try segment(i, fromClient: true, flags: [.ack])
    }

    private mutating func failover(_ i: Int, number: Int) throws {
        let dies = number % 2 == 1  // the active node dies (no FIN) or is switched over cleanly
        if dies && terminals[i].viaVIP {
            // The host still holds the LU: the first attempt is rejected, the host's probe
            // of the old connection meets a RST, the retry binds.
            let old = terminals[i]
            try connect(i)
            try negotiate(i, reject: true)
            try close(i)
            let attempt = terminals[i]
            terminals[i] = old
            try data(i, fromClient: false, [255, 253, 6])
            try segment(i, fromClient: true, flags: [.rst, .ack])
            terminals[i] = attempt
        } else if !dies {
            try close(i)
        }
        terminals[i].node = 1 - terminals[i].node
        try connect(i)
        try negotiate(i, reject: false)
    }

    private mutating func exchange(_ i: Int) throws {
        let sequence = terminals[i].recordSequence
        terminals[i].recordSequence &+= 1
        let header: [UInt8] = [0, 0, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        try data(i, fromClient: false, header + screens[Int(next() % 8)] + [255, 239])
        try data(i, fromClient: true, header + enter + [255, 239])
    }

    // MARK: Packets

    private mutating func data(_ i: Int, fromClient: Bool, _ payload: [UInt8]) throws {
        try segment(i, fromClient: fromClient, flags: [.psh, .ack], payload: payload)
        if fromClient { terminals[i].clientSequence &+= UInt32(payload.count) } else { terminals[i].hostSequence &+= UInt32(payload.count) }
        try segment(i, fromClient: !fromClient, flags: [.ack])
    }

    private mutating func segment(_ i: Int, fromClient: Bool, flags: TCPFlags, payload: [UInt8] = []) throws {
        let t = terminals[i]
        let (source, sourcePort, destination, destinationPort) = fromClient
            ? (t.client, t.port, Self.host.0, Self.host.1) : (Self.host.0, Self.host.1, t.client, t.port)
        let total = 40 + payload.count
        clock &+= 20_000 + Int64(next() % 40_000)  // 20-60 µs apart
        frame.withUnsafeMutableBytes { b in
            b.storeBytes(of: UInt16(total).bigEndian, toByteOffset: 16, as: UInt16.self)
            b.storeBytes(of: source.bigEndian, toByteOffset: 26, as: UInt32.self)
            b.storeBytes(of: destination.bigEndian, toByteOffset: 30, as: UInt32.self)
            b.storeBytes(of: sourcePort.bigEndian, toByteOffset: 34, as: UInt16.self)
            b.storeBytes(of: destinationPort.bigEndian, toByteOffset: 36, as: UInt16.self)
            b.storeBytes(of: (fromClient ? t.clientSequence : t.hostSequence).bigEndian, toByteOffset: 38, as: UInt32.self)
            b.storeBytes(of: (flags.contains(.ack) ? (fromClient ? t.hostSequence : t.clientSequence) : 0).bigEndian, toByteOffset: 42, as: UInt32.self)
            b[46] = 0x50
            b[47] = flags.rawValue
            b.storeBytes(of: UInt16(65535).bigEndian, toByteOffset: 48, as: UInt16.self)
            b.storeBytes(of: UInt32(0), toByteOffset: 50, as: UInt32.self)
            if !payload.isEmpty {
                payload.withUnsafeBytes { p in (b.baseAddress! + 54).copyMemory(from: p.baseAddress!, byteCount: p.count) }
            }
        }
        let length = 14 + total
        try frame.withUnsafeBytes { b in
            try writer.write(UnsafeRawBufferPointer(rebasing: b[0..<length]), timestamp: CaptureTime(nanosecondsSinceEpoch: clock))
        }
        summary.packets += 1
        summary.bytes += Int64(16 + length)
    }

    private mutating func next() -> UInt64 {
        random ^= random >> 12
        random ^= random << 25
        random ^= random >> 27
        return random &* 0x2545_F491_4F6C_DD1D
    }
}
