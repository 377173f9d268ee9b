/// A malformed TN3270E or TERMINAL-TYPE sub-negotiation, naming the byte
/// that broke it.
public struct SubnegotiationParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var option: TelnetOption
    /// Offset inside the sub-negotiation payload (after the option byte).
    public var offset: Int
    public var reason: String

    public init(option: TelnetOption, offset: Int, reason: String) {
        self.option = option
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        "\(self.option) sub-negotiation: \(self.reason) at payload byte \(self.offset)"
    }
}
