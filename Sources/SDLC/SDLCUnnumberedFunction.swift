/// An unnumbered (U-frame) function: the control byte with the P/F bit clear. Commands and
/// responses share codes (0x43 is DISC as a command and RD as a response, 0x07 SIM/RIM).
public struct SDLCUnnumberedFunction: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue & ~SDLCControl.pollFinalBit
    }

    public static let setNormalResponseMode = Self(rawValue: 0x83)  // SNRM
    public static let unnumberedAcknowledgment = Self(rawValue: 0x63)  // UA
    public static let disconnect = Self(rawValue: 0x43)  // DISC (command), RD (response)
    public static let disconnectedMode = Self(rawValue: 0x0F)  // DM
    public static let exchangeIdentification = Self(rawValue: 0xAF)  // XID
    public static let test = Self(rawValue: 0xE3)  // TEST
    public static let frameReject = Self(rawValue: 0x87)  // FRMR
    public static let unnumberedInformation = Self(rawValue: 0x03)  // UI
    public static let setInitializationMode = Self(rawValue: 0x07)  // SIM / RIM
    public static let configure = Self(rawValue: 0xC7)  // CFGR
    public static let beacon = Self(rawValue: 0xEF)  // BCN
    public static let setNormalResponseModeExtended = Self(rawValue: 0xCF)  // SNRME

    public static let snrm = setNormalResponseMode
    public static let ua = unnumberedAcknowledgment
    public static let disc = disconnect
    public static let dm = disconnectedMode
    public static let xid = exchangeIdentification
    public static let frmr = frameReject

    /// Whether the code is one SDLC defines.
    public var isKnown: Bool { name != nil }

    private var name: String? {
        switch rawValue {
        case 0x83: return "SNRM"
        case 0x63: return "UA"
        case 0x43: return "DISC"
        case 0x0F: return "DM"
        case 0xAF: return "XID"
        case 0xE3: return "TEST"
        case 0x87: return "FRMR"
        case 0x03: return "UI"
        case 0x07: return "SIM"
        case 0xC7: return "CFGR"
        case 0xEF: return "BCN"
        case 0xCF: return "SNRME"
        default: return nil
        }
    }

    public var description: String { name ?? "U(0x\(hex8(rawValue)))" }
}
