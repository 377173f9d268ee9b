import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing
@testable import NetMgrSecurity

/// `cluster.tls` and `nodes[].tls` in the definitions, `pki init` from them, and check's findings.
@Suite struct DefinitionsTLSTests {
    /// A copy of Phonebook/'s definitions with cluster.yaml's text edited by `edit`, after its
    /// explicit TLS keys are taken out (so the copy starts from the defaults).
    static func phonebook(_ edit: (String) -> String = { $0 }) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-tls-defs")
        let source = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        // Only the definitions: a demo leaves its PKI in Phonebook/pki.
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".yaml") {
            var text = try String(contentsOfFile: "\(source)/\(name)", encoding: .utf8)
            if name == "cluster.yaml" { text = edit(withoutExplicitTLS(text)) }
            try text.write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func withoutExplicitTLS(_ text: String) -> String {
        text.replacingOccurrences(of: "  tls:\n    ca: pki/ca.pem\n", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("tls: { certificate:") }
            .joined(separator: "\n")
    }

    static func load(_ directory: TemporaryDirectory) throws -> LoadedDefinitions {
        try DefinitionsLoader.load(directory: directory.path)
    }

    @Test func defaultsAreTLSOnWithPathsInTheDefinitionsDirectory() throws {
        let directory = try Self.phonebook()
        let loaded = try Self.load(directory)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        #expect(loaded.definitions.cluster.tls == .on(caPath: directory.file("pki/ca.pem")))
        let nodeA = try #require(loaded.definitions.node(named: "node-a"))
        #expect(nodeA.tls == NodeTLS(certificatePath: directory.file("pki/node-a.pem"), keyPath: directory.file("pki/node-a-key.pem")))
    }

    @Test func explicitPathsRelativeAndAbsolute() throws {
        let directory = try Self.phonebook {
            $0.replacingOccurrences(of: "  name: example\n", with: "  name: example\n  tls:\n    ca: certs/cluster-ca.pem\n")
              .replacingOccurrences(of: "lan: 127.0.0.11:7301         # where NetMgrClient reaches this node's netmgrd",
                                    with: "lan: 127.0.0.11:7301\n      tls: { certificate: /etc/ssl/a.pem, key: keys/a.key }")
        }
        let loaded = try Self.load(directory)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        #expect(loaded.definitions.cluster.tls == .on(caPath: directory.file("certs/cluster-ca.pem")))
        #expect(loaded.definitions.node(named: "node-a")?.tls == NodeTLS(certificatePath: "/etc/ssl/a.pem", keyPath: directory.file("keys/a.key")))
        #expect(loaded.definitions.node(named: "node-b")?.tls?.keyPath == directory.file("pki/node-b-key.pem"))
    }

    @Test func checkWarnsOfAMissingHostCAAndRefusesAHostKeyOthersMayRead() throws {
        let directory = try Self.phonebook {
            $0.replacingOccurrences(of: "  name: example\n", with: "  name: example\n  tls: off\n")
        }
        let phonebook = directory.file("phonebook.yaml")
        let text = try String(contentsOfFile: phonebook, encoding: .utf8)
        try text.replacingOccurrences(of: "  - name: TNVIP\n", with: "  - name: TNVIP\n    tls: { mode: direct, ca: host-ca.pem, certificate: c.pem, key: c-key.pem }\n")
            .write(toFile: phonebook, atomically: true, encoding: .utf8)
        try "not used".write(toFile: directory.file("c.pem"), atomically: true, encoding: .utf8)
        try "secret".write(toFile: directory.file("c-key.pem"), atomically: true, encoding: .utf8)
        #expect(chmod(directory.file("c-key.pem"), 0o644) == 0)
        let loaded = try Self.load(directory)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let findings = TLSFileCheck.findings(loaded.definitions, definitionsDirectory: directory.path)
        let missing = try #require(findings.first { $0.diagnostic.key == "resources[TNVIP].tls.ca" })
        #expect(missing.severity == .warning && missing.diagnostic.problem.contains("host-ca.pem: the host's CA certificate does not exist"))
        #expect(missing.diagnostic.location.file.hasSuffix("phonebook.yaml"))
        let key = try #require(findings.first { $0.diagnostic.key == "resources[TNVIP].tls.key" })
        #expect(key.severity == .error && key.diagnostic.problem.contains("mode 0644"), "\(key)")
    }

    @Test func checkAgainstCatchesTLSOnOneNodeAndOffOnTheOther() throws {
        let on = try Self.load(try Self.phonebook())
        let off = try Self.load(try Self.phonebook { $0.replacingOccurrences(of: "  name: example\n", with: "  name: example\n  tls: off\n") })
        #expect(DefinitionsComparison.compare(on.definitions, on.definitions).isEmpty)
        let differences = DefinitionsComparison.compare(on.definitions, off.definitions)
        #expect(differences.map(\.key) == ["cluster.tls"])
        #expect(differences.first?.description.contains("on (") == true && differences.first?.description.contains("but off (") == true, "\(differences)")
    }

    @Test func offIsAllowedOnLoopback() throws {
        let directory = try Self.phonebook { $0.replacingOccurrences(of: "  name: example\n", with: "  name: example\n  tls: off\n") }
        let loaded = try Self.load(directory)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        #expect(loaded.definitions.cluster.tls == .off)
    }

    @Test func offIsRefusedWhenANodeListensBeyondLoopback() throws {
        let directory = try Self.phonebook {
            $0.replacingOccurrences(of: "  name: example\n", with: "  name: example\n  tls: off\n")
              .replacingOccurrences(of: "lan: 127.0.0.12:7301", with: "lan: 192.0.2.12:7301")
        }
        let loaded = try Self.load(directory)
        let problem = try #require(loaded.diagnostics.first { $0.key == "cluster.nodes[node-b].lan" })
        #expect(problem.problem.contains("node node-b listens on 192.0.2.12, not a loopback address, but cluster.tls is off"))
        #expect(problem.location.file == directory.file("cluster.yaml"))
        #expect(loaded.diagnostics.count == 1, "\(loaded.diagnostics)")
    }

    @Test func mistakesAreReportedWithTheKey() throws {
        let directory = try Self.phonebook {
            $0.replacingOccurrences(of: "  name: example\n", with: "  name: example\n  tls: maybe\n")
              .replacingOccurrences(of: "lan: 127.0.0.12:7301", with: "lan: 127.0.0.12:7301\n      tls: { certficate: x.pem }")
        }
        let loaded = try Self.load(directory)
        #expect(loaded.diagnostics.contains { $0.key == "cluster.tls" && $0.problem.contains("\"maybe\" is not a TLS setting") })
        #expect(loaded.diagnostics.contains { $0.key == "cluster.nodes[node-b].tls.certficate" && $0.expected == "\"certificate\"" })
    }

    @Test func initMakesWhatTheDefinitionsNameAndCheckAcceptsIt() throws {
        let directory = try Self.phonebook()
        let definitions = try Self.load(directory).definitions
        #expect(TLSFileCheck.findings(definitions, definitionsDirectory: directory.path).map(\.severity) == [.warning, .warning, .warning])
        let keyPath = ClusterPKI.defaultLineSwitchKeyPath(definitionsDirectory: directory.path)
        let first = try ClusterPKI.initialise(definitions, lineSwitchKeyPath: keyPath, force: false)
        #expect(first.map(\.kind) == Array(repeating: .wrote, count: 7))
        for (file, mode) in [("ca.pem", 0o644), ("ca-key.pem", 0o600), ("node-a.pem", 0o644), ("node-a-key.pem", 0o600),
                             ("node-b.pem", 0o644), ("node-b-key.pem", 0o600), ("line-switch.key", 0o600)] as [(String, mode_t)] {
            var info = stat()
            #expect(stat(directory.file("pki/\(file)"), &info) == 0 && info.st_mode & 0o777 == mode, "\(file)")
        }
        #expect(try SecretFile.read(path: keyPath, what: "line switch key").count == 32)
        #expect(TLSFileCheck.findings(definitions, definitionsDirectory: directory.path).isEmpty)
        let material = try TLSMaterial.load(caPath: directory.file("pki/ca.pem"), certificatePath: directory.file("pki/node-b.pem"),
                                            keyPath: directory.file("pki/node-b-key.pem"))
        #expect(try PeerIdentity.of(material.certificateChain[0]) == .node("node-b"))

        // Again: everything kept; with --force the nodes and the key are new, the CA kept.
        let again = try ClusterPKI.initialise(definitions, lineSwitchKeyPath: keyPath, force: false)
        #expect(again.allSatisfy { $0.kind == .kept })
        let before = try String(contentsOfFile: directory.file("pki/node-a.pem"), encoding: .utf8)
        let forced = try ClusterPKI.initialise(definitions, lineSwitchKeyPath: keyPath, force: true)
        #expect(forced.filter { $0.kind == .kept }.map(\.path) == [directory.file("pki/ca.pem")])
        #expect(try String(contentsOfFile: directory.file("pki/node-a.pem"), encoding: .utf8) != before)
        #expect(TLSFileCheck.findings(definitions, definitionsDirectory: directory.path).isEmpty)
    }

    /// A node with a TN server: its certificate also names its listeners and the group's VIP
    /// (as IP and DNS names, for x3270-family emulators); a node without one does not.
    @Test func nodeCertificateNamesTheTNServerAndTheVIPs() throws {
        let directory = try Self.phonebook { text in
            text.replacingOccurrences(of: "lan: 127.0.0.11:7301", with: "lan: 127.0.0.11:7301\n      tn-server: 127.0.0.11:2323\n      tn-server-tls: 127.0.0.21:992")
                .replacingOccurrences(of: "  groups:\n", with: "  tn-server:\n    map: [{ clients: [127.0.0.0/8], lus: [VIPLU01] }]\n  groups:\n")
        }
        let loaded = try Self.load(directory)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let cluster = loaded.definitions.cluster
        let a = ClusterPKI.nodeCertificateNames(try #require(loaded.definitions.node(named: "node-a")), in: cluster)
        #expect(a.hosts == ["127.0.0.11", "127.0.0.11", "127.0.0.11", "127.0.0.21", "127.0.0.10"])
        #expect(a.emulatorAddresses == ["127.0.0.11", "127.0.0.21", "127.0.0.10"])
        let b = ClusterPKI.nodeCertificateNames(try #require(loaded.definitions.node(named: "node-b")), in: cluster)
        #expect(b.hosts == ["127.0.0.12", "127.0.0.12"] && b.emulatorAddresses.isEmpty)
    }

    @Test func checkFindsWrongFiles() throws {
        let directory = try Self.phonebook()
        let definitions = try Self.load(directory).definitions
        _ = try ClusterPKI.initialise(definitions, lineSwitchKeyPath: nil, force: false)
        // node-b's certificate and key where node-a's belong: not node-a's.
        try FileManager.default.removeItem(atPath: directory.file("pki/node-a.pem"))
        try FileManager.default.copyItem(atPath: directory.file("pki/node-b.pem"), toPath: directory.file("pki/node-a.pem"))
        try PKIFile.write(try SecretFile.read(path: directory.file("pki/node-b-key.pem")), to: directory.file("pki/node-a-key.pem"), mode: 0o600)
        // node-b's key readable by others.
        chmod(directory.file("pki/node-b-key.pem"), 0o644)
        let findings = TLSFileCheck.findings(definitions, definitionsDirectory: directory.path)
        #expect(findings.allSatisfy { $0.severity == .error })
        #expect(findings.contains { $0.diagnostic.key == "cluster.nodes[node-a].tls" && $0.description.contains("the certificate is node node-b's, not node node-a's") })
        #expect(findings.contains { $0.diagnostic.key == "cluster.nodes[node-b].tls" && $0.description.contains("(mode 0644); chmod 600 it") })
        #expect(findings.count == 2, "\(findings)")

        // A certificate from another CA.
        let other = try ClusterPKI.makeAuthority(cluster: "other")
        let stranger = try ClusterPKI.issueNode(name: "node-a", hosts: [], by: other)
        _ = try ClusterPKI.write(stranger, certificatePath: directory.file("pki/node-a.pem"), keyPath: directory.file("pki/node-a-key.pem"), what: "")
        chmod(directory.file("pki/node-b-key.pem"), 0o600)
        let foreign = TLSFileCheck.findings(definitions, definitionsDirectory: directory.path)
        #expect(foreign.count == 1 && foreign[0].description.contains("is not signed by the cluster CA"), "\(foreign)")
    }
}
