import Foundation
import NetMgrClient
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The TnETOS path end to end on loopback: real netmgrd processes, the host simulator,
/// NetMgrClient. Serialized: each test runs several processes on a 2-core machine.
@Suite("Loopback failover", .serialized)
struct FailoverTests {
    @Test("the VIP resource keeps the address the host sees; own-address none changes it")
    func addressesAcrossFailover() async throws {
        let world = try IntegrationWorld(block: 81)  // not 31: the BDLC worlds hand out 127.0.31.1-80, node addresses .11/.12 among them
        do {
            try await world.start()
            let vip = try await world.client.openSession(resource: "TNVIP", lu: "VIPLU01")
            let real = try await world.client.openSession(resource: "TNREAL", lu: "REALLU01")
            try await vip.send(Array("before".utf8))
            try await real.send(Array("before".utf8))
            let killed = Date().timeIntervalSince1970
            await world.cluster.kill("node-a")
            try await world.cluster.activate(["hostlink"], on: "node-b")
            try await vip.send(Array("after".utf8))
            try await real.send(Array("after".utf8))

            let vipBinds = try world.entries("VIPLU01").binds
            #expect(vipBinds.last { $0.time < killed }?.client == world.address(10))
            #expect(vipBinds.first { $0.time > killed }?.client == world.address(10))
            let realBinds = try world.entries("REALLU01").binds
            #expect(realBinds.last { $0.time < killed }?.client == world.address(11))
            #expect(realBinds.first { $0.time > killed }?.client == world.address(12))
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("DEVICE-IN-USE from a host that still holds the LU is retried until the LU is granted")
    func deviceInUseRetried() async throws {
        var behaviour = HostBehaviour()
        behaviour.holdAfterCloseSeconds = 1.0
        let world = try IntegrationWorld(block: 32, behaviour: behaviour)
        do {
            try await world.start()
            let session = try await world.client.openSession(resource: "TNVIP", lu: "VIPLU02")
            try await session.send(Array("one".utf8))
            let killed = Date().timeIntervalSince1970
            await world.cluster.kill("node-a")
            try await world.cluster.activate(["hostlink"], on: "node-b")
            try await session.send(Array("two".utf8))
            let after = try world.entries("VIPLU02").filter { $0.time > killed }
            #expect(after.contains { $0.event == .reject && ($0.reason ?? "").uppercased().contains("DEVICE-IN-USE") },
                    "the host should have refused the LU while it held it: \(after)")
            #expect(after.contains { $0.event == .bind && $0.client == world.address(10) })
            #expect(after.contains { $0.event == .message && $0.digest == journalDigest(Array("two".utf8)) })
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("the client survives a restart of the only active server")
    func serverRestart() async throws {
        let world = try IntegrationWorld(block: 33)
        do {
            try await world.start()
            let session = try await world.client.openSession(resource: "TNVIP", lu: "VIPLU03")
            let stream = Stream(session)
            try await world.waitForJournal("messages to flow") { $0.contains { $0.event == .message && $0.lu == "VIPLU03" } }
            await world.cluster.nodes["node-a"]!.stop()
            try await world.cluster.startNode("node-a")
            try await world.cluster.activate(["hostlink"], on: "node-a")
            let count = stream.sent.count
            try await waitUntil(.seconds(20), what: "more messages after the restart") { stream.sent.count > count + 10 }
            await stream.stop()
            try await stream.drain()
            let delivered = Set(try world.entries("VIPLU03").messageDigests)
            #expect(stream.sent.allSatisfy(delivered.contains), "every message sent reaches the host")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("zero messages are lost over 10 consecutive failovers under a steady stream")
    func tenFailovers() async throws {
        let world = try IntegrationWorld(block: 34)
        do {
            try await world.start()
            var opened: [Stream] = []
            for (resource, lu) in [("TNVIP", "VIPLU01"), ("TNREAL", "REALLU02"), ("SDLC1", "SDLU02"), ("X25R1", "PKLU02")] {
                opened.append(Stream(try await world.client.openSession(resource: resource, lu: lu)))
            }
            let streams = opened
            var active = "node-a", standby = "node-b"
            for round in 1...10 {
                let before = streams.map(\.sent.count)
                try await waitUntil(.seconds(20), what: "traffic before failover \(round)") {
                    zip(streams, before).allSatisfy { $0.sent.count > $1 + 5 }
                }
                await world.cluster.kill(active)
                try await world.cluster.activate(["hostlink"], on: standby)
                try await world.cluster.startNode(active)
                swap(&active, &standby)
            }
            for stream in streams { await stream.stop() }
            for stream in streams { try await stream.drain(timeout: .seconds(60)) }
            for stream in streams {
                let lu = stream.session.lu
                var ledger = DeliveryLedger()
                for digest in stream.sent { ledger.submitted(resource: stream.session.resource, lu: lu, digest: digest) }
                ledger.journaled(try world.entries(lu), as: lu)
                let tally = ledger.tally()
                #expect(tally.lost == 0, "\(lu): \(tally.lost) of \(tally.sent) messages lost")
            }
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("against a host that speaks only basic TN3270, a TN3270E resource still binds its LU by name")
    func basicOnlyHost() async throws {
        var behaviour = HostBehaviour()
        behaviour.basicOnly = true
        let world = try IntegrationWorld(block: 35, behaviour: behaviour)
        do {
            try await world.start()
            let session = try await world.client.openSession(resource: "TNVIP", lu: "VIPLU01")
            try await session.send(Array("basic".utf8))
            let binds = try world.entries("VIPLU01").binds
            #expect(binds.last?.dialect == "tn3270")
            #expect(binds.last?.client == world.address(10))
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}

@Suite("Split brain", .serialized)
struct SplitBrainTests {
    @Test("both nodes activated: the older owner steps down and clients end up on the newer one only")
    func bothActivated() async throws {
        let world = try IntegrationWorld(block: 36)
        do {
            try await world.start()
            let session = try await world.client.openSession(resource: "TNVIP", lu: "VIPLU01")
            let stream = Stream(session)
            try await world.waitForJournal("messages through node-a") { $0.contains { $0.event == .message && $0.lu == "VIPLU01" } }
            // node-a is alive and still active; the engine activates node-b anyway (a partition).
            let newer = try await world.cluster.activate(["hostlink"], on: "node-b")
            let newerEpoch = try #require(newer.resources.first?.epoch)
            try await waitUntil(.seconds(10), what: "node-a to step down") {
                (try? await world.cluster.status(of: "node-a"))?.resources.allSatisfy { $0.state == "standby" } ?? false
            }
            try await waitUntil(.seconds(20), what: "the session to be served by node-b") {
                (try? await world.cluster.status(of: "node-b"))?.resources.first { $0.name == "TNVIP" }?.lus.first { $0.name == "VIPLU01" }?.owner != nil
            }
            await stream.stop()
            try await stream.drain()
            let statusA = try await world.cluster.status(of: "node-a")
            #expect(statusA.resources.flatMap(\.lus).allSatisfy { $0.owner == nil }, "no session stays on the older owner")
            #expect(try await world.cluster.status(of: "node-b").resources.allSatisfy { $0.epoch == newerEpoch && $0.state == "active" })
            let delivered = Set(try world.entries("VIPLU01").messageDigests)
            #expect(stream.sent.allSatisfy(delivered.contains))
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}
