/// An X.25 packet that cannot be decoded, with the field and byte offset where decoding
/// stopped. Peers cause these; they are values, never crashes.
public struct X25PacketError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// The field needs `needed` bytes, only `available` remain.
        case truncated(needed: Int, available: Int)
        /// GFI bits 5–6 are not 01 (modulo 8): modulo 128 or the extension format.
        case unsupportedFormat(gfi: UInt8)
        /// Byte 2 is no packet type of X.25 modulo 8.
        case unknownType(UInt8)
        /// An address digit above 9 (the BCD nibble is given).
        case invalidDigit(UInt8)
        /// The field holds a value the format does not allow.
        case invalidValue(Int)
        /// More bytes than the field or packet may have.
        case tooLong(length: Int, limit: Int)
    }

    /// What was being decoded, e.g. "packet header", "address block", "facility 0x42".
    public var field: String
    /// Byte offset of that field within the packet.
    public var offset: Int
    public var reason: Reason

    public init(field: String, offset: Int, reason: Reason) {
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// The diagnostic code (X.25 Annex E) a receiver sends for this error.
    public var diagnostic: UInt8 {
        switch reason {
        case .truncated: return X25Diagnostic.packetTooShort
        case .tooLong: return X25Diagnostic.packetTooLong
        case .unsupportedFormat: return X25Diagnostic.invalidGFI
        case .unknownType: return X25Diagnostic.packetTypeInvalid
        case .invalidDigit, .invalidValue: return X25Diagnostic.noAdditionalInformation
        }
    }

    public var description: String {
        let place = "X.25 \(field) at offset \(offset)"
        switch reason {
        case .truncated(let needed, let available):
            return "\(place): needs \(needed) byte(s), only \(available) present"
        case .unsupportedFormat(let gfi):
            return "\(place): GFI 0x\(hex2(gfi)) is not modulo 8 (only modulo 8 is supported)"
        case .unknownType(let type):
            return "\(place): 0x\(hex2(type)) is no X.25 packet type"
        case .invalidDigit(let nibble):
            return "\(place): BCD digit 0x\(String(nibble, radix: 16, uppercase: true)) is not 0-9"
        case .invalidValue(let value):
            return "\(place): invalid value 0x\(String(value, radix: 16, uppercase: true))"
        case .tooLong(let length, let limit):
            return "\(place): \(length) bytes exceed the limit of \(limit)"
        }
    }
}
