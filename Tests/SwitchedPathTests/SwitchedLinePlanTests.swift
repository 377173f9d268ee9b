import Dialup
import Foundation
import NIOCore
import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// What netmgrd resolves from the definitions for a switched resource before it calls, and
/// when it calls again.
@Suite("Switched line plans and redial")
struct SwitchedLinePlanTests {
    static func phonebook() throws -> Definitions {
        let loaded = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path)
        try #require(loaded.isValid, "\(loaded.diagnostics)")
        return loaded.definitions
    }

    @Test("PSTN1: the same number and XID from either node; node B's own device; Hayes call-out to the host's number")
    func dialupPlan() throws {
        let definitions = try Self.phonebook()
        let resource = try #require(definitions.resource(named: "PSTN1"))
        let a = try DialupLinePlan(definitions: definitions, resource: resource, node: "node-a", epoch: 7)
        let b = try DialupLinePlan(definitions: definitions, resource: resource, node: "node-b", epoch: 8)
        #expect(a.hostVisibleAddress == "tel 0312340001 XID 05D00003" && b.hostVisibleAddress == a.hostVisibleAddress)
        #expect(a.unit.description == "COM1 Unit1 Line3" && b.epoch == 8)
        #expect(b.device.description.contains("7432"), "\(b.device)")
        #expect(a.dialer.number == "0300001111" && a.dialer.direction == .callOut && a.dialer.protocol == .hayes)
        #expect(a.station.logicalUnits.map(\.address) == [2, 3] && a.station.stationAddress == 0xC2)
        #expect(a.call.redial == RedialPolicy(limit: 5, initialDelay: .seconds(2), maximumDelay: .seconds(60)))
    }

    @Test("ISDNR1: each node's own number is what the host sees; the same XID")
    func isdnPlan() throws {
        let definitions = try Self.phonebook()
        let resource = try #require(definitions.resource(named: "ISDNR1"))
        let a = try ISDNLinePlan(definitions: definitions, resource: resource, node: "node-a")
        let b = try ISDNLinePlan(definitions: definitions, resource: resource, node: "node-b")
        #expect(a.hostVisibleAddress == "tel 0312340011 XID 05D00004")
        #expect(b.hostVisibleAddress == "tel 0312340012 XID 05D00004")
        #expect(a.hostNumber == "0300002222" && b.ownNumber == "0312340012")
        #expect(ISDNAttachment.userConfiguration(a).ownNumber == "0312340011")
        #expect(ISDNAttachment.userConfiguration(a).incomingCalls == .reject)
    }

    @Test("a plan without a node's ISDN number fails the activation naming the key")
    func missingNumber() throws {
        var definitions = try Self.phonebook()
        let index = try #require(definitions.lines.firstIndex { $0.name == "ISDN1" })
        definitions.lines[index].perNode["node-b"]?.isdnNumber = nil
        let resource = try #require(definitions.resource(named: "ISDNR1"))
        #expect(throws: AdminFailure.self) { _ = try ISDNLinePlan(definitions: definitions, resource: resource, node: "node-b") }
        do {
            _ = try ISDNLinePlan(definitions: definitions, resource: resource, node: "node-b")
        } catch {
            #expect("\(error)".contains("nodes.node-b.isdn-number"), "\(error)")
        }
    }

    @Test("failed attempts back off doubling up to the cap and give up at the limit; a lost call redials at once")
    func redialState() {
        var state = SwitchedRedialState(policy: RedialPolicy(limit: 4, initialDelay: .seconds(2), maximumDelay: .seconds(5)))
        #expect(state.attemptFailed() == .redial(after: .seconds(2)))
        #expect(state.attemptFailed() == .redial(after: .seconds(4)))
        #expect(state.attemptFailed() == .redial(after: .seconds(5)))
        #expect(state.attemptFailed() == .giveUp(failures: 4))
        var again = SwitchedRedialState(policy: RedialPolicy(limit: 2, initialDelay: .seconds(1), maximumDelay: .seconds(60)))
        #expect(again.attemptFailed() == .redial(after: .seconds(1)))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        again.linkUp(now: start)
        #expect(again.failures == 1 && again.hasBeenUp)
        #expect(again.callLost(now: start + .seconds(10)) == .redial(after: .zero))
        #expect(again.failures == 0)
        #expect(again.attemptFailed() == .redial(after: .seconds(1)))
        #expect(again.attemptFailed() == .giveUp(failures: 2))
    }

    @Test("a call lost before its SDLC link came up, or within 10 s of it, counts as a failed attempt")
    func redialShortLivedLink() {
        var state = SwitchedRedialState(policy: RedialPolicy(limit: 3, initialDelay: .seconds(1), maximumDelay: .seconds(60)))
        let start = NIODeadline.uptimeNanoseconds(5_000_000_000)
        // Connected, no link (host DISC for an unknown XID, NO CARRIER before SNRM): counted.
        #expect(state.callLost(now: start) == .redial(after: .seconds(1)))
        // The host binds and drops at once: counted, backing off.
        state.linkUp(now: start + .seconds(1))
        #expect(state.callLost(now: start + .seconds(10)) == .redial(after: .seconds(2)))
        #expect(state.linkUpSince == nil)
        // A later call's loss without link-up does not see the earlier call's link.
        #expect(state.callLost(now: start + .seconds(60)) == .giveUp(failures: 3))
    }

    @Test("random failure and link-up sequences never redial more than limit times in a row, and always wait")
    func redialProperty() {
        var random = SplitMix64Generator(seed: 0x5717_C4ED)
        for _ in 0..<200 {
            let limit = Int(random.next() % 10) + 1
            var state = SwitchedRedialState(policy: RedialPolicy(limit: limit, initialDelay: .milliseconds(100), maximumDelay: .seconds(1)))
            var inARow = 0
            var gaveUp = false
            for _ in 0..<40 where !gaveUp {
                let now = NIODeadline.uptimeNanoseconds(random.next() % 1_000_000_000_000)
                if random.next() % 4 == 0 {
                    state.linkUp(now: now)
                    // Lost after a stable link: at once, the count starts afresh.
                    #expect(state.callLost(now: now + .seconds(Int64(random.next() % 100) + 10)) == .redial(after: .zero))
                    inARow = 0
                    continue
                }
                inARow += 1
                let decision: SwitchedRedialState.Decision
                switch random.next() % 3 {
                case 0: decision = state.attemptFailed()
                case 1: decision = state.callLost(now: now)  // connected, no link
                default:
                    state.linkUp(now: now)  // the link was up less than 10 s
                    decision = state.callLost(now: now + .milliseconds(Int64(random.next() % 10_000)))
                }
                switch decision {
                case .redial(let delay):
                    #expect(inARow < limit && delay >= .milliseconds(100) && delay <= .seconds(1))
                case .giveUp(let failures):
                    #expect(failures == limit && inARow == limit)
                    gaveUp = true
                }
            }
        }
    }
}
