import Foundation
import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// The TLS context toward the host, built from `resources[].tls` at activation.
@Suite("Host TLS client context")
struct HostTLSClientTests {
    static let location = SourceLocation(file: "phonebook.yaml", line: 1, column: 1)

    @Test func theNameCheckedIsTheServerNameOrTheHostAddress() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-hosttls-client")
        let ca = try await OpenSSLTestPKI.makeCA(in: directory.file("pki"), name: "host-ca")
        let byAddress = try HostTLSClient(ResourceTLS(mode: .direct, caPath: ca.caPath, location: Self.location),
                                          host: Endpoint(host: "127.0.76.100", port: 992))
        #expect(byAddress.serverHostname == nil, "an address is checked against the IP SANs, not sent as SNI")
        #expect(byAddress.expectedName == "127.0.76.100")
        let byName = try HostTLSClient(ResourceTLS(mode: .starttls, caPath: ca.caPath, serverName: "tn3270.test", location: Self.location),
                                       host: Endpoint(host: "127.0.76.100", port: 23))
        #expect(byName.serverHostname == "tn3270.test" && byName.modeDescription == "STARTTLS")
    }

    @Test func aClientKeyOthersMayReadIsRefusedWithItsFileAndMode() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-hosttls-client")
        let ca = try await OpenSSLTestPKI.makeCA(in: directory.file("pki"), name: "host-ca")
        let client = try await ca.issue("node-tn", subjectAltNames: [], clientAuth: true)
        let tls = ResourceTLS(mode: .direct, caPath: ca.caPath, certificatePath: client.certificate, keyPath: client.key, location: Self.location)
        _ = try HostTLSClient(tls, host: Endpoint(host: "127.0.76.100", port: 992))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: client.key)
        #expect {
            _ = try HostTLSClient(tls, host: Endpoint(host: "127.0.76.100", port: 992))
        } throws: { error in
            "\(error)" == "\(client.key): private key is readable by group or others (mode 0644); chmod 600 it"
        }
    }

    @Test func aCAFileThatIsNoCertificateIsNamed() throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-hosttls-client")
        try "not a certificate\n".write(toFile: directory.file("ca.pem"), atomically: false, encoding: .utf8)
        #expect {
            _ = try HostTLSClient(ResourceTLS(mode: .direct, caPath: directory.file("ca.pem"), location: Self.location),
                                  host: Endpoint(host: "127.0.76.100", port: 992))
        } throws: { error in
            "\(error)".hasPrefix("\(directory.file("ca.pem")): ") && "\(error)".contains("CA certificate")
        }
    }
}
