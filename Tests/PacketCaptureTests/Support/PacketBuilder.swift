import PacketCapture

/// Handcrafted headers for decoder, reassembly and file tests.
enum Build {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    static func v4(_ text: String) -> UInt32 {
        guard case .v4(let a)? = IPAddress(text) else { fatalError("bad test address \(text)") }
        return a
    }

    static func tcp(
        sourcePort: UInt16, destinationPort: UInt16, seq: UInt32, ack: UInt32 = 0, flags: TCPFlags,
        window: UInt16 = 65535, options: [UInt8] = [], payload: [UInt8] = []
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let offset = UInt8((20 + options.count) / 4)
        return be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack)
            + [offset << 4, flags.rawValue] + be16(window) + [0, 0, 0, 0] + options + payload
    }

    static func ipv4(
        source: String, destination: String, protocol proto: UInt8 = 6, payload: [UInt8], options: [UInt8] = [],
        identification: UInt16 = 1, moreFragments: Bool = false, fragmentOffset: Int = 0, ttl: UInt8 = 64
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let ihl = (20 + options.count) / 4
        let frag = UInt16(fragmentOffset / 8) | (moreFragments ? 0x2000 : 0)
        var header = [UInt8(0x40 | ihl), 0] + be16(UInt16(ihl * 4 + payload.count)) + be16(identification)
            + be16(frag) + [ttl, proto, 0, 0] + be32(v4(source)) + be32(v4(destination)) + options
        var sum: UInt32 = 0
        for i in stride(from: 0, to: header.count, by: 2) { sum += UInt32(header[i]) << 8 | UInt32(header[i + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        return header + payload
    }

    static func ipv6(source: String, destination: String, nextHeader: UInt8 = 6, extensions: [(type: UInt8, body: [UInt8])] = [], payload: [UInt8]) -> [UInt8] {
        guard case let .v6(sh, sl)? = IPAddress(source), case let .v6(dh, dl)? = IPAddress(destination) else { fatalError() }
        // Chain: header's next = first extension's type; each extension's first byte = the next type.
        var chain: [UInt8] = []
        let types = extensions.map(\.type) + [nextHeader]
        for (i, ext) in extensions.enumerated() { chain += [types[i + 1]] + ext.body }
        func u64(_ v: UInt64) -> [UInt8] { be32(UInt32(v >> 32)) + be32(UInt32(v & 0xFFFF_FFFF)) }
        return [0x60, 0, 0, 0] + be16(UInt16(chain.count + payload.count)) + [types[0], 64]
            + u64(sh) + u64(sl) + u64(dh) + u64(dl) + chain + payload
    }

    static let macA: [UInt8] = [0x02, 0, 0, 0, 0, 0x0A]
    static let macB: [UInt8] = [0x02, 0, 0, 0, 0, 0x0B]

    static func ethernet(type: UInt16, vlans: [UInt16] = [], payload: [UInt8]) -> [UInt8] {
        var frame = macB + macA
        for vlan in vlans { frame += be16(0x8100) + be16(vlan) }
        return frame + be16(type) + payload
    }

    static func sll(protocol proto: UInt16, packetType: UInt16 = 4, payload: [UInt8]) -> [UInt8] {
        be16(packetType) + be16(1) + be16(6) + macA + [0, 0] + be16(proto) + payload
    }

    static func sll2(protocol proto: UInt16, packetType: UInt8 = 0, payload: [UInt8]) -> [UInt8] {
        be16(proto) + [0, 0] + be32(1) + be16(1) + [packetType, 6] + macA + [0, 0] + payload
    }

    /// BSD null header: the family in the writer's (here little-endian) byte order.
    static func null(family: UInt32, bigEndian: Bool = false, payload: [UInt8]) -> [UInt8] {
        (bigEndian ? be32(family) : le32(family)) + payload
    }

    static func loop(family: UInt32, payload: [UInt8]) -> [UInt8] { be32(family) + payload }
}
