#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetMgrHarness
import NetMgrTestSupport
import Testing

/// `netmgr demo`, the README's main command, run as a user runs it: the example Phonebook
/// (moved to its own address block so it cannot meet another test), a short stream on
/// each side of the kill, and the story it prints.
@Suite("netmgr demo")
struct DemoCommandTests {
    let netmgr = BuiltProducts.path("netmgr")

    @Test("the whole story on loopback: every promise kept, no message lost, the captures agree")
    func wholeStory() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-demo-test")
        let definitions = directory.file("definitions")
        try LoopbackCluster.relocateDefinitions(from: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path, to: definitions, block: 51)
        let result = try await runProcess(netmgr, ["demo", "--definitions", definitions, "--work-dir", directory.file("work"),
                                                   "--before", "2", "--after", "2"], timeout: .seconds(180))
        let output = result.standardOutput
        // The verdict lines first: a CI log keeps only the start of a long message.
        let verdictLines = output.split(separator: "\n").filter {
            $0.contains("broken") || $0.contains("Result:") || $0.contains("netmgr verify:") || $0.contains("error") || $0.contains(" lost")
        }
        #expect(result.status == 0, """
            demo exit \(result.status); verdicts and errors:
            \(verdictLines.joined(separator: "\n"))
            --- standard error
            \(result.standardError)
            --- standard output
            \(output)
            \(Self.logTails(directory.file("work")))
            """)
        #expect(output.contains("Result: every promise kept, 0 messages lost."), "\(output)")

        // One row per terminal LU in what the host saw, each with the verdict the definitions promise.
        let rows = output.split(separator: "\n").map(String.init)
        func verdicts(_ resource: String) -> [String] {
            rows.filter { $0.contains(" \(resource) ") && ($0.contains("kept") || $0.contains("broken")) }
        }
        #expect(verdicts("TNVIP").count == 4 && verdicts("TNVIP").allSatisfy { $0.hasPrefix("  ○") && $0.contains("127.0.51.10  ") && $0.hasSuffix("kept: same terminal") })
        #expect(verdicts("TNREAL").count == 2 && verdicts("TNREAL").allSatisfy { $0.hasPrefix("  △") && $0.contains("127.0.51.11") && $0.contains("127.0.51.12") && $0.hasSuffix("kept: different terminal") })
        #expect(verdicts("SDLC1").count == 2 && verdicts("SDLC1").allSatisfy { $0.hasPrefix("  ○") && $0.contains("station 0xC1 XID 05D00001") && $0.hasSuffix("kept: same terminal") })
        #expect(verdicts("BDLC1").count == 2 && verdicts("BDLC1").allSatisfy {
            $0.hasPrefix("  △") && $0.contains("station 0x41 on BSC1 line 1") && $0.contains("station 0x42 on BSC1 line 2") && $0.hasSuffix("kept: different terminal")
        })
        #expect(verdicts("X25R1").count == 2 && verdicts("X25R1").allSatisfy { $0.hasPrefix("  ○") && $0.contains("DTE 44200001 XID 05D00002") && $0.hasSuffix("kept: same terminal") })
        let total = try #require(rows.first { $0.hasPrefix("  total") }).split(separator: " ")
        #expect(total.count == 6 && total[1] == total[2] && total[2] == total[3] && total[4] == "0", "\(total)")

        // As root (CI) the demo captures the host's traffic and the line, and verifies both.
        if getuid() == 0 {
            // Six TN3270 boundaries, or more when a loaded machine made the host drop a session
            // and netmgrd bind it again (each such boundary must keep its promise too).
            let tn3270 = try #require(output.firstMatch(of: /netmgr verify: (\d+) failover boundaries seen; (\d+) promises kept/), "\(output)")
            #expect(Int(tn3270.1)! >= 6 && tn3270.1 == tn3270.2, "\(output)")
            #expect(output.contains("netmgr verify: 1 failover boundary seen; 1 promise kept"), "\(output)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.file("work/host-journal.jsonl")))
    }

    /// The last lines of every log in the demo's work directory: a failure shows what each
    /// process said, before the temporary directory goes.
    static func logTails(_ work: String, lines: Int = 40) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return names.map { name in
            let text = (try? String(contentsOfFile: work + "/" + name, encoding: .utf8)) ?? ""
            return "--- \(name) (last \(lines) lines)\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    @Test("a work directory it cannot make exits 2 and names it")
    func unusableWorkDirectory() async throws {
        let result = try await runProcess(netmgr, ["demo", "--work-dir", "/proc/netmgr-demo-work"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("cannot make the work directory /proc/netmgr-demo-work: No such file or directory"), "\(result.standardError)")
    }

    @Test("invalid definitions exit 2 and say where")
    func invalidDefinitions() async throws {
        let result = try await runProcess(netmgr, ["demo", "--definitions", "/nonexistent/netmgr-definitions"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("/nonexistent/netmgr-definitions"), "\(result.standardError)")
    }
}
