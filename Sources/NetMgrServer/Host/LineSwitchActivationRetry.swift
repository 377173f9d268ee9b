/// Whether an activation whose first SWITCH request went unanswered tries again, and when.
///
/// A line switch device that is restarting (power-cycled, its control port briefly closed)
/// must not fail an activation that comes a moment too early: the resource would stay
/// standby while the rest of its group is active, and nothing activates it again. So the
/// first switch is tried again with the attachment's retry delays while the device is
/// unreachable (cannot connect, no answer), for at most `windowMilliseconds` from the first
/// attempt; the resource stays `activating` meanwhile. A device that answers and refuses
/// (`ERR`: a newer epoch holds the line, a bad signature) fails the activation at once, as
/// before. Value type: the attachment feeds it the outcomes, tests drive it directly.
struct LineSwitchActivationRetry: Sendable, Equatable {
    enum Decision: Sendable, Equatable {
        /// Send the SWITCH again after the retry policy's delay for this attempt.
        case retry(attempt: Int)
        /// Fail the activation.
        case giveUp
    }

    /// 10 s: longer than a simulated or real device takes to come back from a restart,
    /// well inside the admin activation timeout (30 s by default).
    static let defaultWindowMilliseconds: Int64 = 10_000

    let windowMilliseconds: Int64
    private(set) var attempts = 0

    init(windowMilliseconds: Int64 = Self.defaultWindowMilliseconds) {
        self.windowMilliseconds = windowMilliseconds
    }

    /// The first SWITCH failed; `unreachable`: the device did not answer (else it refused);
    /// `elapsedMilliseconds` since the first attempt of this activation.
    mutating func switchFailed(unreachable: Bool, elapsedMilliseconds: Int64) -> Decision {
        guard unreachable, elapsedMilliseconds >= 0, elapsedMilliseconds < windowMilliseconds else { return .giveUp }
        attempts += 1
        return .retry(attempt: attempts)
    }
}
