/// The reason code of DEVICE-TYPE REJECT (RFC 2355 §3, REASON codes).
public enum TN3270ERejectReason: Hashable, Sendable, CustomStringConvertible {
    case connectionPartner  // CONN-PARTNER 0
    case deviceInUse  // DEVICE-IN-USE 1
    case invalidAssociate  // INV-ASSOCIATE 2
    case invalidName  // INV-NAME 3
    case invalidDeviceType  // INV-DEVICE-TYPE 4
    case typeNameError  // TYPE-NAME-ERROR 5
    case unknownError  // UNKNOWN-ERROR 6
    case unsupportedRequest  // UNSUPPORTED-REQ 7
    /// A code RFC 2355 does not define; kept rather than failing the parse.
    case unrecognized(UInt8)

    public init(code: UInt8) {
        switch code {
        case 0: self = .connectionPartner
        case 1: self = .deviceInUse
        case 2: self = .invalidAssociate
        case 3: self = .invalidName
        case 4: self = .invalidDeviceType
        case 5: self = .typeNameError
        case 6: self = .unknownError
        case 7: self = .unsupportedRequest
        default: self = .unrecognized(code)
        }
    }

    public var code: UInt8 {
        switch self {
        case .connectionPartner: 0
        case .deviceInUse: 1
        case .invalidAssociate: 2
        case .invalidName: 3
        case .invalidDeviceType: 4
        case .typeNameError: 5
        case .unknownError: 6
        case .unsupportedRequest: 7
        case .unrecognized(let code): code
        }
    }

    public var description: String {
        switch self {
        case .connectionPartner: "CONN-PARTNER"
        case .deviceInUse: "DEVICE-IN-USE"
        case .invalidAssociate: "INV-ASSOCIATE"
        case .invalidName: "INV-NAME"
        case .invalidDeviceType: "INV-DEVICE-TYPE"
        case .typeNameError: "TYPE-NAME-ERROR"
        case .unknownError: "UNKNOWN-ERROR"
        case .unsupportedRequest: "UNSUPPORTED-REQ"
        case .unrecognized(let code): "reason \(code)"
        }
    }
}
