/// Byte-level helpers for headers the tests write by hand.
enum Wire {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func v4(_ text: String) -> [UInt8] {
        let parts = text.split(separator: ".").map { UInt8($0)! }
        precondition(parts.count == 4, "bad test address \(text)")
        return parts
    }

    static func sum(_ bytes: [UInt8], into total: inout UInt32) {
        var i = 0
        while i + 1 < bytes.count {
            total &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { total &+= UInt32(bytes[i]) << 8 }
    }

    static func fold(_ total: UInt32) -> UInt16 {
        var sum = total
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func ipv4(source: String, destination: String, identification: UInt16, payload: [UInt8]) -> [UInt8] {
        var header = [0x45, 0] + be16(UInt16(20 + payload.count)) + be16(identification) + [0x40, 0, 64, 6, 0, 0]
            + v4(source) + v4(destination)
        var total: UInt32 = 0
        sum(header, into: &total)
        let checksum = fold(total)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        return header + payload
    }

    static func tcpChecksum(source: String, destination: String, segment: [UInt8]) -> UInt16 {
        var total: UInt32 = 0
        sum(v4(source) + v4(destination) + [0, 6] + be16(UInt16(segment.count)), into: &total)
        sum(segment, into: &total)
        return fold(total)
    }
}
