/// One-byte request codes of session control and data flow control RUs (the first RU byte
/// of a request with FI set, and of a positive response to it).
public struct SNARequestCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Session control
    public static let activatePhysicalUnit = Self(rawValue: 0x11)  // ACTPU
    public static let deactivatePhysicalUnit = Self(rawValue: 0x12)  // DACTPU
    public static let activateLogicalUnit = Self(rawValue: 0x0D)  // ACTLU
    public static let deactivateLogicalUnit = Self(rawValue: 0x0E)  // DACTLU
    public static let bind = Self(rawValue: 0x31)  // BIND
    public static let unbind = Self(rawValue: 0x32)  // UNBIND
    public static let startDataTraffic = Self(rawValue: 0xA0)  // SDT
    public static let clear = Self(rawValue: 0xA1)  // CLEAR
    public static let setAndTestSequenceNumbers = Self(rawValue: 0xA2)  // STSN
    public static let requestRecovery = Self(rawValue: 0xA3)  // RQR
    // Data flow control
    public static let logicalUnitStatus = Self(rawValue: 0x04)  // LUSTAT
    public static let readyToReceive = Self(rawValue: 0x05)  // RTR
    public static let cancel = Self(rawValue: 0x83)  // CANCEL
    public static let chase = Self(rawValue: 0x84)  // CHASE
    public static let shutdown = Self(rawValue: 0xC0)  // SHUTD
    public static let bid = Self(rawValue: 0xC8)  // BID
    public static let signal = Self(rawValue: 0xC9)  // SIG

    public static let actpu = activatePhysicalUnit
    public static let dactpu = deactivatePhysicalUnit
    public static let actlu = activateLogicalUnit
    public static let dactlu = deactivateLogicalUnit
    public static let sdt = startDataTraffic

    public var description: String {
        switch rawValue {
        case 0x11: return "ACTPU"
        case 0x12: return "DACTPU"
        case 0x0D: return "ACTLU"
        case 0x0E: return "DACTLU"
        case 0x31: return "BIND"
        case 0x32: return "UNBIND"
        case 0xA0: return "SDT"
        case 0xA1: return "CLEAR"
        case 0xA2: return "STSN"
        case 0xA3: return "RQR"
        case 0x04: return "LUSTAT"
        case 0x05: return "RTR"
        case 0x83: return "CANCEL"
        case 0x84: return "CHASE"
        case 0xC0: return "SHUTD"
        case 0xC8: return "BID"
        case 0xC9: return "SIG"
        default: return "RU 0x\(hex8(rawValue))"
        }
    }
}
