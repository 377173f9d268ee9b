import Foundation
import NetMgrTestSupport
import Testing

@Suite("netmgr pki makes and shows the cluster's certificates")
struct PKICommandTests {
    let netmgr = BuiltProducts.path("netmgr")

    func copyOfPhonebook() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-pki-cli")
        let source = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(directory.path)/\(name)")
        }
        return directory
    }

    @Test("init, issue, show and check, with their exit codes")
    func lifecycle() async throws {
        let directory = try copyOfPhonebook()
        let before = try await runProcess(netmgr, ["check", directory.path])
        #expect(before.status == 0, "\(before.standardError)")
        #expect(before.standardError.contains("warning: cluster.nodes[node-a].tls: node node-a: \(directory.path)/pki/node-a.pem and \(directory.path)/pki/node-a-key.pem do not exist"))

        let initialised = try await runProcess(netmgr, ["pki", "init", "--definitions", directory.path])
        #expect(initialised.status == 0, "\(initialised.standardError)")
        for file in ["ca.pem", "ca-key.pem", "node-a.pem", "node-a-key.pem", "node-b.pem", "node-b-key.pem", "line-switch.key"] {
            #expect(initialised.standardOutput.contains("wrote \(directory.path)/pki/\(file): "), "\(file) in \(initialised.standardOutput)")
        }
        let after = try await runProcess(netmgr, ["check", directory.path])
        #expect(after.status == 0 && !after.standardError.contains("tls"), "\(after.standardError)")

        let client = try await runProcess(netmgr, ["pki", "issue", "--definitions", directory.path, "--client", "payroll", "--out", directory.file("apps")])
        #expect(client.status == 0, "\(client.standardError)")
        let again = try await runProcess(netmgr, ["pki", "issue", "--definitions", directory.path, "--client", "payroll", "--out", directory.file("apps")])
        #expect(again.status == 3 && again.standardError.contains("\(directory.file("apps/payroll.pem")): exists; --force replaces it"), "\(again.standardError)")
        let unknown = try await runProcess(netmgr, ["pki", "issue", "--definitions", directory.path, "--node", "node-z"])
        #expect(unknown.status == 64 && unknown.standardError.contains("node-z: no such node"), "\(unknown.standardError)")
        let renewed = try await runProcess(netmgr, ["pki", "issue", "--definitions", directory.path, "--node", "node-b", "--force"])
        #expect(renewed.status == 0 && renewed.standardOutput.contains("wrote \(directory.path)/pki/node-b.pem: node node-b's certificate (node node-b, valid until "), "\(renewed.standardOutput)")

        let shown = try await runProcess(netmgr, ["pki", "show", directory.file("apps/payroll.pem")])
        #expect(shown.status == 0)
        #expect(shown.standardOutput.contains("identity:  application payroll"))
        #expect(shown.standardOutput.contains("issuer:    O=netmgr,CN=netmgr CA example") || shown.standardOutput.contains("CN=netmgr CA example"))
        let missing = try await runProcess(netmgr, ["pki", "show", directory.file("nope.pem")])
        #expect(missing.status == 2 && missing.standardError.contains("nope.pem: does not exist"))

        // A key others may read: check says so, with the file, and fails.
        chmod(directory.file("pki/node-a-key.pem"), 0o644)
        let open = try await runProcess(netmgr, ["check", directory.path])
        #expect(open.status == 1)
        #expect(open.standardError.contains("error: cluster.nodes[node-a].tls: node node-a: \(directory.path)/pki/node-a-key.pem: private key is readable by group or others (mode 0644); chmod 600 it"), "\(open.standardError)")
    }
}
