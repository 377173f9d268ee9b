import NIOCore
import NetMgrSimulators
import Testing

/// Dead-connection probing as a value: when to probe and when to give up.
@Suite("TN3270 host liveness")
struct TN3270HostLivenessTests {
    static let t0 = NIODeadline.uptimeNanoseconds(5_000_000_000)

    @Test func silentClientIsProbedThenDeclaredDead() {
        var liveness = TN3270HostLiveness(interval: .milliseconds(200), timeout: .milliseconds(300), now: Self.t0)
        #expect(liveness.nextDeadline == Self.t0 + .milliseconds(200))
        #expect(liveness.tick(now: Self.t0 + .milliseconds(199)) == .none)
        #expect(liveness.tick(now: Self.t0 + .milliseconds(200)) == .probe)
        #expect(liveness.nextDeadline == Self.t0 + .milliseconds(500))
        #expect(liveness.tick(now: Self.t0 + .milliseconds(499)) == .none)
        #expect(liveness.tick(now: Self.t0 + .milliseconds(500)) == .timedOut)
    }

    @Test func anythingHeardAnswersTheProbe() {
        var liveness = TN3270HostLiveness(interval: .milliseconds(200), timeout: .milliseconds(300), now: Self.t0)
        #expect(liveness.tick(now: Self.t0 + .milliseconds(250)) == .probe)
        liveness.heard(now: Self.t0 + .milliseconds(260))
        #expect(liveness.probeSentAt == nil)
        #expect(liveness.tick(now: Self.t0 + .milliseconds(459)) == .none)
        #expect(liveness.nextDeadline == Self.t0 + .milliseconds(460))
        #expect(liveness.tick(now: Self.t0 + .milliseconds(460)) == .probe)
    }

    @Test func aBusyClientIsNeverProbed() {
        var liveness = TN3270HostLiveness(interval: .milliseconds(200), timeout: .milliseconds(300), now: Self.t0)
        for step in 1...20 {
            let now = Self.t0 + .milliseconds(Int64(step * 150))
            liveness.heard(now: now)
            #expect(liveness.tick(now: now + .milliseconds(100)) == .none)
        }
    }
}
