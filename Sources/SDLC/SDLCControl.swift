/// The SDLC control byte, modulo 8 (bit 0 is the low-order bit, sent first):
/// I-frame `NNNP SSS0` (N(R), P/F, N(S)); S-frame `NNNP TT01`; U-frame `MMMP MM11`.
public enum SDLCControl: Hashable, Sendable {
    case information(ns: UInt8, nr: UInt8, pollFinal: Bool)
    case supervisory(SDLCSupervisoryFunction, nr: UInt8, pollFinal: Bool)
    case unnumbered(SDLCUnnumberedFunction, pollFinal: Bool)

    public static let pollFinalBit: UInt8 = 0x10

    /// Decodes any byte; every byte is some control field (unknown U modifiers stay visible
    /// in `SDLCUnnumberedFunction.rawValue`).
    public init(byte: UInt8) {
        let pollFinal = byte & Self.pollFinalBit != 0
        if byte & 0x01 == 0 {
            self = .information(ns: (byte >> 1) & 0x07, nr: byte >> 5, pollFinal: pollFinal)
        } else if byte & 0x03 == 0x01 {
            let function = SDLCSupervisoryFunction(rawValue: byte & 0x0F)!  // all four values exist
            self = .supervisory(function, nr: byte >> 5, pollFinal: pollFinal)
        } else {
            self = .unnumbered(SDLCUnnumberedFunction(rawValue: byte & ~Self.pollFinalBit), pollFinal: pollFinal)
        }
    }

    /// The byte on the wire; sequence numbers are taken modulo 8.
    public var byte: UInt8 {
        switch self {
        case .information(let ns, let nr, let pf):
            return (nr & 0x07) << 5 | (pf ? Self.pollFinalBit : 0) | (ns & 0x07) << 1
        case .supervisory(let function, let nr, let pf):
            return (nr & 0x07) << 5 | (pf ? Self.pollFinalBit : 0) | function.rawValue
        case .unnumbered(let function, let pf):
            return function.rawValue & ~Self.pollFinalBit | (pf ? Self.pollFinalBit : 0)
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

    /// The same control field with the P/F bit set or cleared.
    public func with(pollFinal: Bool) -> SDLCControl {
        switch self {
        case .information(let ns, let nr, _): return .information(ns: ns, nr: nr, pollFinal: pollFinal)
        case .supervisory(let function, let nr, _): return .supervisory(function, nr: nr, pollFinal: pollFinal)
        case .unnumbered(let function, _): return .unnumbered(function, pollFinal: pollFinal)
        }
    }
}

extension SDLCControl: CustomStringConvertible {
    public var description: String {
        switch self {
        case .information(let ns, let nr, let pf):
            return "I N(S)=\(ns) N(R)=\(nr)\(pf ? " P/F" : "")"
        case .supervisory(let function, let nr, let pf):
            return "\(function) N(R)=\(nr)\(pf ? " P/F" : "")"
        case .unnumbered(let function, let pf):
            return "\(function)\(pf ? " P/F" : "")"
        }
    }
}
