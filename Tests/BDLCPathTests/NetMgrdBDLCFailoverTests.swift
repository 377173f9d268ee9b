import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The whole BDLC failover with real processes: the host simulator as control station, two
/// netmgrd nodes, a NetMgrClient streaming on both LUs of BDLC1; node A is SIGKILLed and
/// node B activated as a cluster engine would. The host sees station 0x41 on node-a's line
/// before and station 0x42 on node-b's line after (△), and nothing is lost.
@Suite("BDLC: netmgrd failover", .serialized)
struct NetMgrdBDLCFailoverTests {
    /// Streams numbered messages on a session until stopped; remembers what it submitted.
    final class Stream: @unchecked Sendable {
        let session: LUSession
        private let lock = NSLock()
        private var digests: [String] = []
        private var task: Task<Void, Never>?

        init(_ session: LUSession) {
            self.session = session
            task = Task { [weak self] in
                var serial = 0
                while !Task.isCancelled, let self, serial < 10_000 {
                    serial += 1
                    let payload = Array("\(session.lu) message \(serial)".utf8)
                    guard (try? await session.submit(payload)) != nil else { return }
                    self.lock.withLock { self.digests.append(journalDigest(payload)) }
                    try? await Task.sleep(for: .milliseconds(20))  // pacing, not synchronisation
                }
            }
        }

        func stop() async {
            task?.cancel()
            await task?.value
        }

        var sent: [String] { lock.withLock { digests } }

        func drain() async throws {
            let session = self.session
            try await waitUntil(.seconds(30), what: "\(session.lu) to have every message accepted") {
                ((try? await session.unacknowledged()) ?? 1) == 0
            }
        }
    }

    @Test func differentStationAfterSIGKILLZeroLoss() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-bdlc-it")
        let definitions = directory.path + "/definitions"
        // Only BDLC1, everything moved into this suite's block: host and lines at H, nodes at
        // H+1/H+2, VIP H+3, line switch H+4.
        let last = BDLCAddresses.host()
        let hostAddress = "127.0.31.\(last)"
        try LoopbackCluster.relocateDefinitions(
            from: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path, to: definitions, block: 31
        ) { file, text in
            // Through placeholders, so that a new address is never taken for an old one.
            let moves = [("127.0.31.100", hostAddress), ("127.0.31.11", "127.0.31.\(last + 1)"), ("127.0.31.12", "127.0.31.\(last + 2)"),
                         ("127.0.31.10\n", "127.0.31.\(last + 3)\n"), ("127.0.31.200", "127.0.31.\(last + 4)")]
            var text = text
            for (index, move) in moves.enumerated() { text = text.replacingOccurrences(of: move.0, with: "@ADDRESS\(index)@") }
            for (index, move) in moves.enumerated() { text = text.replacingOccurrences(of: "@ADDRESS\(index)@", with: move.1) }
            if file == "cluster.yaml" {
                text = text.replacingOccurrences(of: #"resources: \[[^\]]*\]"#, with: "resources: [BDLC1]", options: .regularExpression)
            }
            if file == "phonebook.yaml" {
                // Keep the other resources defined but in no group: not carried, so drop them.
                text = "resources:\n  - name: BDLC1\n    line: BSC1\n"
            }
            if file == "lines.yaml" {
                text = """
                    lines:
                      - name: BSC1
                        procedure: bdlc
                        poll-timeout: 2
                        nodes:
                          node-a: { device: "tcp:\(hostAddress):7511", bdlc-address: 0x41 }
                          node-b: { device: "tcp:\(hostAddress):7512", bdlc-address: 0x42 }

                    """
            }
            if file == "lus.yaml" {
                text = "lus:\n  - { name: BSLU02, address: 2, resource: BDLC1 }\n  - { name: BSLU03, address: 3, resource: BDLC1 }\n"
            }
            return text
        }
        let cluster = try LoopbackCluster(definitionsDirectory: definitions, workDirectory: directory.path + "/work",
                                          binaries: HarnessBinaries(directory: BuiltProducts.directory.path))
        let client = NetMgrClient(configuration: try cluster.clientConfiguration(name: "bdlc-it"))
        var streams: [Stream] = []
        do {
            try await cluster.startAll()
            try await cluster.activate(["hostlink"], on: "node-a")
            client.start()
            _ = try await withDeadline(.seconds(20), what: "BDLC1 to be active") { try await client.waitUntilActive("BDLC1") }
            for lu in ["BSLU02", "BSLU03"] {
                let session = try await withDeadline(.seconds(20), what: "a session on \(lu)") { try await client.openSession(resource: "BDLC1", lu: lu) }
                streams.append(Stream(session))
            }
            try await waitUntil(.seconds(20), what: "20 messages from station 0x41") {
                ((try? cluster.journal()) ?? []).filter { $0.event == .message && $0.station == "0x41" }.count >= 20
            }

            let killTime = await cluster.kill("node-a")
            try await cluster.activate(["hostlink"], on: "node-b")
            try await waitUntil(.seconds(30), what: "20 messages from station 0x42") {
                ((try? cluster.journal()) ?? []).filter { $0.event == .message && $0.station == "0x42" && $0.time > killTime }.count >= 20
            }
            for stream in streams { await stream.stop() }
            for stream in streams { try await stream.drain() }

            let status = try await cluster.status(of: "node-b")
            let text = "\(status)"
            #expect(text.contains("station 0x42 on BSC1"), "\(text.prefix(2000))")
            // The host's first poll of station 0x42 is a connect on node B; nothing refused.
            let hostCounts = try await HostEventMetrics.read(socket: cluster.adminSocket("node-b"), resource: "BDLC1")
            #expect((hostCounts.connects ?? 0) >= 1 && hostCounts.rejects == 0, "\(hostCounts)")

            let journal = try cluster.journal().filter { $0.path == "bdlc" }
            let before = journal.filter { $0.event == .bind && $0.time < killTime }.map(\.terminalAddress)
            let after = journal.filter { $0.event == .bind && $0.time > killTime }.map(\.terminalAddress)
            #expect(Set(before) == ["station 0x41 on BSC1 line 1 LU 2", "station 0x41 on BSC1 line 1 LU 3"])
            #expect(Set(after) == ["station 0x42 on BSC1 line 2 LU 2", "station 0x42 on BSC1 line 2 LU 3"])
            var counts: [String: Int] = [:]
            for entry in journal where entry.event == .message { counts[entry.digest ?? "", default: 0] += 1 }
            var total = 0
            for stream in streams {
                let sent = stream.sent
                total += sent.count
                let missing = sent.filter { counts[$0] == nil }
                #expect(missing.isEmpty, "\(stream.session.lu): \(missing.count) of \(sent.count) never reached the host")
            }
            let duplicates = counts.values.reduce(0) { $0 + max(0, $1 - 1) }
            // 20 journaled messages from each station; one of them may be a resent duplicate
            // of a message the killed node had delivered, so at least 39 distinct ones.
            #expect(total + duplicates >= 40, "too little traffic to prove anything: \(total) sent, \(duplicates) duplicate(s)")
            print("BDLC netmgrd failover: \(total) sent, 0 lost, \(duplicates) duplicate(s)")
        } catch {
            Issue.record("\(error); logs in \(cluster.workDirectory)")
        }
        for stream in streams { await stream.stop() }
        await client.shutdown()
        await cluster.stopAll()
    }
}
