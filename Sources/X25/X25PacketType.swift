/// Packet type identifiers (byte 2 of every packet, ITU-T X.25 §5, modulo 8). DTE→DCE and
/// DCE→DTE names share a code: CALL REQUEST is INCOMING CALL, CALL ACCEPTED is CALL
/// CONNECTED, CLEAR REQUEST is CLEAR INDICATION, and so on. DATA is any even byte and RR, RNR
/// and REJ carry P(R) in bits 5–7, so those are matched on their low bits.
public enum X25PacketType {
    public static let callRequest: UInt8 = 0x0B
    public static let callAccepted: UInt8 = 0x0F
    public static let clearRequest: UInt8 = 0x13
    public static let clearConfirmation: UInt8 = 0x17
    public static let interrupt: UInt8 = 0x23
    public static let interruptConfirmation: UInt8 = 0x27
    public static let resetRequest: UInt8 = 0x1B
    public static let resetConfirmation: UInt8 = 0x1F
    public static let restartRequest: UInt8 = 0xFB
    public static let restartConfirmation: UInt8 = 0xFF
    public static let diagnostic: UInt8 = 0xF1
    /// Low 5 bits of RR, RNR, REJ (P(R) << 5 above them).
    public static let receiveReady: UInt8 = 0x01
    public static let receiveNotReady: UInt8 = 0x05
    public static let reject: UInt8 = 0x09
}

/// Cause and diagnostic codes this module sends or names (X.25 §5.2.3, §5.4.3, §5.5.3, Annex E).
public enum X25Cause {
    /// Clearing causes.
    public static let dteOriginated: UInt8 = 0x00
    public static let numberBusy: UInt8 = 0x01
    public static let invalidFacilityRequest: UInt8 = 0x03
    public static let networkCongestion: UInt8 = 0x05
    public static let outOfOrder: UInt8 = 0x09
    public static let accessBarred: UInt8 = 0x0B
    public static let notObtainable: UInt8 = 0x0D
    public static let remoteProcedureError: UInt8 = 0x11
    public static let localProcedureError: UInt8 = 0x13
    public static let incompatibleDestination: UInt8 = 0x21

    /// Resetting causes that differ from the clearing ones.
    public static let resetOutOfOrder: UInt8 = 0x01
    public static let resetRemoteProcedureError: UInt8 = 0x03
    public static let resetLocalProcedureError: UInt8 = 0x05
    public static let resetNetworkCongestion: UInt8 = 0x07
    public static let resetRemoteDTEOperational: UInt8 = 0x09
    public static let resetNetworkOperational: UInt8 = 0x0F

    /// Restarting causes (from the network); a DTE sends 0x00.
    public static let restartLocalProcedureError: UInt8 = 0x01
    public static let restartNetworkCongestion: UInt8 = 0x03
    public static let restartNetworkOperational: UInt8 = 0x07

    /// A short English name of a clearing cause, for reports.
    public static func clearingCauseName(_ cause: UInt8) -> String {
        switch cause {
        case 0x00: return "DTE originated"
        case 0x01: return "number busy"
        case 0x03: return "invalid facility request"
        case 0x05: return "network congestion"
        case 0x09: return "out of order"
        case 0x0B: return "access barred"
        case 0x0D: return "not obtainable"
        case 0x11: return "remote procedure error"
        case 0x13: return "local procedure error"
        case 0x15: return "RPOA out of order"
        case 0x19: return "reverse charging not accepted"
        case 0x21: return "incompatible destination"
        case 0x29: return "fast select not accepted"
        case 0x39: return "ship absent"
        default: return cause & 0x80 != 0 ? "DTE originated (0x\(hex2(cause)))" : "cause 0x\(hex2(cause))"
        }
    }
}

/// Diagnostic codes (X.25 Annex E) this module sends.
public enum X25Diagnostic {
    public static let noAdditionalInformation: UInt8 = 0
    public static let invalidPS: UInt8 = 1
    public static let invalidPR: UInt8 = 2
    public static let packetTypeInvalid: UInt8 = 16
    public static let packetTooShort: UInt8 = 38
    public static let packetTooLong: UInt8 = 39
    public static let invalidGFI: UInt8 = 40
    public static let timerExpired: UInt8 = 48
    /// T21 (call request) expired.
    public static let timerExpiredForCall: UInt8 = 49
    /// T23 (clear request) expired.
    public static let timerExpiredForClear: UInt8 = 50
    /// T22 (reset request) expired.
    public static let timerExpiredForReset: UInt8 = 51
    /// T20 (restart request) expired.
    public static let timerExpiredForRestart: UInt8 = 52
    public static let facilityNotAllowed: UInt8 = 65
    public static let invalidCalledAddress: UInt8 = 67
    public static let invalidCallingAddress: UInt8 = 68
}
