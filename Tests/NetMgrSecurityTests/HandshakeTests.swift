import NIOCore
import NIOPosix
import NIOSSL
import NetMgrSecurity
import NetMgrTestSupport
import Testing

/// Real TLS handshakes over loopback (127.0.72.0/24) between TLSConfigurations' contexts.
@Suite struct HandshakeTests {
    let pki: PKIFixture

    init() throws {
        pki = try PKIFixture()
    }

    private func withServer(_ material: TLSMaterial, host: String,
                            _ body: (AnnouncingServer, any EventLoopGroup) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await AnnouncingServer.start(TLSConfigurations.server(material), host: host, group: group)
        do {
            try await body(server, group)
        } catch {
            Issue.record(error)
        }
        await server.stop()
        try await group.shutdownGracefully()
    }

    @Test func nodeAndApplicationAreIdentifiedByTheServer() async throws {
        let nodeA = try pki.node("node-a"), nodeB = try pki.node("node-b"), payroll = try pki.client("payroll")
        try await withServer(nodeA, host: "127.0.72.1") { server, group throws in
            #expect(try await exchange(TLSConfigurations.client(nodeB), host: "127.0.72.1", port: server.port, group: group) == "node node-b")
            #expect(try await exchange(TLSConfigurations.client(payroll), host: "127.0.72.1", port: server.port, group: group) == "application payroll")
        }
    }

    @Test func clientWithoutCertificateIsRefused() async throws {
        let nodeA = try pki.node("node-a"), payroll = try pki.client("payroll")
        var configuration = TLSConfigurations.clientConfiguration(payroll)
        configuration.certificateChain = []
        configuration.privateKey = nil
        let anonymous = try NIOSSLContext(configuration: configuration)
        try await withServer(nodeA, host: "127.0.72.2") { server, group in
            let clientError = await #expect(throws: (any Error).self) {
                try await exchange(anonymous, host: "127.0.72.2", port: server.port, group: group)
            }
            #expect(String(describing: clientError).contains("TLSV1_ALERT_CERTIFICATE_REQUIRED"), "\(String(describing: clientError))")
            #expect(await eventually(.seconds(10)) { !server.errors.all.isEmpty }, "the server saw no failure")
            #expect(server.errors.all.contains { $0.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") }, "\(server.errors.all)")
        }
    }

    @Test func clientFromAnotherCAIsRefused() async throws {
        let nodeA = try pki.node("node-a")
        let other = try PKIFixture(cluster: "other")
        let stranger = try other.client("payroll")
        // It trusts our CA, so only the server's check stands between it and the node.
        let trustingStranger = TLSMaterial(caCertificates: nodeA.caCertificates, certificateChain: stranger.certificateChain, privateKey: stranger.privateKey)
        try await withServer(nodeA, host: "127.0.72.3") { server, group in
            let clientError = await #expect(throws: (any Error).self) {
                try await exchange(TLSConfigurations.client(trustingStranger), host: "127.0.72.3", port: server.port, group: group)
            }
            #expect(String(describing: clientError).contains("TLSV1_ALERT_UNKNOWN_CA"), "\(String(describing: clientError))")
            #expect(await eventually(.seconds(10)) { !server.errors.all.isEmpty }, "the server saw no failure")
            #expect(server.errors.all.contains { $0.contains("CERTIFICATE_VERIFY_FAILED") }, "\(server.errors.all)")
        }
    }

    @Test func serverFromAnotherCAIsRefusedByTheClient() async throws {
        let other = try PKIFixture(cluster: "other")
        let impostor = try other.node("node-a")
        let payroll = try pki.client("payroll")
        try await withServer(impostor, host: "127.0.72.4") { server, group in
            let clientError = await #expect(throws: (any Error).self) {
                try await exchange(TLSConfigurations.client(payroll), host: "127.0.72.4", port: server.port, group: group)
            }
            #expect(String(describing: clientError).contains("CERTIFICATE_VERIFY_FAILED"), "\(String(describing: clientError))")
        }
    }

    @Test func tls11IsRefused() async throws {
        let nodeA = try pki.node("node-a"), payroll = try pki.client("payroll")
        var configuration = TLSConfigurations.clientConfiguration(payroll)
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = .tlsv11
        let old = try NIOSSLContext(configuration: configuration)
        try await withServer(nodeA, host: "127.0.72.5") { server, group in
            let clientError = await #expect(throws: (any Error).self) {
                try await exchange(old, host: "127.0.72.5", port: server.port, group: group)
            }
            #expect(String(describing: clientError).contains("TLSV1_ALERT_PROTOCOL_VERSION"), "\(String(describing: clientError))")
        }
    }

    @Test func materialErrorsNameTheFile() throws {
        _ = try pki.node("node-a")
        _ = try pki.node("node-b")
        // node-b's key with node-a's certificate.
        let wrongKey = #expect(throws: TLSMaterialError.self) {
            try TLSMaterial.load(caPath: pki.caPath, certificatePath: pki.certificatePath("node-a"), keyPath: pki.keyPath("node-b"))
        }
        #expect(wrongKey?.description == "\(pki.keyPath("node-b")): is not the private key of the certificate in \(pki.certificatePath("node-a"))")
        let missing = #expect(throws: TLSMaterialError.self) {
            try TLSMaterial.load(caPath: pki.directory.file("missing.pem"), certificatePath: pki.certificatePath("node-a"), keyPath: pki.keyPath("node-a"))
        }
        #expect(missing?.description == "\(pki.directory.file("missing.pem")): cannot read the CA certificate: does not exist")
        // A key file others may read is refused with SecretFile's message.
        try PKIFile.write(String(contentsOfFile: pki.keyPath("node-a"), encoding: .utf8), to: pki.keyPath("node-a"), mode: 0o640)
        let open = #expect(throws: TLSMaterialError.self) { try pki.material("node-a") }
        #expect(open?.description == "\(pki.keyPath("node-a")): private key is readable by group or others (mode 0640); chmod 600 it")
    }
}
