import NIOCore
import NetMgrCore
@testable import NetMgrServer
import Testing

@Suite("LAN admission and log rate limits")
struct LANLimitsTests {
    final class Token {}

    @Test("at the cap a new connection takes the place of the oldest one without HELLO, then new ones are refused")
    func evictsOldestWithoutHelloFirst() {
        var admission = LANAdmission(limits: .init(maximumConnections: 3, handshakeTimeout: .seconds(5)))
        let tokens = (0..<6).map { _ in Token() }
        let ids = tokens.map(ObjectIdentifier.init)
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        #expect(admission.opened(ids[0], at: t0) == .accept)
        #expect(admission.opened(ids[1], at: t0 + .milliseconds(1)) == .accept)
        admission.saidHello(ids[0])
        #expect(admission.opened(ids[2], at: t0 + .milliseconds(2)) == .accept)
        // Full: 1 and 2 have not said HELLO; 1 is the older.
        #expect(admission.opened(ids[3], at: t0 + .milliseconds(3)) == .acceptEvicting(ids[1]))
        admission.saidHello(ids[3])
        #expect(admission.opened(ids[4], at: t0 + .milliseconds(4)) == .acceptEvicting(ids[2]))
        admission.saidHello(ids[4])
        #expect(admission.opened(ids[5], at: t0 + .milliseconds(5)) == .refuse, "every connection said HELLO")
        #expect(admission.count == 3)
        admission.closed(ids[0])
        #expect(admission.opened(ids[5], at: t0 + .milliseconds(6)) == .accept, "a closed connection frees its place")
    }

    @Test("a connection without HELLO expires at its deadline, one that said HELLO never")
    func handshakeDeadline() {
        var admission = LANAdmission(limits: .init(maximumConnections: 10, handshakeTimeout: .seconds(5)))
        let tokens = (0..<3).map { _ in Token() }
        let ids = tokens.map(ObjectIdentifier.init)
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        _ = admission.opened(ids[0], at: t0)
        _ = admission.opened(ids[1], at: t0 + .seconds(1))
        _ = admission.opened(ids[2], at: t0 + .seconds(2))
        admission.saidHello(ids[1])
        #expect(admission.nextDeadline == t0 + .seconds(5))
        #expect(admission.expired(at: t0 + .seconds(4)).isEmpty)
        #expect(admission.expired(at: t0 + .seconds(6)) == [ids[0]])
        #expect(admission.nextDeadline == t0 + .seconds(7), "the one that said HELLO has no deadline")
        admission.closed(ids[2])
        #expect(admission.nextDeadline == nil)
        #expect(admission.expired(at: t0 + .seconds(60)).isEmpty)
        #expect(admission.count == 1)
    }

    @Test("the derived connection cap leaves the host connections and a reserve free, and survives odd limits")
    func derivedCap() {
        #expect(LANLimits.connectionLimit(openFiles: 20_000, hostConnections: 12) == (20_000 - 12 - 256) / 4 * 3)
        #expect(LANLimits.connectionLimit(openFiles: 1_024, hostConnections: 10_000) == 16)
        #expect(LANLimits.connectionLimit(openFiles: UInt64.max, hostConnections: 12) > 1_000_000)
        #expect(LANLimits.connectionLimit(openFiles: 0, hostConnections: 0) == 16)
    }

    @Test("a log flood: the first N lines of a window, then one summary with the count")
    func logRateLimiter() {
        var limiter = LogRateLimiter(burst: 3, interval: .seconds(10))
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let decisions = (0..<8).map { limiter.event(at: t0 + .milliseconds(Int64($0))) }
        #expect(decisions.prefix(3).allSatisfy { $0 == .log(suppressedBefore: 0) })
        #expect(decisions[3] == .suppress(summaryAt: t0 + .seconds(10)), "the first suppressed line asks for a summary at the window's end")
        #expect(decisions.dropFirst(4).allSatisfy { $0 == .suppress(summaryAt: nil) })
        #expect(limiter.takeSummary() == 5)
        #expect(limiter.takeSummary() == 0)
        // Suppressed lines not yet summarised are reported by the next window's first line.
        #expect(limiter.event(at: t0 + .seconds(5)) == .suppress(summaryAt: t0 + .seconds(10)))
        #expect(limiter.event(at: t0 + .seconds(11)) == .log(suppressedBefore: 1))
    }

    @Test("configured seconds become a bounded duration, never a trap")
    func durations() {
        #expect(LANState.duration(seconds: 5) == .seconds(5))
        #expect(LANState.duration(seconds: .infinity) == .hours(24))
        #expect(LANState.duration(seconds: .nan) == .milliseconds(1))
        #expect(LANState.duration(seconds: -3) == .milliseconds(1))
    }
}
