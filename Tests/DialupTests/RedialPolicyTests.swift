import Dialup
import NIOCore
import Testing

@Suite("Dialup: redial policy")
struct RedialPolicyTests {
    @Test("doubles from the initial delay, capped, nil at the limit")
    func doublingCappedLimited() {
        let policy = RedialPolicy(limit: 6, initialDelay: .seconds(2), maximumDelay: .seconds(10))
        #expect(policy.delay(afterFailure: 1) == .seconds(2))
        #expect(policy.delay(afterFailure: 2) == .seconds(4))
        #expect(policy.delay(afterFailure: 3) == .seconds(8))
        #expect(policy.delay(afterFailure: 4) == .seconds(10))
        #expect(policy.delay(afterFailure: 5) == .seconds(10))
        #expect(policy.delay(afterFailure: 6) == nil)
        #expect(policy.delay(afterFailure: 0) == nil)
        #expect(policy.delay(afterFailure: Int.max) == nil)
    }

    @Test("huge limits and delays never overflow")
    func noOverflow() {
        let policy = RedialPolicy(limit: Int.max, initialDelay: .nanoseconds(Int64.max / 3), maximumDelay: .nanoseconds(Int64.max))
        #expect(policy.delay(afterFailure: 100) == .nanoseconds(Int64.max))
        let one = RedialPolicy(limit: 1, initialDelay: .seconds(2), maximumDelay: .seconds(60))
        #expect(one.delay(afterFailure: 1) == nil)
    }
}
