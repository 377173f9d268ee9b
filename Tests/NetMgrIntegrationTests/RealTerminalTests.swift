import Foundation
import NetMgrClient
import NetMgrHarness
import NetMgrProtocol
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// netmgrd against hosts that expect a correct 3270 terminal: one that queries the terminal
/// right after the bind, and one that refuses at screen level.
@Suite("Correct 3270 terminal", .serialized)
struct RealTerminalTests {
    @Test("a host that sends Read Partition Query after the bind loses no message, and every ack is in its journal")
    func queryAfterBind() async throws {
        var behaviour = HostBehaviour()
        behaviour.extraArguments = ["--query-after-bind"]
        let world = try IntegrationWorld(block: 77, behaviour: behaviour)
        do {
            try await world.start()
            // TNVIP speaks TN3270E with RESPONSES, TNREAL basic TN3270.
            var sent: [(session: LUSession, digests: [String])] = []
            for (resource, lu) in [("TNVIP", "VIPLU01"), ("TNREAL", "REALLU01")] {
                let session = try await world.client.openSession(resource: resource, lu: lu)
                var digests: [String] = []
                for serial in 1...10 {
                    let payload = [0x7D, 0x40, 0x40] + Array("\(lu) query-mode \(serial)".utf8)
                    try await session.submit(payload)
                    digests.append(journalDigest(payload))
                }
                sent.append((session, digests))
            }
            for (session, _) in sent {
                try await waitUntil(.seconds(20), what: "\(session.lu) to have every message acked") {
                    ((try? await session.unacknowledged()) ?? 1) == 0
                }
            }
            // Every LU bound, and status says how long each bind took.
            let status = try await world.cluster.status(of: "node-a")
            for (resource, lu) in [("TNVIP", "VIPLU01"), ("TNREAL", "REALLU01")] {
                let shown = status.resources.first { $0.name == resource }?.lus.first { $0.name == lu }
                #expect(shown?.state == "bound" && shown?.timeToBindMilliseconds != nil && shown?.unacked == 0, "\(lu): \(String(describing: shown))")
            }
            let journal = try world.cluster.journal()
            #expect(journal.filter { $0.event == .lost }.isEmpty, "the host took input as its Query Reply: \(journal.filter { $0.event == .lost }.count) message(s) lost")
            for (session, digests) in sent {
                let delivered = Set(try world.entries(session.lu).messageDigests)
                let missing = digests.filter { !delivered.contains($0) }
                #expect(missing.isEmpty, "\(session.lu): \(missing.count) of \(digests.count) acked messages are not in the host's journal")
            }
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("a host that refuses at screen level: the LU shows as rejected with the screen's text, and nothing is acked")
    func screenReject() async throws {
        var behaviour = HostBehaviour()
        behaviour.extraArguments = ["--reject-at-screen", "300"]
        let world = try IntegrationWorld(block: 78, behaviour: behaviour)
        do {
            try await world.start()
            let session = try await world.client.openSession(resource: "TNVIP", lu: "VIPLU01")
            try await session.submit([0x7D, 0x40, 0x40] + Array("refused".utf8))
            let cluster = world.cluster
            try await waitUntil(.seconds(20), what: "status to show VIPLU01 rejected with the host's screen") {
                let lu = (try? await cluster.status(of: "node-a"))?.resources.first { $0.name == "TNVIP" }?.lus.first { $0.name == "VIPLU01" }
                return lu?.state == "rejected" && (lu?.rejection ?? "").contains("NO AVAILABLE 3270 DEVICES")
            }
            let lu = try #require(try await cluster.status(of: "node-a").resources.first { $0.name == "TNVIP" }?.lus.first { $0.name == "VIPLU01" })
            #expect(lu.hostScreen?.hasPrefix("NO AVAILABLE 3270 DEVICES FOR") == true, "\(lu.hostScreen ?? "no screen")")
            #expect(lu.unacked == 1)
            #expect(try await session.unacknowledged() == 1)
            #expect(try world.entries("VIPLU01").messageDigests.isEmpty)
            // The brief status an operator sees names the refused LU, with the host's words.
            let brief = try await cluster.status(of: "node-a", brief: true)
            #expect(brief.resources.first { $0.name == "TNVIP" }?.lus.contains { $0.name == "VIPLU01" } == true)
            let shown = try await runProcess(BuiltProducts.path("netmgr"), ["status", "--socket", cluster.adminSocket("node-a")])
            #expect(shown.status == 0)
            let line = shown.standardOutput.split(separator: "\n").first { $0.contains("VIPLU01") }.map(String.init) ?? ""
            #expect(line.contains("rejected") && line.contains("NO AVAILABLE 3270 DEVICES"), "\(shown.standardOutput)")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}
