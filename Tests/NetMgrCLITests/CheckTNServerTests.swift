import Foundation
import NetMgrTestSupport
import Testing

/// Issue 15 part 3: `netmgr check --against` compares the TN server's section, which both
/// nodes must share so a returning emulator gets the same LU.
@Suite("netmgr check --against: tn-server")
struct CheckTNServerTests {
    let netmgr = BuiltProducts.path("netmgr")
    let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    /// A copy of the Phonebook with TN servers on both nodes and `section` under cluster.
    func copy(section: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-check-tn")
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook) {
            try FileManager.default.copyItem(atPath: "\(phonebook)/\(name)", toPath: "\(directory.path)/\(name)")
        }
        let file = directory.path + "/cluster.yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: "lan: 127.0.0.11:7301", with: "lan: 127.0.0.11:7301\n      tn-server: 127.0.0.11:2323")
            .replacingOccurrences(of: "lan: 127.0.0.12:7301", with: "lan: 127.0.0.12:7301\n      tn-server: 127.0.0.12:2323")
            .replacingOccurrences(of: "  groups:\n", with: section + "  groups:\n")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return directory
    }

    static func section(keepLU: Int = 120, pool: String = "[VIPLU02, VIPLU03]") -> String {
        """
          tn-server:
            vip: 10.0.9.10:23
            keep-lu: \(keepLU)
            pools:
              - { name: TSOPOOL, lus: \(pool) }
            map:
              - { clients: [10.1.0.0/16], lus: [VIPLU01], pool: TSOPOOL }

        """
    }

    @Test("differing keep-lu and pool LUs are each named with both files and lines; exit 1")
    func differs() async throws {
        let a = try copy(section: Self.section())
        let b = try copy(section: Self.section(keepLU: 60, pool: "[VIPLU02]"))
        let same = try await runProcess(netmgr, ["check", a.path, "--against", a.path])
        #expect(same.status == 0, "\(same.standardError)")
        #expect(same.standardOutput.contains("the TN server's map, pools, printers, keep-lu, STARTTLS and VIP"))

        let result = try await runProcess(netmgr, ["check", a.path, "--against", b.path])
        #expect(result.status == 1, "\(result.standardError)")
        let differences = result.standardError.split(separator: "\n").filter { $0.hasPrefix("difference: ") }
        #expect(differences.count == 2, "\(result.standardError)")
        let keep = try #require(differences.first { $0.contains("cluster.tn-server.keep-lu: 120 s") })
        #expect(keep.contains("but 60 s") && keep.contains("\(a.path)/cluster.yaml:") && keep.contains("\(b.path)/cluster.yaml:"), "\(keep)")
        let pool = try #require(differences.first { $0.contains("cluster.tn-server.pools[TSOPOOL].lus: [VIPLU02, VIPLU03]") })
        #expect(pool.contains("but [VIPLU02]"), "\(pool)")
    }
}
