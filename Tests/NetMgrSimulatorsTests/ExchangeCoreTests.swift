import NIOCore
import NetMgrSimulators
import Testing

/// The exchange's routing decisions, alone: named cases, then random event sequences
/// against invariants.
struct ExchangeCoreTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let settings = ExchangeCore.Settings(noAnswer: .seconds(30), modemConnect: .milliseconds(1500), isdnConnect: .milliseconds(200))

    static func core(_ lines: [String: ExchangeLineKind] = ["1": .analogue, "2": .analogue, "3": .analogue, "7": .isdn, "8": .isdn]) -> ExchangeCore {
        var core = ExchangeCore(lines: lines, settings: settings)
        for number in lines.keys { _ = core.lineService(number, inService: true, now: start) }
        return core
    }

    @Test func aCallRingsConnectsAfterTheTrainingTimeAndClearsTheOtherSide() {
        var core = Self.core()
        let now = Self.start
        #expect(core.dial(from: "1", to: "2", now: now).contains(.ring(line: "2", callingNumber: "1")))
        #expect(core.answer("2", now: now + .seconds(1)) == [.setTimer(now + .milliseconds(2500))])
        #expect(core.tick(now: now + .milliseconds(2499)).contains(where: { if case .connect = $0 { true } else { false } }) == false)
        #expect(core.tick(now: now + .milliseconds(2500)) == [.connect(calling: "1", called: "2")])
        #expect(core.connectedPeer(of: "1") == "2")
        let cleared = core.hangUp("2", now: now + .seconds(5))
        #expect(cleared.first == .clear(line: "1", cause: 16))
        guard case .callEnded(let record) = cleared.last else {
            Issue.record("no call record: \(cleared)")
            return
        }
        #expect(record.result == "connected")
        #expect(record.setupTime == .milliseconds(2500))
        #expect(record.clearedBy == "2")
        #expect(core.call(of: "1") == nil && core.call(of: "2") == nil)
    }

    @Test func isdnCallsUseTheISDNSetUpTime() {
        var core = Self.core()
        _ = core.dial(from: "7", to: "8", now: Self.start)
        #expect(core.answer("8", now: Self.start) == [.setTimer(Self.start + .milliseconds(200))])
    }

    @Test func failuresBusyNoAnswerNoDialtoneUnallocatedIncompatible() {
        var core = Self.core()
        let now = Self.start
        _ = core.dial(from: "1", to: "2", now: now)
        #expect(core.dial(from: "3", to: "2", now: now).first == .callFailed(line: "3", .busy))
        #expect(core.dial(from: "3", to: "3", now: now).first == .callFailed(line: "3", .busy))
        #expect(core.dial(from: "3", to: "99", now: now).first == .callFailed(line: "3", .unallocated))
        #expect(core.dial(from: "3", to: "7", now: now).first == .callFailed(line: "3", .incompatible))
        _ = core.lineService("3", inService: false, now: now)
        #expect(core.dial(from: "3", to: "2", now: now).first == .callFailed(line: "3", .noDialtone))
        let timeout = core.tick(now: now + .seconds(30))
        #expect(timeout.prefix(2) == [.stopRinging(line: "2", cause: 19), .callFailed(line: "1", .noAnswer)])
        _ = core.lineService("2", inService: false, now: now)
        #expect(core.dial(from: "1", to: "2", now: now).first == .callFailed(line: "1", .busy))
    }

    @Test func losingTheDTEHangsUpTheCall() {
        var core = Self.core()
        _ = core.dial(from: "1", to: "2", now: Self.start)
        _ = core.answer("2", now: Self.start)
        _ = core.tick(now: Self.start + .seconds(2))
        let actions = core.lineService("1", inService: false, now: Self.start + .seconds(3))
        #expect(actions.first == .clear(line: "2", cause: 16))
        #expect(!core.isInService("1"))
    }

    /// Random dials, answers, hang-ups, DTE losses and time against the invariants: a line
    /// is in at most one call and the call names it; every dial is answered by exactly one
    /// ring or failure; every ring ends in exactly one record; connected calls join lines in
    /// service of the same kind; no call outlives its ringing deadline.
    @Test(arguments: [UInt64(1), 2, 3, 0xC0FFEE, 0x5DEE_CE66])
    func randomEventSequencesKeepTheInvariants(seed: UInt64) {
        var random = SplitRandom(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        let numbers = ["1", "2", "3", "4", "7", "8"]
        var core = Self.core(["1": .analogue, "2": .analogue, "3": .analogue, "4": .analogue, "7": .isdn, "8": .isdn])
        var now = Self.start
        var rings = 0
        var records = 0
        var connects = 0
        var dialFailures = 0
        for step in 0..<3000 {
            let a = numbers.randomElement(using: &random) ?? "1"
            let b = (numbers + ["99"]).randomElement(using: &random) ?? "2"
            let actions: [ExchangeCore.Action]
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1, 2:
                let before = core.call(of: a)
                actions = core.dial(from: a, to: b, now: now)
                let outcomes = actions.filter { if case .ring = $0 { true } else if case .callFailed(let line, _) = $0 { line == a } else { false } }
                #expect(outcomes.count == 1, "step \(step): dial \(a)→\(b) gave \(actions)")
                if case .callFailed = outcomes.first { dialFailures += 1 }
                if before != nil { #expect(core.call(of: a) == before) }
            case 3, 4:
                actions = core.answer(a, now: now)
            case 5, 6:
                actions = core.hangUp(a, now: now)
            case 7:
                actions = core.lineService(a, inService: Bool.random(using: &random), now: now)
            default:
                now = now + .milliseconds(Int64.random(in: 0...12_000, using: &random))
                actions = core.tick(now: now)
            }
            for action in actions {
                switch action {
                case .ring: rings += 1
                case .callEnded: records += 1
                case .connect(let calling, let called):
                    connects += 1
                    #expect(core.isInService(calling) && core.isInService(called))
                    #expect(core.kind(of: calling) == core.kind(of: called))
                default: break
                }
            }
            for number in numbers {
                guard let call = core.call(of: number) else { continue }
                #expect(call.calling == number || call.called == number)
                #expect(call.calling != call.called)
                #expect(core.call(of: call.calling) == call && core.call(of: call.called) == call)
                if case .ringing(let until) = call.phase { #expect(until > now || until == now) }
            }
            #expect(core.calls.count <= numbers.count / 2)
        }
        // Every call that rang has ended exactly once, or is still there now.
        #expect(records - dialFailures == rings - core.calls.count)
        #expect(rings > 20 && connects > 3, "the sequence must exercise calls (rings \(rings), connects \(connects))")
    }
}
