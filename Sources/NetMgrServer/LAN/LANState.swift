import NIOCore

/// The router's bookkeeping for the LAN side's limits (see `LANLimits`).
struct LANState {
    let limits: LANLimits
    var admission: LANAdmission
    /// The pending HELLO-deadline sweep, if one is scheduled.
    var handshakeSweep: Scheduled<Void>?
    /// The pending summary line of each log limiter, if one is scheduled.
    var logSummaries: [WritableKeyPath<LANState, LogRateLimiter>: Scheduled<Void>] = [:]
    var badFrameLog: LogRateLimiter
    var admissionLog: LogRateLimiter
    var droppedHostDataLog: LogRateLimiter
    var queueFullLog: LogRateLimiter
    /// Refused OPENs (not-authorised), refused HELLOs (licence-exhausted), ignored peer epochs.
    var authorisationLog: LogRateLimiter
    var licenceLog: LogRateLimiter
    var peerEpochLog: LogRateLimiter
    /// The access licence count's bookkeeping (`max-clients`).
    var licence = ClientLicence()
    let inputBudget: LANInputBudget

    init(limits: LANLimits, maximumConnections: Int) {
        self.limits = limits
        admission = LANAdmission(limits: .init(maximumConnections: maximumConnections,
                                               handshakeTimeout: Self.duration(seconds: limits.handshakeTimeoutSeconds)))
        let interval = Self.duration(seconds: limits.logIntervalSeconds)
        badFrameLog = LogRateLimiter(burst: limits.logBurst, interval: interval)
        admissionLog = LogRateLimiter(burst: limits.logBurst, interval: interval)
        droppedHostDataLog = LogRateLimiter(burst: limits.logBurst, interval: interval)
        queueFullLog = LogRateLimiter(burst: limits.logBurst, interval: interval)
        authorisationLog = LogRateLimiter(burst: limits.logBurst, interval: interval)
        licenceLog = LogRateLimiter(burst: limits.logBurst, interval: interval)
        peerEpochLog = LogRateLimiter(burst: limits.logBurst, interval: interval)
        inputBudget = LANInputBudget(limit: limits.incompleteFrameBytes)
    }

    /// Seconds as a TimeAmount, held to 1 ms...1 day whatever the configuration says
    /// (a NaN or infinite value must not trap in the conversion).
    static func duration(seconds: Double) -> TimeAmount {
        let milliseconds = seconds.isNaN ? 1 : min(max(seconds * 1000, 1), 86_400_000)
        return .milliseconds(Int64(milliseconds))
    }
}
