/// An X.121 DTE address: 0–15 decimal digits (an empty address is allowed on the wire, e.g.
/// an omitted calling address). The definitions' `dte-address`, the X.25 call address block
/// and the verifier's calling/called addresses share this one type.
public struct X121Address: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// Each element 0–9.
    public let digits: [UInt8]

    public static let maximumDigits = 15

    /// Nil when a digit exceeds 9 or there are more than 15 digits.
    public init?(digits: [UInt8]) {
        guard digits.count <= Self.maximumDigits, digits.allSatisfy({ $0 <= 9 }) else { return nil }
        self.digits = digits
    }

    /// Parses the decimal text operators write, e.g. `44200001`; nil for anything but 0–15
    /// ASCII digits.
    public init?(parsing text: String) {
        var digits: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard scalar.value >= 0x30, scalar.value <= 0x39, digits.count < Self.maximumDigits else { return nil }
            digits.append(UInt8(scalar.value - 0x30))
        }
        self.digits = digits
    }

    public static let empty = X121Address(validDigits: [])

    private init(validDigits: [UInt8]) { self.digits = validDigits }

    public var isEmpty: Bool { digits.isEmpty }

    public var description: String {
        String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self)
    }

    public static func < (lhs: X121Address, rhs: X121Address) -> Bool {
        lhs.digits.lexicographicallyPrecedes(rhs.digits)
    }
}
