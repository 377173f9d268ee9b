import Foundation
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// `netmgr sim host` over TLS with a real emulator: Debian's s3270 verifying the host's
/// certificate against the test CA (-cafile; -accepthostname names the DNS SAN, since
/// s3270 checks host names, not addresses). Direct TLS with the `L:` prefix, and telnet
/// STARTTLS, which s3270 accepts by default when the host offers it.
@Suite("TN3270 host over TLS with s3270", .serialized)
struct TN3270HostTLSTests {
    static let address = "127.0.76.100"
    static let luMap = TN3270HostLUMap(entries: [.init(name: "S3270LU", permittedClients: nil)])

    /// A CA and the host's certificate (DNS tn3270.test and the host's address), and a
    /// second CA that signed nothing of the host's.
    struct PKI {
        let directory: TemporaryDirectory
        let ca: OpenSSLTestPKI
        let otherCA: OpenSSLTestPKI
        let certificate: String
        let key: String
    }

    static func makePKI() async throws -> PKI {
        let directory = try TemporaryDirectory(prefix: "tn3270host-tls")
        let ca = try await OpenSSLTestPKI.makeCA(in: directory.file("pki"), name: "host-ca")
        let otherCA = try await OpenSSLTestPKI.makeCA(in: directory.file("pki"), name: "other-ca")
        let (certificate, key) = try await ca.issue("tn3270-host", subjectAltNames: ["DNS:tn3270.test", "IP:\(address)"])
        return PKI(directory: directory, ca: ca, otherCA: otherCA, certificate: certificate, key: key)
    }

    static func configuration(_ pki: PKI, direct: Bool, startTLS: Bool) throws -> TN3270HostConfiguration {
        var configuration = TN3270HostConfiguration(host: address, port: 0, luMap: luMap)
        let context = try TN3270HostTLS.context(certificatePath: pki.certificate, keyPath: pki.key)
        configuration.tls = TN3270HostTLS(context: context, directHost: direct ? address : nil, offersStartTLS: startTLS)
        return configuration
    }

    /// Runs s3270 with `options` and a script ending in Quit, with a deadline.
    static func s3270(_ options: [String], _ actions: [String]) async throws -> (status: Int32, output: String, errors: String) {
        let s3270 = try LaunchedProcess(try findExecutable("s3270"), options,
                                        input: Data((actions + ["Quit"]).map { $0 + "\n" }.joined().utf8))
        let status = try await s3270.exit(timeout: .seconds(30))
        return (status, s3270.standardOutput, s3270.standardError)
    }

    static let session = [
        "Wait(10,InputField)",
        "Query(LuName)",
        "String(\"HELLO OVER TLS\")",
        "Enter",
        "Wait(10,Unlock)",
        "Disconnect",
    ]

    @Test func s3270DirectTLSWithTheLPrefix() async throws {
        let pki = try await Self.makePKI()
        try await withTN3270Host(try Self.configuration(pki, direct: true, startTLS: false), host: Self.address) { host in
            let (status, output, errors) = try await Self.s3270(
                ["-cafile", pki.ca.caPath, "-accepthostname", "tn3270.test"],
                ["Connect(L:S3270LU@\(Self.address):\(host.tlsPort))"] + Self.session)
            #expect(status == 0, "s3270 output:\n\(output)\n\(errors)")
            #expect(!output.split(separator: "\n").contains("error"), "s3270 output:\n\(output)\n\(errors)")
            #expect(output.contains("data: S3270LU\n"), "s3270 output:\n\(output)")
            let bind = try await host.entry(.bind)
            #expect(bind.lu == "S3270LU" && bind.dialect == "tn3270e")
            #expect(bind.client?.hasPrefix("127.") == true, "the journal still records the client address")
            let message = try await host.entry(.message)
            #expect(message.lu == "S3270LU" && (message.length ?? 0) > 3)
            #expect(host.logs.all.contains { $0.contains("TLS with \(bind.client ?? "?"):\(bind.clientPort ?? 0) established") }, "\(host.logs.all)")
        }
    }

    @Test func s3270STARTTLSWhenTheHostOffersIt() async throws {
        let pki = try await Self.makePKI()
        try await withTN3270Host(try Self.configuration(pki, direct: false, startTLS: true), host: Self.address) { host in
            let (status, output, errors) = try await Self.s3270(
                ["-cafile", pki.ca.caPath, "-accepthostname", "tn3270.test", "-trace", "-tracefile", pki.directory.file("s3270.trace")],
                ["Connect(S3270LU@\(Self.address):\(host.port))"] + Self.session)
            let trace = (try? String(contentsOfFile: pki.directory.file("s3270.trace"), encoding: .utf8)) ?? ""
            #expect(status == 0, "s3270 output:\n\(output)\n\(errors)")
            #expect(!output.split(separator: "\n").contains("error"), "s3270 output:\n\(output)\n\(errors)\n\(trace.suffix(3000))")
            let message = try await host.entry(.message)
            #expect(message.lu == "S3270LU" && (message.length ?? 0) > 3)
            #expect(host.logs.all.contains { $0.contains("after STARTTLS; negotiating again") }, "\(host.logs.all)")
            // s3270's own trace: it saw the host's FOLLOWS and made the connection secure.
            #expect(trace.contains("START-TLS"), "no START-TLS in the s3270 trace:\n\(trace.prefix(3000))")
        }
    }

    /// The negative case: the host's certificate is not from the CA s3270 trusts.
    @Test func s3270RefusesAHostCertificateFromAnotherCA() async throws {
        let pki = try await Self.makePKI()
        try await withTN3270Host(try Self.configuration(pki, direct: true, startTLS: false), host: Self.address) { host in
            let (_, output, errors) = try await Self.s3270(
                ["-cafile", pki.otherCA.caPath, "-accepthostname", "tn3270.test"],
                ["Connect(L:S3270LU@\(Self.address):\(host.tlsPort))", "Wait(5,InputField)"])
            #expect(output.split(separator: "\n").contains("error"), "s3270 connected anyway:\n\(output)\n\(errors)")
            // Refused for the certificate (OpenSSL's verify error in s3270's message), not for anything else.
            #expect((output + errors).contains("unable to get local issuer certificate"), "s3270 output:\n\(output)\n\(errors)")
            #expect(!host.journal.all.contains { $0.event == .bind }, "the host bound an LU for an unverified session")
        }
    }

    /// The binary: both ready lines once both listeners are bound, and s3270 served on the TLS one.
    @Test func theBinaryServesTLSFromItsFlags() async throws {
        let pki = try await Self.makePKI()
        let host = try LaunchedProcess(BuiltProducts.path("netmgr"), [
            "sim", "host", "--listen", "\(Self.address):0", "--lu", "S3270LU",
            "--tls-listen", "\(Self.address):0", "--starttls", "--tls-certificate", pki.certificate, "--tls-key", pki.key,
        ])
        let ready = try await host.line(startingWith: "ready: tn3270-tls ")
        let port = try #require(Int(ready.split(separator: ":").last ?? ""))
        #expect(host.standardOutput.hasPrefix("ready: tn3270 \(Self.address):"), "\(host.standardOutput)")
        let (status, output, errors) = try await Self.s3270(
            ["-cafile", pki.ca.caPath, "-accepthostname", "tn3270.test"],
            ["Connect(L:S3270LU@\(Self.address):\(port))"] + Self.session)
        #expect(status == 0 && !output.split(separator: "\n").contains("error"), "s3270 output:\n\(output)\n\(errors)")
        host.signal(SIGTERM)
        #expect(try await host.exit(timeout: .seconds(20)) == 0, "stderr:\n\(host.standardError)")
        #expect(host.standardError.contains("bound"), "\(host.standardError)")
    }

    @Test func tlsFlagsWithoutTheHostsCertificateAreAUsageError() async throws {
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["sim", "host", "--listen", "\(Self.address):0", "--lu", "S3270LU", "--starttls"],
                                          timeout: .seconds(20))
        #expect(result.status == 64, "\(result.standardError)")
        #expect(result.standardError.contains("--starttls needs the host's certificate and key: --tls-certificate FILE --tls-key FILE."), "\(result.standardError)")
    }
}
