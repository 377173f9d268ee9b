import Dialup
import NIOCore

/// When a switched line (dial-up or ISDN) calls again. A call attempt that fails (BUSY, NO
/// ANSWER, a cleared SETUP, no SDLC link after the connection) counts; the count starts
/// afresh once the host brought the SDLC link up on a call. A call that was up and is lost
/// is made again at once: it is not a failed attempt. After `policy.limit` failed attempts
/// in a row the line gives up.
struct SwitchedRedialState: Sendable, Hashable {
    enum Decision: Hashable, Sendable {
        case redial(after: TimeAmount)
        case giveUp(failures: Int)
    }

    let policy: RedialPolicy
    /// Failed attempts since the link was last up.
    private(set) var failures = 0
    /// The host brought the link up on some call since the attachment started.
    private(set) var hasBeenUp = false

    init(policy: RedialPolicy) {
        self.policy = policy
    }

    /// An attempt failed: wait and try again, or give up at the limit.
    mutating func attemptFailed() -> Decision {
        failures += 1
        guard let delay = policy.delay(afterFailure: failures) else { return .giveUp(failures: failures) }
        return .redial(after: delay)
    }

    /// The host set up the SDLC link on this call.
    mutating func linkUp() {
        failures = 0
        hasBeenUp = true
    }

    /// A call that was up is gone: call again now.
    func callLost() -> Decision { .redial(after: .zero) }
}
