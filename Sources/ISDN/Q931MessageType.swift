/// Q.931 message types (codeset 0, the ones a basic call uses).
public enum Q931MessageType: UInt8, Hashable, Sendable, CustomStringConvertible {
    case alerting = 0x01
    case callProceeding = 0x02
    case progress = 0x03
    case setup = 0x05
    case connect = 0x07
    case setupAcknowledge = 0x0D
    case connectAcknowledge = 0x0F
    case disconnect = 0x45
    case restart = 0x46
    case release = 0x4D
    case restartAcknowledge = 0x4E
    case releaseComplete = 0x5A
    case facility = 0x62
    case notify = 0x6E
    case statusEnquiry = 0x75
    case information = 0x7B
    case status = 0x7D

    public var description: String {
        switch self {
        case .alerting: return "ALERTING"
        case .callProceeding: return "CALL PROCEEDING"
        case .progress: return "PROGRESS"
        case .setup: return "SETUP"
        case .connect: return "CONNECT"
        case .setupAcknowledge: return "SETUP ACKNOWLEDGE"
        case .connectAcknowledge: return "CONNECT ACKNOWLEDGE"
        case .disconnect: return "DISCONNECT"
        case .restart: return "RESTART"
        case .release: return "RELEASE"
        case .restartAcknowledge: return "RESTART ACKNOWLEDGE"
        case .releaseComplete: return "RELEASE COMPLETE"
        case .facility: return "FACILITY"
        case .notify: return "NOTIFY"
        case .statusEnquiry: return "STATUS ENQUIRY"
        case .information: return "INFORMATION"
        case .status: return "STATUS"
        }
    }
}

/// Q.850 cause values netmgr uses or reports.
public enum Q931Cause {
    public static let unallocatedNumber: UInt8 = 1
    public static let normalClearing: UInt8 = 16
    public static let userBusy: UInt8 = 17
    public static let noUserResponding: UInt8 = 18
    public static let noAnswer: UInt8 = 19
    public static let callRejected: UInt8 = 21
    public static let destinationOutOfOrder: UInt8 = 27
    public static let invalidNumberFormat: UInt8 = 28
    public static let normalUnspecified: UInt8 = 31
    public static let noCircuitAvailable: UInt8 = 34
    public static let temporaryFailure: UInt8 = 41
    public static let invalidCallReference: UInt8 = 81
    public static let mandatoryElementMissing: UInt8 = 96
    public static let messageTypeNonExistent: UInt8 = 97
    public static let messageNotCompatibleWithCallState: UInt8 = 101
    public static let recoveryOnTimerExpiry: UInt8 = 102

    /// A short English name for logs and journals.
    public static func name(_ cause: UInt8) -> String {
        switch cause {
        case 1: return "unallocated number"
        case 3: return "no route to destination"
        case 16: return "normal call clearing"
        case 17: return "user busy"
        case 18: return "no user responding"
        case 19: return "no answer from user"
        case 21: return "call rejected"
        case 22: return "number changed"
        case 27: return "destination out of order"
        case 28: return "invalid number format"
        case 31: return "normal, unspecified"
        case 34: return "no circuit/channel available"
        case 38: return "network out of order"
        case 41: return "temporary failure"
        case 42: return "switching equipment congestion"
        case 44: return "requested circuit/channel not available"
        case 47: return "resource unavailable, unspecified"
        case 58: return "bearer capability not presently available"
        case 65: return "bearer capability not implemented"
        case 81: return "invalid call reference value"
        case 88: return "incompatible destination"
        case 96: return "mandatory information element is missing"
        case 97: return "message type non-existent or not implemented"
        case 100: return "invalid information element contents"
        case 101: return "message not compatible with call state"
        case 102: return "recovery on timer expiry"
        case 111: return "protocol error, unspecified"
        case 127: return "interworking, unspecified"
        default: return "cause \(cause)"
        }
    }
}
