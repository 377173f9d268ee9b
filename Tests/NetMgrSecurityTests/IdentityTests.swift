import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import NetMgrSecurity

@Suite struct IdentityTests {
    let authority: CertificateAuthority

    init() throws {
        authority = try ClusterPKI.makeAuthority(cluster: "test")
    }

    @Test func nodeCertificateNamesTheNode() throws {
        let issued = try ClusterPKI.issueNode(name: "node-a", hosts: ["127.0.72.1", "::1", "node-a.example"], by: authority)
        #expect(try PeerIdentity.from(derCertificate: ClusterPKI.der(issued.certificate)) == .node("node-a"))
        let names = try #require(try issued.certificate.extensions.subjectAlternativeNames)
        #expect(names.contains(.uniformResourceIdentifier("netmgr:node:node-a")))
        #expect(names.contains(.dnsName("node-a")))
        #expect(names.contains(.dnsName("node-a.example")))
        #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 72, 1]))))
        #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))))
        let usages = try #require(try issued.certificate.extensions.extendedKeyUsage)
        #expect(usages.contains(.serverAuth) && usages.contains(.clientAuth))
        #expect(try issued.certificate.extensions.basicConstraints == .notCertificateAuthority)
        let years = issued.certificate.notValidAfter.timeIntervalSince(issued.certificate.notValidBefore) / (365 * 86_400)
        #expect(years > 1.99 && years < 2.01)
    }

    /// TN server emulators (x3270-family 4.1) match an address against DNS names only: the
    /// addresses they connect to are in the certificate both as IP and as DNS names.
    @Test func nodeCertificateNamesEmulatorAddressesBothWays() throws {
        let issued = try ClusterPKI.issueNode(name: "node-a", hosts: ["127.0.72.1", "127.0.72.10"], dnsNamesForAddresses: ["127.0.72.10"], by: authority)
        let names = try #require(try issued.certificate.extensions.subjectAlternativeNames)
        #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 72, 10]))))
        #expect(names.contains(.dnsName("127.0.72.10")))
        #expect(!names.contains(.dnsName("127.0.72.1")), "only the emulators' addresses")
    }

    @Test func clientCertificateNamesTheApplication() throws {
        let issued = try ClusterPKI.issueClient(name: "payroll", by: authority)
        #expect(try PeerIdentity.from(pemCertificate: issued.certificatePEM()) == .application("payroll"))
        let usages = try #require(try issued.certificate.extensions.extendedKeyUsage)
        #expect(Array(usages) == [.clientAuth])
        #expect(issued.certificate.subject.description == "CN=payroll")
    }

    @Test func authorityIsAP256CAForTenYears() throws {
        let certificate = authority.certificate
        #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try certificate.extensions.keyUsage?.keyCertSign == true)
        #expect(certificate.signatureAlgorithm == .ecdsaWithSHA256)
        #expect(P256.Signing.PublicKey(certificate.publicKey) != nil)
        let years = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore) / (365 * 86_400)
        #expect(years > 9.99 && years < 10.01)
        // A CA certificate verifies against itself, but is nobody's identity.
        #expect(throws: PeerIdentityError.certificateAuthority) { try PeerIdentity.from(certificate: certificate) }
    }

    /// An enterprise CA's certificate: no netmgr URI, the subject's CN is the application.
    @Test func commonNameWithoutNetmgrURIIsTheApplication() throws {
        let issued = try ClusterPKI.issue(commonName: "billing", names: [.dnsName("billing.example")], usages: [.clientAuth], by: authority, now: Date())
        #expect(try PeerIdentity.from(derCertificate: ClusterPKI.der(issued.certificate)) == .application("billing"))
    }

    @Test func conflictingURIsAreRefused() throws {
        let issued = try ClusterPKI.issue(
            commonName: "x", names: [.uniformResourceIdentifier("netmgr:node:node-a"), .uniformResourceIdentifier("netmgr:client:payroll")],
            usages: [.clientAuth], by: authority, now: Date())
        #expect(throws: PeerIdentityError.ambiguous(["node node-a", "application payroll"])) {
            try PeerIdentity.from(derCertificate: ClusterPKI.der(issued.certificate))
        }
    }

    @Test func emptyOrSpacedNamesAreRefused() throws {
        for uri in ["netmgr:node:", "netmgr:client:a b"] {
            let issued = try ClusterPKI.issue(commonName: "x", names: [.uniformResourceIdentifier(uri)], usages: [.clientAuth], by: authority, now: Date())
            #expect(throws: PeerIdentityError.self) { try PeerIdentity.from(derCertificate: ClusterPKI.der(issued.certificate)) }
        }
    }

    @Test func garbageIsNotACertificate() {
        for bytes: [UInt8] in [[], [0x30], [0x30, 0x03, 0x02, 0x01, 0x01], Array(repeating: 0xFF, count: 64)] {
            let error = #expect(throws: PeerIdentityError.self) { try PeerIdentity.from(derCertificate: bytes) }
            guard case .notACertificate? = error else {
                Issue.record("\(bytes): \(String(describing: error))")
                continue
            }
        }
    }
}
