/// A channel of a basic-rate interface: the first byte of every frame on the simulated BRI
/// (`[channel][frame]`, HDLC-framed; SWITCHED.md).
public enum ISDNChannel: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// The D channel: LAPD frames carrying Q.931.
    case d = 0
    /// The first bearer channel: SDLC frames once a call is connected.
    case b1 = 1
    /// The second bearer channel.
    case b2 = 2

    public var description: String {
        switch self {
        case .d: return "D"
        case .b1: return "B1"
        case .b2: return "B2"
        }
    }
}
