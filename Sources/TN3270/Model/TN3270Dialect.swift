/// Which protocol a connection ended up speaking.
public enum TN3270Dialect: Hashable, Sendable, CustomStringConvertible {
    /// TN3270E (RFC 2355): LU by DEVICE-TYPE REQUEST ... CONNECT, 5-byte headers.
    case tn3270e
    /// Basic TN3270 (RFC 1576, LU by RFC 1646 `@LU` suffix): BINARY + EOR, no headers.
    case tn3270

    public var description: String {
        switch self {
        case .tn3270e: "TN3270E"
        case .tn3270: "TN3270"
        }
    }
}
