/// A connection or link that never bound the terminal: rejected, closed by the host, or
/// a link that came up without activating an LU.
public struct Attempt: Hashable, Sendable, Codable {
    public var connection: Int?
    public var link: Int?
    public var address: TerminalAddress
    public var time: ReportTime
    /// "rejected", "closed-before-bind", "no-lu-activated", "open-at-capture-end".
    public var outcome: String
    /// REJECT reasons (IP path) or sense codes (line path).
    public var reasons: [String]
}
