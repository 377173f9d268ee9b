import Foundation
import NetMgrTestSupport
import Testing

@Suite("README")
struct ReadmeExampleTests {
    @Test("the definitions reference in README.md is a valid definition set")
    func referenceExampleIsValid() async throws {
        let readme = try String(contentsOf: BuiltProducts.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "### Reference\n\n```yaml\n"))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let directory = try TemporaryDirectory(prefix: "netmgr-readme")
        try String(readme[start.upperBound..<end.lowerBound]).write(
            to: directory.url.appendingPathComponent("netmgr.yaml"), atomically: true, encoding: .utf8)
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["check", "--explain", directory.path])
        #expect(result.status == 0, "\(result.standardError)")
        // The example shows every procedure, with the seed's ○ and △.
        for (resource, symbol) in [("TNVIP", "○"), ("SDLC1", "○"), ("X25RES", "○"), ("PSTNRES", "○"), ("DIALRES", "△"), ("BSCRES", "△")] {
            #expect(result.standardOutput.split(separator: "\n").contains { $0.contains(" \(resource) ") && $0.contains(symbol) }, "\(resource)")
        }
    }
}
