/// A control request the line switch refused: `ERR <code> <message>` on the wire.
public struct LineSwitchControlError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The request does not parse.
        case syntax
        case unknownCommand = "unknown-command"
        case unknownLine = "unknown-line"
        case unknownNode = "unknown-node"
        /// The epoch is older than the line's current one: the newer owner keeps the line.
        case staleEpoch = "stale-epoch"
        /// The same epoch was already used by another node.
        case epochConflict = "epoch-conflict"
        case lineTooLong = "line-too-long"
        /// The switch has a key and the SWITCH carries no MAC (docs/LINE-SWITCH.md, Authentication).
        case unauthenticated
        /// The MAC is not HMAC-SHA256 of the request's canonical text with the switch's key.
        case badMAC = "bad-mac"
        /// TIME is more than the window (30 s) away from the switch's clock.
        case staleTime = "stale-time"
        /// The NONCE was already used by an authenticated request within the window.
        case replayedNonce = "replayed-nonce"
        /// Too many authenticated requests within one window to remember their nonces.
        case replayWindowFull = "replay-window-full"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The reply line, without its line end.
    public var reply: String { "ERR \(code.rawValue) \(message)" }
    public var description: String { "\(code.rawValue): \(message)" }
}
