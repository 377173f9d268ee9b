/// DATA-TYPE of the TN3270E message header (RFC 2355 §8.1.1). Open set so
/// a record with a type we do not know still parses and can be reported.
public struct TN3270EDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let data3270 = TN3270EDataType(rawValue: 0)
    public static let scsData = TN3270EDataType(rawValue: 1)
    public static let response = TN3270EDataType(rawValue: 2)
    public static let bindImage = TN3270EDataType(rawValue: 3)
    public static let unbind = TN3270EDataType(rawValue: 4)
    public static let nvtData = TN3270EDataType(rawValue: 5)
    public static let request = TN3270EDataType(rawValue: 6)
    public static let sscpLUData = TN3270EDataType(rawValue: 7)
    public static let printEOJ = TN3270EDataType(rawValue: 8)

    public var description: String {
        switch self.rawValue {
        case 0: "3270-DATA"
        case 1: "SCS-DATA"
        case 2: "RESPONSE"
        case 3: "BIND-IMAGE"
        case 4: "UNBIND"
        case 5: "NVT-DATA"
        case 6: "REQUEST"
        case 7: "SSCP-LU-DATA"
        case 8: "PRINT-EOJ"
        default: "data-type \(self.rawValue)"
        }
    }
}
