import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// `Router.reload` (SIGHUP): standby resources take changes, busy ones keep their facts.
@Suite("Router: definitions reload")
struct RouterReloadTests {
    func definitions(_ harness: RouterHarness) -> Definitions { harness.router.definitions }

    @Test("a changed standby resource is taken, a changed active one refused and kept as it was")
    func standbyTakenActiveRefused() throws {
        let harness = try RouterHarness()
        #expect(try harness.activate(["TNVIP"]).ok)
        var new = definitions(harness)
        new.lus.removeAll { $0.name == "REALLU02" || $0.name == "VIPLU04" }
        let outcome = harness.router.reload(new)
        #expect(outcome.taken == ["TNREAL"])
        #expect(outcome.refused.count == 1 && outcome.refused[0].hasPrefix("TNVIP: changed, but it is active"))
        #expect(harness.router.resources["TNREAL"]!.luOrder == ["REALLU01"])
        #expect(harness.router.resources["TNVIP"]!.luOrder == ["VIPLU01", "VIPLU02", "VIPLU03", "VIPLU04"])
        #expect(harness.router.definitions.lus(of: "TNVIP").count == 4)
        #expect(harness.router.definitions.lus(of: "TNREAL").count == 1)
        #expect(harness.router.resources["TNVIP"]!.machine.state == .active)
    }

    @Test("a rebuilt standby resource keeps the epochs it learnt, so a stale activation is still refused")
    func keepsEpochs() throws {
        let harness = try RouterHarness()
        harness.router.peerReported(resource: "TNREAL", state: .active, epoch: 40, peer: "node-b")
        var new = definitions(harness)
        new.lus.removeAll { $0.name == "REALLU02" }
        #expect(harness.router.reload(new).taken == ["TNREAL"])
        #expect(harness.router.resources["TNREAL"]!.machine.newestSeenEpoch == 40)
        let refused = try harness.activate(["TNREAL"], epoch: 30)
        #expect(refused.error?.contains("older than epoch 40") == true)
    }

    @Test("resources are added and removed while standby; clients hear of the new one")
    func addRemove() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        _ = try harness.received(on: channel)
        var new = definitions(harness)
        var extra = try #require(new.resource(named: "TNREAL"))
        extra.name = "TNEXTRA"
        new.resources.append(extra)
        new.resources.removeAll { $0.name == "SDLC1" }
        new.lus.removeAll { $0.resource == "SDLC1" }
        let outcome = harness.router.reload(new)
        #expect(outcome.added == ["TNEXTRA"] && outcome.removed == ["SDLC1"])
        #expect(harness.router.resourceOrder.contains("TNEXTRA") && harness.router.resources["SDLC1"] == nil)
        #expect(try harness.received(on: channel).contains(.resource(name: "TNEXTRA", state: .standby, epoch: 0, node: "node-a")))
    }

    @Test("cluster-wide changes and LUs moved off a busy resource are refused while it is active")
    func busyRefusals() throws {
        let harness = try RouterHarness()
        #expect(try harness.activate(["TNVIP"]).ok)
        var lineSwitch = definitions(harness)
        lineSwitch.cluster.lineSwitch?.port += 1
        #expect(harness.router.reload(lineSwitch).refused == ["line-switch: unchanged while resources are active (TNVIP)"])
        #expect(harness.router.definitions.cluster.lineSwitch == definitions(harness).cluster.lineSwitch)

        var moved = definitions(harness)
        let index = try #require(moved.lus.firstIndex { $0.name == "VIPLU04" })
        moved.lus[index].resource = "TNREAL"
        let outcome = harness.router.reload(moved)
        #expect(outcome.taken.isEmpty)
        #expect(outcome.refused.last?.contains("moves LUs VIPLU04 between a busy and a standby resource") == true)
        #expect(harness.router.resources["TNREAL"]!.luOrder.count == 2)
    }

    @Test("node changes take a restart; the line switch changes while all is standby")
    func clusterChanges() throws {
        let harness = try RouterHarness()
        let before = definitions(harness)
        var new = before
        new.cluster.nodes[1].lan.port += 1
        new.cluster.lineSwitch?.port += 1
        let outcome = harness.router.reload(new)
        #expect(outcome.refused == ["cluster name and nodes: a change takes a restart of netmgrd (its listener, peer connections and own address)"])
        #expect(harness.router.definitions.cluster.nodes[1].lan.port == before.cluster.nodes[1].lan.port)
        #expect(harness.router.definitions.cluster.lineSwitch?.port == (before.cluster.lineSwitch?.port ?? 0) + 1)
        #expect(outcome.taken.contains("SDLC1"))
    }

    @Test("moving an entry within the files is no change")
    func locationsIgnored() throws {
        let harness = try RouterHarness()
        var new = definitions(harness)
        for index in new.lus.indices { new.lus[index].location.line += 100 }
        let outcome = harness.router.reload(new)
        #expect(outcome == ReloadOutcome())
    }

    @Test("a reload that removes an LU of a standby resource ends its session with ERROR unknown-lu and CLOSED")
    func reloadRemovesLU() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        #expect(try harness.activate(["TNREAL"]).ok)
        try harness.send(.open(session: 3, resource: "TNREAL", lu: "REALLU02"), on: channel)
        _ = try harness.received(on: channel)
        // A session the resource kept while it went back to standby.
        harness.router.resources["TNREAL"]!.machine = ResourceStateMachine()
        var new = harness.router.definitions
        new.lus.removeAll { $0.name == "REALLU02" }
        #expect(harness.router.reload(new).taken == ["TNREAL"])
        #expect(try harness.received(on: channel) == [
            .error(session: 3, code: .unknownLU, sequence: 0, message: "LU REALLU02 of TNREAL was removed from the definitions by a reload"),
            .closed(session: 3),
        ])
        // The connection no longer has the session: a CLOSE now is answered unknown-session.
        try harness.send(.close(session: 3), on: channel)
        let answer = try harness.received(on: channel)
        #expect(answer.count == 1)
        guard case .error(3, .unknownSession, 0, _)? = answer.first else { Issue.record("\(answer)"); return }
    }
}
