import NIOCore

/// Keeps a flood of one kind of log line (bad frames from many connections, refused
/// connections) from flooding the log: in each window of `interval` the first `burst`
/// events are logged one by one, the rest only counted and reported in one summary line
/// when the window ends. A value type with time as an input.
struct LogRateLimiter {
    let burst: Int
    let interval: TimeAmount
    private var windowEnd: NIODeadline?
    private var loggedInWindow = 0
    private var suppressed = 0

    init(burst: Int, interval: TimeAmount) {
        self.burst = burst
        self.interval = interval
    }

    enum Decision: Equatable {
        /// Log this event; `suppressedBefore` events of an earlier window were not yet reported.
        case log(suppressedBefore: Int)
        /// Count it only. `summaryAt` is set on the first suppressed event of a window: when
        /// the caller should ask for `takeSummary` (it reports the window's count).
        case suppress(summaryAt: NIODeadline?)
    }

    mutating func event(at now: NIODeadline) -> Decision {
        var earlier = 0
        if let end = windowEnd, now < end {
            guard loggedInWindow < burst else {
                suppressed += 1
                return .suppress(summaryAt: suppressed == 1 ? end : nil)
            }
        } else {
            earlier = takeSummary()
            windowEnd = now + interval
            loggedInWindow = 0
        }
        loggedInWindow += 1
        return .log(suppressedBefore: earlier)
    }

    /// The events counted but not logged since the last summary (0 if none).
    mutating func takeSummary() -> Int {
        defer { suppressed = 0 }
        return suppressed
    }
}
