import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The whole switched-line failover with real processes: the exchange (modems, ISDN network
/// side), the line switch, the host's switched major node, two netmgrd nodes and a
/// NetMgrClient streaming on both LUs. Node A is SIGKILLed mid-stream and node B activated as a
/// cluster engine would. On the public line the host sees the same number and XID (○), on
/// ISDN node B's own number (△); nothing is lost either way.
/// One world at a time: every test here uses the same addresses of block 127.0.63.0/24.
@Suite("Switched lines: real processes", .serialized)
struct SwitchedProcessTests {}

extension SwitchedProcessTests {
    @Suite("Switched lines: netmgrd failover", .serialized)
    struct SwitchedFailoverTests {
        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var definitions: String
            var path: String
            var before: String
            var after: String
            var testDescription: String { name }
        }

        static let cases: [Case] = [
            Case(name: "public line, Hayes, call-out (○)", definitions: SwitchedWorld.dialup(), path: "dialup",
                 before: "tel:0312340001 XID 05D00003", after: "tel:0312340001 XID 05D00003"),
            // Call-in: the host places the call, so its journal names its own calling number; what
            // stays the same is the line it calls (0312340001, moved by the switch) and the XID.
            Case(name: "public line, Hayes, call-in (○)", definitions: SwitchedWorld.dialup("    call: in\n"), path: "dialup",
                 before: "tel:0300001111 XID 05D00003", after: "tel:0300001111 XID 05D00003"),
            Case(name: "ISDN, call-out (△)", definitions: SwitchedWorld.isdn(), path: "isdn",
                 before: "tel:0312340011 XID 05D00004", after: "tel:0312340012 XID 05D00004"),
        ]

        @Test("SIGKILL of the active node: the standby calls, the host sees the promised number, zero loss", arguments: cases)
        func failover(_ test: Case) async throws {
            var behaviour = HostBehaviour()
            behaviour.modemConnectMilliseconds = 300  // keeps the test short; the benchmark uses realistic times
            let world = try SwitchedWorld(test.definitions, prefix: "netmgr-switched-it", behaviour: behaviour)
            let cluster = world.cluster
            let client = try world.makeClient("switched-it")
            var streams: [MessageStream] = []
            do {
                try await cluster.startAll()
                try await cluster.activate(["hostlink"], on: "node-a")
                client.start()
                _ = try await withDeadline(.seconds(30), what: "RES1 to be active") { try await client.waitUntilActive("RES1") }
                for lu in world.lus {
                    let session = try await withDeadline(.seconds(30), what: "a session on \(lu)") { try await client.openSession(resource: "RES1", lu: lu) }
                    streams.append(MessageStream(session))
                }
                try await waitUntil(.seconds(30), what: "20 messages from \(test.before)") {
                    ((try? world.journal(test.path)) ?? []).filter { $0.event == .message && $0.terminalAddress.hasPrefix(test.before) }.count >= 20
                }
                // Both LUs bound by the host before the kill (the host may BIND one LU well after
                // the other's first messages): otherwise the "before" figure samples too early.
                try await waitUntil(.seconds(30), what: "the host to BIND LU 2 and LU 3 on \(test.before)") {
                    Set(((try? world.journal(test.path)) ?? []).filter { $0.event == .bind && $0.terminalAddress.hasPrefix(test.before) }
                        .map(\.terminalAddress)).count >= 2
                }

                let killTime = await cluster.kill("node-a")
                try await cluster.activate(["hostlink"], on: "node-b")
                try await waitUntil(.seconds(40), what: "20 messages from \(test.after) after the kill") {
                    ((try? world.journal(test.path)) ?? []).filter { $0.event == .message && $0.time > killTime && $0.terminalAddress.hasPrefix(test.after) }.count >= 20
                }
                for stream in streams { await stream.stop() }
                for stream in streams { try await stream.drain() }
                // Node B's call connected: a connect in its metrics.
                let counts = try await HostEventMetrics.read(socket: cluster.adminSocket("node-b"), resource: "RES1")
                #expect((counts.connects ?? 0) >= 1, "\(counts)")

                let journal = try world.journal(test.path)
                let before = Set(journal.filter { $0.event == .bind && $0.time < killTime }.map(\.terminalAddress))
                let after = Set(journal.filter { $0.event == .bind && $0.time > killTime }.map(\.terminalAddress))
                #expect(before == ["\(test.before) LU 2", "\(test.before) LU 3"], "\(before)")
                #expect(after == ["\(test.after) LU 2", "\(test.after) LU 3"], "\(after)")
                let (sent, duplicates) = expectNothingLost(streams, journal: journal)
                // The waits above saw 40 journal entries; a message sent again after the kill is
                // one of them twice, so the distinct messages can be fewer.
                #expect(sent + duplicates >= 40, "too little traffic to prove anything: \(sent) sent, \(duplicates) duplicate(s)")
                // The new call begins with its first BIND after the kill (on call-in the terminal
                // address stays the same, and messages in flight at the kill must not count).
                let rebound = journal.first { $0.event == .bind && $0.time > killTime }?.time ?? killTime
                let first = journal.first { $0.event == .message && $0.time > rebound && $0.terminalAddress.hasPrefix(test.after) }
                let seconds = (first?.time ?? killTime) - killTime
                print("\(test.name): \(sent) sent, 0 lost, \(duplicates) duplicate(s); kill → first message on the new call \(Int(seconds * 1000)) ms")
            } catch {
                Issue.record("\(error); logs in \(cluster.workDirectory)\n\(world.logTails())")
            }
            for stream in streams { await stream.stop() }
            await client.shutdown()
            await cluster.stopAll()
        }
    }

    /// A host line that is busy (the host is not connected to the exchange: its line is out of
    /// service) or does not answer (it lets the line ring longer than the exchange's no-answer
    /// time): netmgrd redials with back-off, logs each failure with the modem's result code or the
    /// Q.931 cause, and at `redial-limit` gives up: the activation fails, naming why.
    @Suite("Switched lines: redial and give up", .serialized)
    struct SwitchedRedialTests {
        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var definitions: String
            var startHost: Bool
            /// What the give-up reason and each logged failure name.
            var result: String
            var testDescription: String { name }
        }

        static let limits = "    redial-limit: 2\n    redial-delay: 1\n    connect-timeout: 5\n"
        static let cases: [Case] = [
            Case(name: "public line, host busy", definitions: SwitchedWorld.dialup(limits), startHost: false, result: "BUSY"),
            Case(name: "public line, host does not answer", definitions: SwitchedWorld.dialup(limits), startHost: true, result: "NO ANSWER"),
            Case(name: "ISDN, host busy", definitions: SwitchedWorld.isdn(limits), startHost: false, result: "cause 17"),
        ]

        @Test("failed calls are redialled up to the limit, then the activation fails naming the result", arguments: cases)
        func givesUp(_ test: Case) async throws {
            var behaviour = HostBehaviour()
            behaviour.exchangeArguments = ["--no-answer-ms", "500"]
            behaviour.extraArguments = ["--switched-answer-rings", "15"]  // rings far longer than the exchange waits
            let world = try SwitchedWorld(test.definitions, prefix: "netmgr-switched-redial", behaviour: behaviour)
            let cluster = world.cluster
            do {
                try await cluster.startLineSwitch()
                try await cluster.startExchange()
                if test.startHost { try await cluster.startHost() }
                for node in cluster.definitions.cluster.nodes { try await cluster.startNode(node.name) }
                let started = ContinuousClock.now
                var failure: String?
                do {
                    try await cluster.activate(["hostlink"], on: "node-a", timeoutSeconds: 60)
                } catch {
                    failure = "\(error)"
                }
                let elapsed = ContinuousClock.now - started
                let reason = try #require(failure, "the activation succeeded against a host that cannot take the call")
                #expect(reason.contains("gave up after 2 failed call attempts"), "\(reason)")
                #expect(reason.contains(test.result), "\(reason)")
                // One redial, after redial-delay (1 s): never immediately, never a third attempt.
                #expect(elapsed >= .seconds(1), "\(elapsed)")
                let log = try String(contentsOfFile: cluster.logPath("netmgrd-node-a"), encoding: .utf8)
                let failures = log.split(separator: "\n").filter { $0.contains("call attempt") && $0.contains("of 2 failed") }
                #expect(failures.count == 2 && failures.allSatisfy { $0.contains(test.result) }, "\(failures)")
                let status = try await cluster.status(of: "node-a")
                #expect(status.resources.first { $0.name == "RES1" }?.state != "active", "\(status)")
                // Two refused calls (BUSY, NO ANSWER, cause 17), one redial between them, no call connected.
                let counts = try await HostEventMetrics.read(socket: cluster.adminSocket("node-a"), resource: "RES1")
                #expect(counts == HostEventMetrics(connects: 0, rejects: 2, retries: 1), "\(counts)")
            } catch {
                Issue.record("\(error); logs in \(cluster.workDirectory)\n\(world.logTails())")
            }
            await cluster.stopAll()
        }
    }

}
