import NIOCore

/// How often and how soon to dial again after failed attempts: up to `limit` failures, waiting
/// `initialDelay` after the first, doubling after each further one, never more than `maximumDelay`.
public struct RedialPolicy: Sendable, Hashable {
    /// Attempts in all (1…): after the `limit`-th failure there is no further attempt.
    public var limit: Int
    public var initialDelay: TimeAmount
    public var maximumDelay: TimeAmount

    public init(limit: Int = 5, initialDelay: TimeAmount = .seconds(2), maximumDelay: TimeAmount = .seconds(60)) {
        self.limit = limit
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait before the next attempt after the `n`-th failure (n counts from 1), or nil when
    /// the limit is reached.
    public func delay(afterFailure n: Int) -> TimeAmount? {
        guard n >= 1, n < limit else { return nil }
        let cap = max(maximumDelay.nanoseconds, 0)
        var delay = min(max(initialDelay.nanoseconds, 0), cap)
        var step = 1
        while step < n, delay < cap {
            let (doubled, overflow) = delay.multipliedReportingOverflow(by: 2)
            delay = overflow ? cap : min(doubled, cap)
            step += 1
        }
        return .nanoseconds(delay)
    }
}
