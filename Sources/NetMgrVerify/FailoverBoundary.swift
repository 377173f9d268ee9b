/// Where one episode of a terminal ends and the next begins: a failover (or a reconnect),
/// with the address the host saw on each side, the outage, and the verdict.
public struct FailoverBoundary: Hashable, Sendable, Codable {
    /// 1-based within the terminal: between episodes `index` and `index + 1`.
    public var index: Int
    public var before: TerminalAddress
    public var after: TerminalAddress
    public var sameAddress: Bool
    /// What differs, in words ("client address 127.0.0.11 → 127.0.0.12").
    public var differences: [String]
    /// The last terminal data before and the first after (records on the IP path, LU-LU
    /// PIUs on the line path; the bind time when an episode carried none).
    public var lastDataBefore: ReportTime
    public var firstDataAfter: ReportTime
    /// `firstDataAfter - lastDataBefore`, seconds.
    public var dataOutageSeconds: Double
    /// The earlier episode's end (FIN/RST, link loss); nil when it was still open at the
    /// end of the capture.
    public var closed: ReportTime?
    /// The later episode's bind (LU granted; first LU-LU BIND +RSP on the line path).
    public var bound: ReportTime?
    /// `bound - closed`, seconds; nil when either is unknown or the old one closed later.
    public var closeToBindSeconds: Double?
    /// The old connection/link was still open when the new one was bound (the host held
    /// both for a while: a dead node's connection that no FIN ended).
    public var overlap: Bool
    /// Connections/links in between that did not bind the terminal, and why.
    public var attemptsBetween: Int
    public var reasonsBetween: [String]
    public var verdict: Verdict
    /// One sentence: why this verdict.
    public var explanation: String
    public var notes: [String]
}
