/// The LAPB control byte, modulo 8 (ISO 7776; bit 0 is the low-order bit, sent first):
/// I-frame `NNNP SSS0` (N(R), P, N(S)); S-frame `NNNP/F TT01`; U-frame `MMMP/F MM11`.
public enum LAPBControl: Hashable, Sendable {
    case information(ns: UInt8, nr: UInt8, poll: Bool)
    case supervisory(LAPBSupervisoryFunction, nr: UInt8, pollFinal: Bool)
    case unnumbered(LAPBUnnumberedFunction, pollFinal: Bool)

    public static let pollFinalBit: UInt8 = 0x10

    /// Decodes any byte; every byte is some control field (unknown U modifiers stay visible
    /// in `LAPBUnnumberedFunction.rawValue`, SREJ as `.selectiveReject`).
    public init(byte: UInt8) {
        let pollFinal = byte & Self.pollFinalBit != 0
        if byte & 0x01 == 0 {
            self = .information(ns: (byte >> 1) & 0x07, nr: byte >> 5, poll: pollFinal)
        } else if byte & 0x03 == 0x01 {
            let function: LAPBSupervisoryFunction
            switch byte & 0x0F {
            case 0x01: function = .receiveReady
            case 0x05: function = .receiveNotReady
            case 0x09: function = .reject
            default: function = .selectiveReject
            }
            self = .supervisory(function, nr: byte >> 5, pollFinal: pollFinal)
        } else {
            self = .unnumbered(LAPBUnnumberedFunction(rawValue: byte), pollFinal: pollFinal)
        }
    }

    /// The byte on the wire; sequence numbers are taken modulo 8.
    public var byte: UInt8 {
        switch self {
        case .information(let ns, let nr, let p):
            return (nr & 0x07) << 5 | (p ? Self.pollFinalBit : 0) | (ns & 0x07) << 1
        case .supervisory(let function, let nr, let pf):
            return (nr & 0x07) << 5 | (pf ? Self.pollFinalBit : 0) | function.rawValue
        case .unnumbered(let function, let pf):
            return function.rawValue | (pf ? Self.pollFinalBit : 0)
        }
    }

    public var pollFinal: Bool {
        switch self {
        case .information(_, _, let pf), .supervisory(_, _, let pf), .unnumbered(_, let pf): return pf
        }
    }

    /// N(R) of I- and S-frames.
    public var receiveSequence: UInt8? {
        switch self {
        case .information(_, let nr, _), .supervisory(_, let nr, _): return nr
        case .unnumbered: return nil
        }
    }

    // Shorthands for the frames LAPB sends.
    public static func sabm(poll: Bool = true) -> LAPBControl { .unnumbered(.setAsynchronousBalancedMode, pollFinal: poll) }
    public static func disc(poll: Bool = true) -> LAPBControl { .unnumbered(.disconnect, pollFinal: poll) }
    public static func ua(final: Bool) -> LAPBControl { .unnumbered(.unnumberedAcknowledgment, pollFinal: final) }
    public static func dm(final: Bool) -> LAPBControl { .unnumbered(.disconnectedMode, pollFinal: final) }
    public static func frmr(final: Bool) -> LAPBControl { .unnumbered(.frameReject, pollFinal: final) }
    public static func rr(nr: UInt8, pollFinal: Bool = false) -> LAPBControl { .supervisory(.receiveReady, nr: nr, pollFinal: pollFinal) }
    public static func rnr(nr: UInt8, pollFinal: Bool = false) -> LAPBControl { .supervisory(.receiveNotReady, nr: nr, pollFinal: pollFinal) }
    public static func rej(nr: UInt8, pollFinal: Bool = false) -> LAPBControl { .supervisory(.reject, nr: nr, pollFinal: pollFinal) }
}

extension LAPBControl: CustomStringConvertible {
    public var description: String {
        switch self {
        case .information(let ns, let nr, let p):
            return "I N(S)=\(ns) N(R)=\(nr)\(p ? " P" : "")"
        case .supervisory(let function, let nr, let pf):
            return "\(function) N(R)=\(nr)\(pf ? " P/F" : "")"
        case .unnumbered(let function, let pf):
            return "\(function)\(pf ? " P/F" : "")"
        }
    }
}

/// Supervisory functions (control bits 0–3).
public enum LAPBSupervisoryFunction: UInt8, Hashable, Sendable, CustomStringConvertible {
    case receiveReady = 0x01
    case receiveNotReady = 0x05
    case reject = 0x09
    /// Not part of LAPB: a station answers it with FRMR (W).
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

/// An unnumbered function: the control byte with the P/F bit clear.
public struct LAPBUnnumberedFunction: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue & ~LAPBControl.pollFinalBit
    }

    public static let setAsynchronousBalancedMode = Self(rawValue: 0x2F)  // SABM
    public static let setAsynchronousBalancedModeExtended = Self(rawValue: 0x6F)  // SABME (modulo 128)
    public static let unnumberedAcknowledgment = Self(rawValue: 0x63)  // UA
    public static let disconnect = Self(rawValue: 0x43)  // DISC
    public static let disconnectedMode = Self(rawValue: 0x0F)  // DM
    public static let frameReject = Self(rawValue: 0x87)  // FRMR

    /// Whether LAPB modulo 8 defines the code (SABME is known but refused with DM).
    public var isKnown: Bool { name != nil }

    private var name: String? {
        switch rawValue {
        case 0x2F: return "SABM"
        case 0x6F: return "SABME"
        case 0x63: return "UA"
        case 0x43: return "DISC"
        case 0x0F: return "DM"
        case 0x87: return "FRMR"
        default: return nil
        }
    }

    public var description: String { name ?? "U(0x\(hex2(rawValue)))" }
}
