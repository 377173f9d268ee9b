@testable import NetMgrServer
import Testing

/// The first SWITCH of an activation: tried again while the line switch device does not
/// answer (it is restarting), within the window; a refusal fails the activation at once.
@Suite("Line switch activation retry")
struct LineSwitchActivationRetryTests {
    @Test("an unreachable device is tried again with rising attempt numbers until the window closes")
    func unreachableWithinWindow() {
        var retry = LineSwitchActivationRetry(windowMilliseconds: 10_000)
        #expect(retry.switchFailed(unreachable: true, elapsedMilliseconds: 0) == .retry(attempt: 1))
        #expect(retry.switchFailed(unreachable: true, elapsedMilliseconds: 40) == .retry(attempt: 2))
        #expect(retry.switchFailed(unreachable: true, elapsedMilliseconds: 9_999) == .retry(attempt: 3))
        #expect(retry.switchFailed(unreachable: true, elapsedMilliseconds: 10_000) == .giveUp)
        #expect(retry.attempts == 3)
    }

    @Test("a device that answers and refuses fails the activation at once, even early in the window")
    func refusedGivesUp() {
        var retry = LineSwitchActivationRetry()
        #expect(retry.switchFailed(unreachable: false, elapsedMilliseconds: 0) == .giveUp)
        #expect(retry.attempts == 0)
        // After some unanswered attempts, a refusal still ends it.
        #expect(retry.switchFailed(unreachable: true, elapsedMilliseconds: 100) == .retry(attempt: 1))
        #expect(retry.switchFailed(unreachable: false, elapsedMilliseconds: 200) == .giveUp)
    }

    @Test("a window of zero, or a clock that went backwards, gives up instead of retrying forever")
    func edges() {
        var none = LineSwitchActivationRetry(windowMilliseconds: 0)
        #expect(none.switchFailed(unreachable: true, elapsedMilliseconds: 0) == .giveUp)
        var backwards = LineSwitchActivationRetry()
        #expect(backwards.switchFailed(unreachable: true, elapsedMilliseconds: -1) == .giveUp)
        #expect(LineSwitchActivationRetry.defaultWindowMilliseconds == 10_000)
    }
}
