/// Calling a state-machine method at a point where it cannot apply (the
/// owner's mistake, not the peer's). Nothing is sent.
public struct TN3270UsageError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
