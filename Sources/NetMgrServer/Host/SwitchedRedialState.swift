import Dialup
import NIOCore

/// When a switched line (dial-up or ISDN) calls again. A call attempt that fails (BUSY, NO
/// ANSWER, a cleared SETUP, no SDLC link after the connection) counts; so does a call that
/// connected but is lost before the host brought the SDLC link up on it, or within
/// `stableLinkTime` after (a host that binds and drops at once must not be called in a tight
/// loop). A call whose link stayed up that long is made again at once when lost, and the count
/// starts afresh. After `policy.limit` failed attempts in a row the line gives up.
struct SwitchedRedialState: Sendable, Hashable {
    enum Decision: Hashable, Sendable {
        case redial(after: TimeAmount)
        case giveUp(failures: Int)
    }

    /// How long the SDLC link must have been up for its loss to be a lost call, not a failed attempt.
    static let defaultStableLinkTime = TimeAmount.seconds(10)

    let policy: RedialPolicy
    let stableLinkTime: TimeAmount
    /// Failed attempts since a call's link was last up for `stableLinkTime`.
    private(set) var failures = 0
    /// The host brought the link up on some call since the attachment started.
    private(set) var hasBeenUp = false
    /// When the host brought the link up on the current call (nil: not yet).
    private(set) var linkUpSince: NIODeadline?

    init(policy: RedialPolicy, stableLinkTime: TimeAmount = Self.defaultStableLinkTime) {
        self.policy = policy
        self.stableLinkTime = stableLinkTime
    }

    /// An attempt failed: wait and try again, or give up at the limit.
    mutating func attemptFailed() -> Decision {
        linkUpSince = nil
        failures += 1
        guard let delay = policy.delay(afterFailure: failures) else { return .giveUp(failures: failures) }
        return .redial(after: delay)
    }

    /// The host set up the SDLC link on this call.
    mutating func linkUp(now: NIODeadline) {
        if linkUpSince == nil { linkUpSince = now }
        hasBeenUp = true
    }

    /// Whether a loss of the current call at `now` counts as a failed attempt: the link never
    /// came up on it, or was up for less than `stableLinkTime`.
    func lossCounts(now: NIODeadline) -> Bool {
        guard let since = linkUpSince else { return true }
        return now - since < stableLinkTime
    }

    /// The current call is gone (it had connected): call again now after a stable link,
    /// else as a failed attempt (back-off, limit).
    mutating func callLost(now: NIODeadline) -> Decision {
        if lossCounts(now: now) { return attemptFailed() }
        linkUpSince = nil
        failures = 0
        return .redial(after: .zero)
    }
}
