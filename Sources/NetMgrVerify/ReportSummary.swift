/// The bottom line: counts, the overall verdict and the exit code it gives.
public struct ReportSummary: Hashable, Sendable, Codable {
    public var terminals: Int
    public var episodes: Int
    public var boundaries: Int
    public var kept: Int
    public var broken: Int
    public var undetermined: Int
    public var notFailover: Int
    public var unchecked: Int
    /// "kept" (every judged promise kept), "broken" (at least one broken), "no-failover"
    /// (no boundary in the capture), "facts-only" (boundaries but no promise to check).
    public var verdict: String
    /// 0 kept / no failover / facts only, 1 broken.
    public var exitCode: Int32
    /// One sentence for the operator.
    public var message: String

    init(terminals: [Terminal]) {
        let boundaries = terminals.flatMap(\.boundaries)
        self.terminals = terminals.count
        episodes = terminals.reduce(0) { $0 + $1.episodes.count }
        self.boundaries = boundaries.count
        kept = boundaries.filter { $0.verdict == .kept }.count
        broken = boundaries.filter { $0.verdict == .broken }.count
        undetermined = boundaries.filter { $0.verdict == .undetermined }.count
        notFailover = boundaries.filter { $0.verdict == .notFailover }.count
        unchecked = boundaries.filter { $0.verdict == .unchecked }.count
        let failovers = boundaries.count - notFailover
        if broken > 0 {
            verdict = "broken"
            exitCode = 1
            message = "\(broken) of \(boundaries.count) failover boundar\(boundaries.count == 1 ? "y" : "ies") broke the promise"
        } else if terminals.isEmpty {
            verdict = "no-failover"
            exitCode = 0
            message = "no TN3270 connection, SDLC link, X.25 call or BDLC station carrying text in the capture: no failover seen"
        } else if failovers == 0 {
            verdict = "no-failover"
            exitCode = 0
            message = "no failover seen: every terminal kept one connection, link or station for the whole capture"
                + (notFailover > 0 ? " (\(notFailover) reconnect(s) from the same node)" : "")
        } else if kept == 0 && undetermined == 0 {
            verdict = "facts-only"
            exitCode = 0
            message = "\(failovers) failover boundar\(failovers == 1 ? "y" : "ies") seen; no promise to check (give --definitions DIR or --expect same|different)"
        } else {
            verdict = "kept"
            exitCode = 0
            var text = "\(failovers) failover boundar\(failovers == 1 ? "y" : "ies") seen; \(kept) promise\(kept == 1 ? "" : "s") kept"
            if undetermined > 0 { text += ", \(undetermined) undetermined (facts missing from the capture)" }
            if unchecked > 0 { text += ", \(unchecked) without a promise" }
            message = text
        }
    }
}
