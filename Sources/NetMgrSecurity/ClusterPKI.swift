import Crypto
import Glibc
import Foundation
import SwiftASN1
import X509

/// A certificate authority: its certificate and the key that signs what it issues.
public struct CertificateAuthority: Sendable {
    public var certificate: Certificate
    public var privateKey: Certificate.PrivateKey

    public init(certificate: Certificate, privateKey: Certificate.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }
}

/// A certificate with its new private key.
public struct IssuedCertificate: Sendable {
    public var certificate: Certificate
    public var privateKey: Certificate.PrivateKey

    /// The certificate as one PEM block.
    public func certificatePEM() throws -> String { try ClusterPKI.pem(certificate) }
    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public func privateKeyPEM() throws -> String { try privateKey.serializeAsPEM().pemString }
}

/// The cluster's own PKI, made with swift-certificates: a P-256 CA (10 years), node
/// certificates and client certificates (2 years). Identities are carried as URI SANs
/// (`netmgr:node:NAME`, `netmgr:client:NAME`, see `PeerIdentity`).
public enum ClusterPKI {
    public static let authorityValidity: TimeInterval = 10 * 365 * 86_400
    public static let leafValidity: TimeInterval = 2 * 365 * 86_400
    /// Certificates start this much before `now`: the nodes' clocks may differ a little.
    public static let backdating: TimeInterval = 300
    /// Bytes of a generated shared secret (the line switch key).
    public static let secretKeyBytes = 32

    /// A new self-signed CA, `CN=netmgr CA <cluster>`, that may sign leaf certificates only.
    public static func makeAuthority(cluster: String, now: Date = Date()) throws -> CertificateAuthority {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName {
            OrganizationName("netmgr")
            CommonName("netmgr CA \(cluster)")
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: key.publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now - backdating, notValidAfter: now + authorityValidity,
            issuer: name, subject: name, signatureAlgorithm: signatureAlgorithm(for: key),
            extensions: extensions, issuerPrivateKey: key)
        return CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// A node certificate: CN NAME, URI SAN `netmgr:node:NAME`, DNS SAN NAME, an IP SAN for each
    /// address in `hosts` (a host that is not an address literal becomes a DNS SAN);
    /// EKU serverAuth and clientAuth (a node is a server to clients and a client to its peer).
    /// `dnsNamesForAddresses`: each address in it also as a DNS SAN of its text, for TLS clients
    /// that match a host given as an address against DNS names only (x3270/s3270/pr3287 4.1).
    public static func issueNode(name: String, hosts: [String], dnsNamesForAddresses: [String] = [], by authority: CertificateAuthority,
                                 now: Date = Date()) throws -> IssuedCertificate {
        var names: [GeneralName] = [.uniformResourceIdentifier(PeerIdentity.nodeURIPrefix + name), .dnsName(name)]
        for host in hosts {
            let entry: GeneralName = ipAddressBytes(host).map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) } ?? .dnsName(host)
            if !names.contains(entry) { names.append(entry) }
        }
        for address in dnsNamesForAddresses where !names.contains(.dnsName(address)) { names.append(.dnsName(address)) }
        return try issue(commonName: name, names: names, usages: [.serverAuth, .clientAuth], by: authority, now: now)
    }

    /// A client (application) certificate: CN NAME, URI SAN `netmgr:client:NAME`, EKU clientAuth.
    public static func issueClient(name: String, by authority: CertificateAuthority, now: Date = Date()) throws -> IssuedCertificate {
        try issue(commonName: name, names: [.uniformResourceIdentifier(PeerIdentity.clientURIPrefix + name)],
                  usages: [.clientAuth], by: authority, now: now)
    }

    static func issue(commonName: String, names: [GeneralName], usages: [ExtendedKeyUsage.Usage],
                      by authority: CertificateAuthority, now: Date) throws -> IssuedCertificate {
        _ = try PeerIdentity.checked(commonName, source: commonName)
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName { CommonName(commonName) }
        let authorityKeyID = try authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: authority.certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage(usages)
            SubjectAlternativeNames(names)
            SubjectKeyIdentifier(hash: key.publicKey)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
        }
        // A leaf never outlives its CA.
        let notAfter = min(now + leafValidity, authority.certificate.notValidAfter)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now - backdating, notValidAfter: notAfter,
            issuer: authority.certificate.subject, subject: subject,
            signatureAlgorithm: signatureAlgorithm(for: authority.privateKey),
            extensions: extensions, issuerPrivateKey: authority.privateKey)
        return IssuedCertificate(certificate: certificate, privateKey: key)
    }

    /// A new random shared secret (`secretKeyBytes` bytes from the system's CSPRNG).
    public static func makeSecretKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<secretKeyBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A certificate as a PEM block.
    public static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString
    }

    /// The DER bytes of a certificate.
    public static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// Loads a CA from its certificate (PEM, first block) and its key (PEM, through `SecretFile`).
    public static func loadAuthority(certificatePath: String, keyPath: String) throws -> CertificateAuthority {
        let certificates = try TLSMaterial.certificates(at: certificatePath, what: "CA certificate")
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: certificates[0].toDERBytes())
        } catch {
            throw TLSMaterialError(path: certificatePath, problem: "the CA certificate cannot be decoded (\(error))")
        }
        let keyBytes: [UInt8]
        do throws(SecretFileError) {
            keyBytes = try SecretFile.read(path: keyPath, what: "CA private key")
        } catch {
            throw TLSMaterialError(path: keyPath, problem: error.description, prefixed: true)
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: String(decoding: keyBytes, as: UTF8.self))
        } catch {
            throw TLSMaterialError(path: keyPath, problem: "is not a PEM private key (\(error))")
        }
        guard key.publicKey == certificate.publicKey else {
            throw TLSMaterialError(path: keyPath, problem: "is not the private key of the CA certificate in \(certificatePath)")
        }
        return CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Where a certificate's key goes by default: `pki/ca.pem` → `pki/ca-key.pem`.
    public static func keyPath(forCertificate path: String) -> String {
        (path.hasSuffix(".pem") ? String(path.dropLast(4)) : path) + "-key.pem"
    }

    static func signatureAlgorithm(for key: Certificate.PrivateKey) throws -> Certificate.SignatureAlgorithm {
        let supported = key.supportedSignatureAlgorithms
        for preferred in [Certificate.SignatureAlgorithm.ecdsaWithSHA256, .sha256WithRSAEncryption, .ed25519] where supported.contains(preferred) {
            return preferred
        }
        guard let first = supported.first else { throw PKIFileError(path: "(CA key)", problem: "the CA key type can sign nothing") }
        return first
    }

    /// The 4 or 16 bytes of an IPv4/IPv6 literal, nil for anything else.
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
