/// The 4-byte sense data of a negative response: category, modifier, 2 bytes of
/// sense-code-specific information.
public struct SNASenseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 0801: the LU, PU, link or link station named is not available (ACTLU for a local
    /// address the PU does not have).
    public static let resourceNotAvailable = Self(rawValue: 0x0801_0000)
    /// 0805: session limit exceeded (BIND for an LU already in session).
    public static let sessionLimitExceeded = Self(rawValue: 0x0805_0000)
    /// 1003: function not supported (a request code this PU does not implement).
    public static let functionNotSupported = Self(rawValue: 0x1003_0000)
    /// 8004: unrecognized DAF (a request for a local address the PU does not have).
    public static let unrecognizedDestination = Self(rawValue: 0x8004_0000)
    /// 8005: no session (LU-LU data without BIND).
    public static let noSession = Self(rawValue: 0x8005_0000)
    /// 8008: PU not active (SSCP-PU session absent and the request is not ACTPU/DACTPU).
    public static let puNotActive = Self(rawValue: 0x8008_0000)
    /// 8009: LU not active (SSCP-LU session absent and the request is not ACTLU/DACTLU).
    public static let luNotActive = Self(rawValue: 0x8009_0000)

    public var description: String {
        let digits = String(rawValue, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
