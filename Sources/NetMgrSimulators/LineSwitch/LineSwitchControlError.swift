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
