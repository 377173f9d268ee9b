import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// Every recording in Captures/ must still give its committed report (docs/VERIFY.md,
/// "Captures/ and their expected reports"). NETMGR_UPDATE_CAPTURES=1 rewrites them.
@Suite("Captures/: each recording gives its expected report")
struct CapturesReportTests {
    static let root = BuiltProducts.packageRoot.path
    static var captures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Captures")) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }

    @Test("netmgr verify --json matches NAME.expected.json", arguments: captures)
    func capture(name: String) async throws {
        let stem = String(name[..<name.lastIndex(of: ".")!])
        let base = Self.root + "/Captures/" + stem
        let arguments = ((try? String(contentsOfFile: base + ".args", encoding: .utf8)) ?? "")
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        // From the package root, so the paths in the report are the stable relative ones.
        let script = "cd \"$0\" && exec \"$@\""
        let result = try await runProcess(
            "/bin/sh", ["-c", script, Self.root, BuiltProducts.path("netmgr"), "verify", "--json"] + arguments + ["Captures/" + name])
        let report = try #require(
            try? VerificationReport.decode(json: Data(result.standardOutput.utf8)), "Captures/\(name): no report (exit \(result.status)): \(result.standardError)")
        #expect(result.status == report.summary.exitCode, "\(result.standardError)")
        let expectedPath = base + ".expected.json"
        if ProcessInfo.processInfo.environment["NETMGR_UPDATE_CAPTURES"] == "1" {
            try result.standardOutput.write(toFile: expectedPath, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: expectedPath, encoding: .utf8)
        guard result.standardOutput != expected else { return }
        let got = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
        Issue.record("""
            Captures/\(name): the report differs from \(stem).expected.json at line \(line + 1) \
            (NETMGR_UPDATE_CAPTURES=1 rewrites it)
              expected: \(line < want.count ? want[line] : "(end)")
              got:      \(line < got.count ? got[line] : "(end)")
            """)
    }
}
