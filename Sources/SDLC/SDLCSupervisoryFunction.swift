/// Supervisory functions (control byte bits 0–3 with P/F and N(R) clear).
public enum SDLCSupervisoryFunction: UInt8, Hashable, Sendable, CustomStringConvertible {
    case receiveReady = 0x01
    case receiveNotReady = 0x05
    case reject = 0x09
    /// Selective reject: HDLC only, not part of SDLC; a secondary rejects it with FRMR.
    case selectiveReject = 0x0D

    public var description: String {
        switch self {
        case .receiveReady: return "RR"
        case .receiveNotReady: return "RNR"
        case .reject: return "REJ"
        case .selectiveReject: return "SREJ"
        }
    }
}
