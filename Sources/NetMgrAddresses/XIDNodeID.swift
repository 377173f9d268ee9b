/// The node identification an XID carries: IDBLK (12 bits, the product block number) and
/// IDNUM (20 bits, the station's number), as one 32-bit field.
public struct XIDNodeID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Nil when IDBLK exceeds 12 bits or IDNUM 20 bits.
    public init?(idBlock: UInt16, idNumber: UInt32) {
        guard idBlock <= 0xFFF, idNumber <= 0xF_FFFF else { return nil }
        self.rawValue = UInt32(idBlock) << 20 | idNumber
    }

    /// Parses the eight hex digits operators write in definitions, IDBLK then IDNUM:
    /// `05D00001` (dashes are ignored).
    public init?(parsing text: String) {
        let hex = text.filter { $0 != "-" }
        guard hex.count == 8, let value = UInt32(hex, radix: 16) else { return nil }
        self.rawValue = value
    }

    public var idBlock: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 20) }
    public var idNumber: UInt32 { rawValue & 0xF_FFFF }

    /// The eight hex digits of the definitions and the verifier's reports: `05D00001`.
    public var description: String {
        let text = String(rawValue, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - text.count) + text
    }

    /// VTAM style: `IDBLK=017 IDNUM=00001` (hexadecimal).
    public var vtamDescription: String {
        let block = String(idBlock, radix: 16, uppercase: true)
        let number = String(idNumber, radix: 16, uppercase: true)
        return "IDBLK=\(String(repeating: "0", count: 3 - block.count))\(block) "
            + "IDNUM=\(String(repeating: "0", count: 5 - number.count))\(number)"
    }
}
