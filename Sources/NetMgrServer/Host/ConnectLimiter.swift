import NIOCore
import NetMgrCore

/// Paces the LU negotiations towards one host endpoint: at most `maximum` in flight, the
/// rest wait in order. Real TN3270 servers rate-limit, and Hercules 3.13 mishandles
/// simultaneous accepts (its connection threads share one socket variable), so opening
/// every LU at once stalls it. Confined to the daemon's event loop.
final class ConnectLimiter {
    private(set) var maximum: Int
    private(set) var inProgress = 0
    private var waiting = CircularBuffer<() -> Void>()
    /// A `release()` is handing slots to waiters; a nested one leaves that to it.
    private var handingOver = false

    /// A limit below 1 would start nothing; it counts as 1.
    init(maximum: Int = Resource.defaultMaxNegotiations) {
        self.maximum = max(1, maximum)
    }

    var waitingCount: Int { waiting.count }

    /// Runs `start` now if a slot is free, or when one is, in the order asked;
    /// `start` must lead to exactly one `release()`.
    func acquire(_ start: @escaping () -> Void) {
        if inProgress < maximum, waiting.isEmpty {
            inProgress += 1
            start()
        } else {
            waiting.append(start)
        }
    }

    /// A reload changed the limit: a larger one lets waiters start at once; a smaller one
    /// lets the negotiations in flight finish and holds new ones back until they have.
    func setMaximum(_ newMaximum: Int) {
        maximum = max(1, newMaximum)
        handOver()
    }

    /// Frees a slot and starts waiters while slots are free. Iterates: a waiter that
    /// releases at once (its link was stopped meanwhile) does not grow the stack. A
    /// release without a slot held is ignored, so the count never goes negative.
    func release() {
        guard inProgress > 0 else { return }
        inProgress -= 1
        handOver()
    }

    private func handOver() {
        guard !handingOver else { return }
        handingOver = true
        defer { handingOver = false }
        while inProgress < maximum, let next = waiting.popFirst() {
            inProgress += 1
            next()
        }
    }
}

/// One `ConnectLimiter` per host endpoint (IP:port), shared by every resource that
/// connects there. Its limit is the smallest `max-negotiations` of those resources.
final class ConnectLimiters {
    private var limits: [String: Int] = [:]
    private var limiters: [String: ConnectLimiter] = [:]

    init(definitions: Definitions) {
        learnLimits(of: definitions)
    }

    /// Takes the limits of a (re)loaded definition set, also for hosts that already have a
    /// limiter.
    func learnLimits(of definitions: Definitions) {
        var limits: [String: Int] = [:]
        for resource in definitions.resources {
            guard case .tcp(let host) = resource.host else { continue }
            let key = Self.key(host)
            limits[key] = min(limits[key] ?? resource.maxNegotiations, resource.maxNegotiations)
        }
        self.limits = limits
        for (key, limiter) in limiters {
            limiter.setMaximum(limits[key] ?? Resource.defaultMaxNegotiations)
        }
    }

    func limiter(for host: Endpoint) -> ConnectLimiter {
        let key = Self.key(host)
        if let limiter = limiters[key] { return limiter }
        let limiter = ConnectLimiter(maximum: limits[key] ?? Resource.defaultMaxNegotiations)
        limiters[key] = limiter
        return limiter
    }

    private static func key(_ host: Endpoint) -> String { host.description.lowercased() }
}
