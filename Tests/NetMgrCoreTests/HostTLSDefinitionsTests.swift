import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// `resources[].tls`: TLS toward the host (issue 14 item 7).
@Suite("Host TLS definitions")
struct HostTLSDefinitionsTests {
    /// A copy of Phonebook/ whose TNVIP resource gets `tls` (the text after `tls:`), and the
    /// files `files` (relative to the directory) created empty.
    func phonebook(tls: String, on resource: String = "TNVIP", files: [String] = ["pki/host-ca.pem"]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-hosttls")
        let source = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory.file(name))
        }
        let phonebook = directory.file("phonebook.yaml")
        var text = try String(contentsOfFile: phonebook, encoding: .utf8)
        let anchor = "  - name: \(resource)\n"
        let range = try #require(text.range(of: anchor))
        text.replaceSubrange(range, with: anchor + "    tls: \(tls)\n")
        try text.write(toFile: phonebook, atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory.file("pki"), withIntermediateDirectories: true)
        for file in files { _ = FileManager.default.createFile(atPath: directory.file(file), contents: Data()) }
        return directory
    }

    /// A file in `directory` as the parser resolves it: against the directory of the file
    /// path the loader built (NSString drops the doubled slash of the temporary path).
    func resolved(_ directory: TemporaryDirectory, _ name: String) -> String {
        let file = (directory.path as NSString).appendingPathComponent("phonebook.yaml")
        return ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }

    func load(_ directory: TemporaryDirectory) throws -> LoadedDefinitions {
        try DefinitionsLoader.load(directory: directory.path)
    }

    @Test func directWithRelativeCA() throws {
        let directory = try phonebook(tls: "{ mode: direct, ca: pki/host-ca.pem }")
        let loaded = try load(directory)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let tls = try #require(loaded.definitions.resource(named: "TNVIP")?.tls)
        #expect(tls.mode == .direct)
        #expect(tls.caPath == resolved(directory, "pki/host-ca.pem"))
        #expect(tls.certificatePath == nil && tls.keyPath == nil && tls.serverName == nil)
        #expect(loaded.definitions.resource(named: "TNREAL")?.tls == nil)
    }

    @Test func starttlsWithClientCertificateAndServerName() throws {
        let directory = try phonebook(
            tls: "{ mode: starttls, ca: pki/host-ca.pem, certificate: pki/c.pem, key: pki/c-key.pem, server-name: tn3270.example.com }",
            files: ["pki/host-ca.pem", "pki/c.pem", "pki/c-key.pem"])
        let loaded = try load(directory)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let tls = try #require(loaded.definitions.resource(named: "TNVIP")?.tls)
        #expect(tls.mode == .starttls)
        #expect(tls.certificatePath == resolved(directory, "pki/c.pem"))
        #expect(tls.keyPath == resolved(directory, "pki/c-key.pem"))
        #expect(tls.serverName == "tn3270.example.com")
    }

    /// A missing file is no load error (one node's copy may lack it): `netmgr check` warns
    /// (TLSFileCheck, tested in NetMgrSecurityTests) and netmgrd names it at activation.
    @Test func missingFileLoadsWithItsPathResolved() throws {
        let directory = try phonebook(tls: "{ mode: direct, ca: pki/nope.pem }")
        let loaded = try load(directory)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        #expect(loaded.definitions.resource(named: "TNVIP")?.tls?.caPath == resolved(directory, "pki/nope.pem"))
    }

    @Test func modeAndCAAreRequiredAndModeIsKnown() throws {
        let loaded = try load(try phonebook(tls: "{ mode: sometimes }"))
        let problems = loaded.diagnostics.map { "\($0.key): \($0.problem)" }
        #expect(problems.contains("resources[TNVIP].tls.mode: \"sometimes\" is not known"), "\(problems)")
        #expect(problems.contains("resources[TNVIP].tls.ca: is missing"), "\(problems)")
    }

    @Test func certificateWithoutKey() throws {
        let loaded = try load(try phonebook(tls: "{ mode: direct, ca: pki/host-ca.pem, certificate: pki/host-ca.pem }"))
        #expect(loaded.diagnostics.map(\.key) == ["resources[TNVIP].tls.key"])
    }

    @Test func unknownKeyAndBadServerName() throws {
        let loaded = try load(try phonebook(tls: "{ mode: direct, ca: pki/host-ca.pem, server-name: \"not a name\", verify: no }"))
        #expect(Set(loaded.diagnostics.map(\.key)) == ["resources[TNVIP].tls.server-name", "resources[TNVIP].tls.verify"])
    }

    @Test func onlyOnTnetosResources() throws {
        let loaded = try load(try phonebook(tls: "{ mode: direct, ca: pki/host-ca.pem }", on: "SDLC1"))
        let diagnostic = try #require(loaded.diagnostics.first)
        #expect(loaded.diagnostics.count == 1)
        #expect(diagnostic.key == "resources[SDLC1].tls")
        #expect(diagnostic.problem.contains("applies to tnetos resources only"))
    }

    @Test func checkAgainstSeesADifferentMode() throws {
        let a = try load(try phonebook(tls: "{ mode: direct, ca: pki/host-ca.pem }")).definitions
        let b = try load(try phonebook(tls: "{ mode: starttls, ca: pki/host-ca.pem }")).definitions
        let differences = DefinitionsComparison.compare(a, b)
        #expect(differences.contains { "\($0)".contains("tls") }, "\(differences)")
    }
}
