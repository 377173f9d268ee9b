/// A PIU, XID or RU that cannot be decoded, with the field and byte offset where decoding
/// stopped. Peers cause these; they are values, never crashes.
public struct SNAParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// The field needs `needed` bytes at `offset`, only `available` remain.
        case truncated(needed: Int, available: Int)
        /// The transmission header is not FID2 (the FID nibble is given).
        case unsupportedFID(UInt8)
        /// A middle or last BIU segment (MPF given) carries no RH and cannot be decoded alone.
        case segmentWithoutHeader(mappingField: UInt8)
        /// The field holds a value the format does not allow.
        case invalidValue(UInt32)
    }

    /// What was being decoded, e.g. "FID2 TH", "RH", "sense data", "XID".
    public var field: String
    /// Byte offset of that field within the decoded unit.
    public var offset: Int
    public var reason: Reason

    public init(field: String, offset: Int, reason: Reason) {
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .truncated(let needed, let available):
            return "\(field) at offset \(offset): needs \(needed) byte(s), only \(available) present"
        case .unsupportedFID(let fid):
            return "\(field) at offset \(offset): FID \(fid) is not FID2"
        case .segmentWithoutHeader(let mpf):
            return "\(field) at offset \(offset): BIU segment with MPF \(mpf) has no RH"
        case .invalidValue(let value):
            return "\(field) at offset \(offset): invalid value 0x\(String(value, radix: 16, uppercase: true))"
        }
    }
}
