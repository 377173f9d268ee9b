import Foundation
import NIOCore
import NIOPosix
import NetMgrSecurity
import NetMgrTestSupport
import Testing

/// openssl (the real peer) against what ClusterPKI makes and TLSConfigurations serves.
/// openssl must be installed (scripts/test installs it): these fail, not skip, without it.
@Suite struct OpenSSLInteropTests {
    let pki: PKIFixture

    init() throws {
        pki = try PKIFixture()
    }

    private func openssl(_ arguments: [String]) async throws -> ProcessResult {
        try await runProcess("openssl", arguments, timeout: .seconds(30))
    }

    @Test func chainVerifiesWithOpenSSL() async throws {
        _ = try pki.node("node-a")
        _ = try pki.client("payroll")
        for (name, purpose) in [("node-a", "sslserver"), ("node-a", "sslclient"), ("payroll", "sslclient")] {
            let result = try await openssl(["verify", "-CAfile", pki.caPath, "-purpose", purpose, pki.certificatePath(name)])
            #expect(result.status == 0, "\(name) \(purpose): \(result.standardOutput) \(result.standardError)")
            #expect(result.standardOutput.contains("\(pki.certificatePath(name)): OK"))
        }
        // A client certificate is no server certificate (EKU clientAuth only).
        let wrong = try await openssl(["verify", "-CAfile", pki.caPath, "-purpose", "sslserver", pki.certificatePath("payroll")])
        #expect(wrong.status != 0)
        // Another CA's certificate does not verify against ours.
        let other = try PKIFixture(cluster: "other")
        _ = try other.node("node-a")
        let foreign = try await openssl(["verify", "-CAfile", pki.caPath, other.certificatePath("node-a")])
        #expect(foreign.status != 0)
    }

    @Test func opensslReadsTheIdentityFields() async throws {
        _ = try pki.node("node-a", hosts: ["127.0.72.1", "127.0.72.11"])
        let text = try await openssl(["x509", "-in", pki.certificatePath("node-a"), "-noout", "-text"]).standardOutput
        #expect(text.contains("URI:netmgr:node:node-a"))
        #expect(text.contains("DNS:node-a"))
        #expect(text.contains("IP Address:127.0.72.1"))
        #expect(text.contains("IP Address:127.0.72.11"))
        #expect(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(text.contains("Subject: CN = node-a"))
        let key = try await openssl(["pkey", "-in", pki.keyPath("node-a"), "-noout", "-text"])
        #expect(key.status == 0)
        #expect(key.standardOutput.contains("prime256v1") || key.standardOutput.contains("P-256"))
    }

    @Test func sClientCompletesAgainstOurServer() async throws {
        let nodeA = try pki.node("node-a")
        _ = try pki.client("payroll")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await AnnouncingServer.start(TLSConfigurations.server(nodeA), host: "127.0.72.10", group: group)
        let address = "127.0.72.10:\(server.port)"
        let common = ["s_client", "-connect", address, "-CAfile", pki.caPath, "-verify_return_error", "-ign_eof"]
        for version in ["-tls1_2", "-tls1_3"] {
            let result = try await openssl(common + [version, "-cert", pki.certificatePath("payroll"), "-key", pki.keyPath("payroll")])
            #expect(result.status == 0, "\(version): \(result.standardError)")
            #expect(result.standardOutput.contains("application payroll"), "\(version): \(result.standardOutput)")
            #expect(result.standardOutput.contains("Verify return code: 0 (ok)"))
        }
        // Without a certificate the server refuses: no identity comes back.
        let anonymous = try await openssl(common)
        #expect(!anonymous.standardOutput.contains("application"))
        #expect(anonymous.standardError.contains("alert") || anonymous.status != 0, "\(anonymous.standardError)")
        await server.stop()
        try await group.shutdownGracefully()
    }
}
