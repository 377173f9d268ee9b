/// A TN3270E function (RFC 2355 §3, FUNCTIONS). Open set: unknown codes
/// a peer offers are kept so they can be refused by value.
public struct TN3270EFunction: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let bindImage = TN3270EFunction(rawValue: 0)
    public static let dataStreamControl = TN3270EFunction(rawValue: 1)
    public static let responses = TN3270EFunction(rawValue: 2)
    public static let scsControlCodes = TN3270EFunction(rawValue: 3)
    public static let sysreq = TN3270EFunction(rawValue: 4)

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self.rawValue {
        case 0: "BIND-IMAGE"
        case 1: "DATA-STREAM-CTL"
        case 2: "RESPONSES"
        case 3: "SCS-CTL-CODES"
        case 4: "SYSREQ"
        default: "function \(self.rawValue)"
        }
    }
}
