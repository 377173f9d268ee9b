import Foundation
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The README's s3270 example, `examples/s3270/enter_through_failover.sh`, run as a user
/// would: it types numbered lines into VIPLU01 through node-a's TN server; node-a is killed
/// mid-way and node-b activated; the script reconnects to node-b's TN server by itself and
/// types the rest. Loopback block 127.0.103.0/24.
@Suite("The s3270 example script through a failover", .serialized)
struct TNServerScriptExampleTests {
    static let block = 103

    @Test("the script gets VIPLU01 again from node-b and every line reaches the host from the VIP")
    func scriptRidesThroughFailover() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-tn103")
        let cluster = try TNServerFailoverTests.makeCluster(in: directory, block: Self.block)
        let port = TNServerFailoverTests.port
        let output = directory.file("script.out")
        let count = 30
        var script: Process?
        do {
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            try await cluster.startNode("node-b")
            try await cluster.activate(["TNVIP"], on: "node-a")
            try await TNServerFailoverTests.waitForJournal(cluster, "VIPLU01 bound at the host") { $0.tnBinds(of: "VIPLU01").count == 1 }

            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            let process = Process()
            process.executableURL = BuiltProducts.packageRoot.appendingPathComponent("examples/s3270/enter_through_failover.sh")
            process.arguments = ["--server", "127.0.\(Self.block).11:\(port)", "--server", "127.0.\(Self.block).12:\(port)",
                                 "--lu", "VIPLU01", "--count", "\(count)", "--text", "SCRIPTED", "--every", "0.1", "--deadline", "60"]
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            script = process

            // A few lines through node-a, then node-a dies and node-b takes TNVIP.
            try await waitUntil(.seconds(60), what: "the script to type 3 lines through node-a") {
                Self.typed(output).count >= 3
            }
            _ = await cluster.kill("node-a")
            try await cluster.activate(["TNVIP"], on: "node-b")

            try await waitUntil(.seconds(90), what: "the script to finish") { !process.isRunning }
            let status: Int32? = process.terminationStatus
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "exit \(status.map(String.init) ?? "?"):\n\(text)")
            let lines = Self.typed(output)
            #expect(lines.count == count, "\(text)")
            #expect(lines.contains { $0.hasSuffix("via 127.0.\(Self.block).12:\(port)") }, "no line typed through node-b:\n\(text)")
            #expect(text.contains("connected to 127.0.\(Self.block).12:\(port), LU VIPLU01"), "\(text)")

            // At least once: a line the old node had not delivered is typed again.
            let vip = "127.0.\(Self.block).10"
            try await TNServerFailoverTests.waitForJournal(cluster, "\(count) inputs on VIPLU01") { $0.tnMessages(of: "VIPLU01").count >= count }
            let messages = try cluster.journal().tnMessages(of: "VIPLU01")
            #expect(messages.allSatisfy { $0.client == vip }, "\(messages)")
            print("s3270 example script: \(count) lines, \(messages.count) host messages on VIPLU01 (all from \(vip)); \(lines.filter { $0.hasSuffix(".12:\(port)") }.count) typed through node-b")
        } catch {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? "(none)"
            Issue.record("\(error)\nscript output:\n\(text)")
        }
        if let script, script.isRunning { kill(script.processIdentifier, SIGKILL) }
        await cluster.stopAll()
    }

    /// The "typed ..." lines the script printed so far.
    static func typed(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).filter { $0.hasPrefix("typed ") }
    }
}
