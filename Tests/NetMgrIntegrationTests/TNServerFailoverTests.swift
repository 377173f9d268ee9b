import Foundation
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// s3270 drives through the TN server front end (issue 15 part 2) across a failover: it asks
/// node-a's TN server for LU VIPLU01 by name and sends input; node-a dies, node-b takes the
/// resource, s3270 connects to node-b's TN server, gets the same LU and sends again. The host
/// journal shows both inputs on VIPLU01 from the VIP, the address the resource promises.
/// Loopback block 127.0.98.0/24.
@Suite("TN server front end with s3270", .serialized)
struct TNServerFailoverTests {
    static let block = 98
    static let port = 2399

    /// The Phonebook on block 98 (or `block`) with TLS off, a TN server on each node and a small LU map.
    /// What `cluster.tn-server` says here (TNServerOpsIntegrationTests adds a VIP to it).
    static let section = """
        keep-lu: 60
        pools:
          - { name: TNPOOL, lus: [VIPLU02, VIPLU03] }
        map:
          # s3270 cannot choose its source address: loopback gives it 127.0.0.1.
          - { clients: [127.0.0.0/8], lus: [VIPLU01], pool: TNPOOL }
        """

    static func makeCluster(in directory: TemporaryDirectory, block: Int = block, port: Int = port, section: String = section) throws -> LoopbackCluster {
        let definitions = directory.path + "/definitions"
        // Only the TnETOS world: no line switch, exchange or lines to start. TNVIP speaks basic
        // TN3270 to the simulated host, which then answers input with a keyboard-restoring
        // Write as an application would; with TN3270E RESPONSES it answers with a response
        // only, and an emulator's keyboard would stay locked (a real application writes).
        try relocateTnETOSPhonebook(to: definitions, block: block, resources: [
            #"{ name: TNVIP, line: LAN1, host: "127.0.\#(block).100:2323", own-address: VIP1, terminal-type: IBM-3278-2, dialect: tn3270 }"#,
            #"{ name: TNREAL, line: LAN1, host: "127.0.\#(block).100:2323", own-address: none, terminal-type: IBM-3278-2, dialect: tn3270 }"#,
        ], lus: [
            "{ name: VIPLU01, address: 2, resource: TNVIP }",
            "{ name: VIPLU02, address: 3, resource: TNVIP }",
            "{ name: VIPLU03, address: 4, resource: TNVIP }",
            "{ name: REALLU01, address: 2, resource: TNREAL }",
        ]) { text in
            tnServerClusterYAML(clusterYAMLWithoutTLS(text), block: block, port: port, resources: ["TNVIP", "TNREAL"], section: section)
        }
        return try LoopbackCluster(definitionsDirectory: definitions, workDirectory: directory.path + "/work",
                                   binaries: HarnessBinaries(directory: BuiltProducts.directory.path))
    }

    /// `N:` makes s3270 speak basic TN3270 (the LU as the terminal type's `@LU` suffix).
    @Test("s3270 gets the same LU by name on the other node after a failover; the host sees the promised address",
          arguments: ["", "N:"])
    func failover(prefix: String) async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-tn98")
        let cluster = try Self.makeCluster(in: directory)
        let s3270 = try S3270Driver()
        let generic = try S3270Driver()
        do {
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            try await cluster.startNode("node-b")
            try await cluster.activate(["TNVIP"], on: "node-a")
            let vip = "127.0.\(Self.block).10"
            try await Self.waitForJournal(cluster, "VIPLU01 bound at the host") { $0.tnBinds(of: "VIPLU01").count == 1 }

            // Node-a's TN server: the LU by name, its greeting, input.
            try await s3270.expectOK("Connect(\(prefix)VIPLU01@127.0.\(Self.block).11:\(Self.port))")
            try await s3270.expectOK("Wait(10,InputField)")
            #expect(try await s3270.expectOK("Query(LuName)").contains("data: VIPLU01"))
            try await s3270.expectOK("String(\"BEFORE FAILOVER\")")
            try await s3270.expectOK("Enter")
            try await s3270.expectOK("Wait(10,Unlock)")
            try await Self.waitForJournal(cluster, "the first input on VIPLU01") { $0.tnMessages(of: "VIPLU01").count == 1 }

            // A generic request (no LU named) gets an LU of TNPOOL, ranked for 127.0.0.1.
            var pooled: String?
            if prefix.isEmpty {
                try await generic.expectOK("Connect(127.0.\(Self.block).11:\(Self.port))")
                pooled = try await generic.expectOK("Query(LuName)").split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
                #expect(pooled == "VIPLU02" || pooled == "VIPLU03", "\(pooled ?? "none")")
            }

            // Node-a dies: the emulator's connection drops; node-b takes the resource.
            let killedAt = await cluster.kill("node-a")
            try await s3270.expectOK("Wait(10,Disconnect)")
            if prefix.isEmpty { try await generic.expectOK("Wait(10,Disconnect)") }
            try await cluster.activate(["TNVIP"], on: "node-b")
            try await Self.waitForJournal(cluster, "VIPLU01 bound again, from node-b") { $0.tnBinds(of: "VIPLU01").count == 2 }

            // s3270 reconnects to node-b's TN server: the same LU, and input goes on.
            try await s3270.expectOK("Connect(\(prefix)VIPLU01@127.0.\(Self.block).12:\(Self.port))")
            try await s3270.expectOK("Wait(10,InputField)")
            #expect(try await s3270.expectOK("Query(LuName)").contains("data: VIPLU01"))
            try await s3270.expectOK("String(\"AFTER FAILOVER\")")
            try await s3270.expectOK("Enter")
            try await s3270.expectOK("Wait(10,Unlock)")
            try await Self.waitForJournal(cluster, "the second input on VIPLU01") { $0.tnMessages(of: "VIPLU01").count == 2 }

            // The generic request on node-b: the same pool LU, though node-b never saw the first.
            if prefix.isEmpty {
                try await generic.expectOK("Connect(127.0.\(Self.block).12:\(Self.port))")
                let again = try await generic.expectOK("Query(LuName)").split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
                #expect(again == pooled, "node-a gave \(pooled ?? "none"), node-b \(again ?? "none")")
            }

            let journal = try cluster.journal()
            let messages = journal.tnMessages(of: "VIPLU01")
            if let last = messages.last {
                print("TN server failover (\(prefix.isEmpty ? "TN3270E" : "basic TN3270") emulator): node-a killed -> s3270 input on VIPLU01 journaled by the host via node-b in \(Int((last.time - killedAt) * 1000)) ms; clients \(messages.map { $0.client ?? "?" }); generic request got \(pooled ?? "-") on both nodes")
            }
            #expect(messages.allSatisfy { $0.client == vip && ($0.length ?? 0) > 3 }, "\(messages)")
            #expect(journal.tnBinds(of: "VIPLU01").allSatisfy { $0.client == vip })
            let log = (try? String(contentsOfFile: cluster.logPath("netmgrd-node-b"), encoding: .utf8)) ?? ""
            #expect(log.contains("TN server: granting LU VIPLU01 of TNVIP"), "node-b's log")
            #expect(log.contains("TN server: bound \(prefix.isEmpty ? "TN3270E" : "TN3270") LU VIPLU01"), "node-b's log")

            // An LU the map does not give 127.0.0.1: REJECT INV-NAME, then (s3270 backs off to
            // basic TN3270) a close; s3270 reports the failed connect.
            try await s3270.expectOK("Disconnect")
            _ = try await s3270.run("Connect(REALLU01@127.0.\(Self.block).12:\(Self.port))")
            let logPath = cluster.logPath("netmgrd-node-b")
            try await waitUntil(.seconds(10), what: "node-b to log the REJECT") {
                ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("DEVICE-TYPE REJECT INV-NAME")
            }
        } catch {
            let logs = ["netmgrd-node-a", "netmgrd-node-b", "host"].map { name in
                "--- \(name):\n" + ((try? String(contentsOfFile: cluster.logPath(name), encoding: .utf8)) ?? "(none)").split(separator: "\n").suffix(40).joined(separator: "\n")
            }
            Issue.record("\(error)\ns3270 output:\n\(s3270.transcript)\n\(logs.joined(separator: "\n"))")
        }
        await s3270.quit()
        await generic.quit()
        await cluster.stopAll()
    }

    static func waitForJournal(_ cluster: LoopbackCluster, _ what: String, _ condition: @escaping @Sendable ([HostJournalEntry]) -> Bool) async throws {
        try await waitUntil(.seconds(15), what: what) { condition((try? cluster.journal()) ?? []) }
    }
}

extension Array where Element == HostJournalEntry {
    func tnBinds(of lu: String) -> [HostJournalEntry] { filter { $0.event == .bind && $0.lu == lu } }
    func tnMessages(of lu: String) -> [HostJournalEntry] { filter { $0.event == .message && $0.lu == lu } }
}

/// s3270 driven through its script protocol on standard input and output: one action at a
/// time, each answered by its `data:` lines, a status line and `ok` or `error`. Output is
/// collected by the pipe's handler; waiting polls it under a deadline, never blocking the
/// cooperative pool.
final class S3270Driver: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var text = ""
    private var consumed = 0
    private var reply: (ok: Bool, lines: [String])?

    init(arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: try findExecutable("s3270"))
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            self?.lock.withLock { self?.text += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var transcript: String { lock.withLock { text } }

    /// Runs one action; its output lines and whether it ended with `ok`.
    func run(_ action: String, timeout: Duration = .seconds(15)) async throws -> (ok: Bool, lines: [String]) {
        lock.withLock { reply = nil }
        input.fileHandleForWriting.write(Data((action + "\n").utf8))
        try await waitUntil(timeout, what: "s3270 to finish \(action)") { [self] in
            lock.withLock {
                let pending = String(text.dropFirst(consumed))
                let lines = pending.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                guard let end = lines.dropLast().firstIndex(where: { $0 == "ok" || $0 == "error" }) else { return false }
                let taken = lines[...end].joined(separator: "\n").count + 1
                consumed += taken
                reply = (lines[end] == "ok", Array(lines[..<end]))
                return true
            }
        }
        return lock.withLock { reply } ?? (false, [])
    }

    @discardableResult
    func expectOK(_ action: String) async throws -> String {
        let (ok, lines) = try await run(action)
        guard ok else { throw LoopbackCluster.Failure(description: "s3270 \(action) failed: \(lines.joined(separator: " | "))") }
        return lines.joined(separator: "\n")
    }

    func quit() async {
        if process.isRunning {
            input.fileHandleForWriting.write(Data("Quit\n".utf8))
            try? input.fileHandleForWriting.close()
        }
        _ = try? await waitUntil(.seconds(5), what: "s3270 to quit") { [self] in !process.isRunning }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
