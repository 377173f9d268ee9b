import Foundation
import NetMgrTestSupport
import Testing

/// `netmgr check` on `clients:` and `max-clients`.
@Suite("netmgr check: clients and max-clients")
struct CheckClientsTests {
    let netmgr = BuiltProducts.path("netmgr")
    let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    /// A copy of the Phonebook whose nodes have `max-clients: limit`, plus `clients` text.
    func copy(limit: Int, clients: String = "") throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-check-clients")
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook) {
            try FileManager.default.copyItem(atPath: "\(phonebook)/\(name)", toPath: directory.file(name))
        }
        var text = clusterYAMLWithoutTLS(try String(contentsOfFile: directory.file("cluster.yaml"), encoding: .utf8))
        for node in ["127.0.0.11", "127.0.0.12"] {
            text = text.replacingOccurrences(of: "lan: \(node):7301", with: "lan: \(node):7301\n      max-clients: \(limit)")
        }
        try (text + clients).write(toFile: directory.file("cluster.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test("--against catches a max-clients mismatch between the nodes' copies, naming both files")
    func maxClientsMismatch() async throws {
        let sixteen = try copy(limit: 16)
        let eight = try copy(limit: 8)
        let same = try await runProcess(netmgr, ["check", sixteen.path, "--against", sixteen.path])
        #expect(same.status == 0, "\(same.standardError)")
        let result = try await runProcess(netmgr, ["check", sixteen.path, "--against", eight.path])
        #expect(result.status == 1)
        let differences = result.standardError.split(separator: "\n").filter { $0.hasPrefix("difference: ") }
        let line = try #require(differences.first { $0.contains("cluster.nodes[node-a].max-clients") }, "\(result.standardError)")
        #expect(line.contains("16 (\(sixteen.path)/cluster.yaml:") && line.contains("but 8 (\(eight.path)/cluster.yaml:"), "\(line)")
    }

    @Test("a grant naming no resource is a warning: check prints it and still exits 0")
    func warning() async throws {
        let directory = try copy(limit: 4, clients: "  clients:\n    - identity: payroll\n      resources: [TNVIPP]\n")
        let result = try await runProcess(netmgr, ["check", directory.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("cluster.yaml:") && result.standardError.contains(": warning: cluster.clients[payroll].resources: resource \"TNVIPP\" is not defined"),
                "\(result.standardError)")
    }
}
