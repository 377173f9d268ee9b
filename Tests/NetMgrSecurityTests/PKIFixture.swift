import Foundation
import NetMgrTestSupport
import X509
@testable import NetMgrSecurity

/// A CA, two nodes and a client written to a temporary directory the way `netmgr pki` writes them.
final class PKIFixture: Sendable {
    let directory: TemporaryDirectory
    let authority: CertificateAuthority

    init(cluster: String = "test") throws {
        directory = try TemporaryDirectory(prefix: "netmgr-pki")
        authority = try ClusterPKI.makeAuthority(cluster: cluster)
        try PKIFile.write(ClusterPKI.pem(authority.certificate), to: caPath, mode: PKIFile.publicMode)
        try PKIFile.write(authority.privateKey.serializeAsPEM().pemString, to: directory.file("ca-key.pem"), mode: PKIFile.secretMode)
    }

    var caPath: String { directory.file("ca.pem") }
    func certificatePath(_ name: String) -> String { directory.file("\(name).pem") }
    func keyPath(_ name: String) -> String { directory.file("\(name)-key.pem") }

    /// Writes `name.pem` and `name-key.pem` and returns them loaded as TLS material.
    @discardableResult
    func write(_ issued: IssuedCertificate, as name: String) throws -> TLSMaterial {
        try PKIFile.write(issued.certificatePEM(), to: certificatePath(name), mode: PKIFile.publicMode)
        try PKIFile.write(issued.privateKeyPEM(), to: keyPath(name), mode: PKIFile.secretMode)
        return try material(name)
    }

    func node(_ name: String, hosts: [String] = ["127.0.72.1"]) throws -> TLSMaterial {
        try write(ClusterPKI.issueNode(name: name, hosts: hosts, by: authority), as: name)
    }

    func client(_ name: String) throws -> TLSMaterial {
        try write(ClusterPKI.issueClient(name: name, by: authority), as: name)
    }

    func material(_ name: String) throws -> TLSMaterial {
        try TLSMaterial.load(caPath: caPath, certificatePath: certificatePath(name), keyPath: keyPath(name))
    }
}
