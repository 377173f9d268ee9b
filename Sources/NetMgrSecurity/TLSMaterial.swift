import Glibc
import NIOSSL
import X509

/// What one end of a TLS connection needs: the CA certificate(s) it trusts, its own
/// certificate chain (leaf first) and the leaf's private key.
public struct TLSMaterial: Sendable {
    public var caCertificates: [NIOSSLCertificate]
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey

    public init(caCertificates: [NIOSSLCertificate], certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey) {
        self.caCertificates = caCertificates
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// Loads PEM files: the CA certificate(s) at `caPath`, the chain at `certificatePath`, the key
    /// at `keyPath` through `SecretFile` (so a key readable by others is refused). Checks that
    /// the key belongs to the chain's first certificate. Errors name the file and what it should hold.
    public static func load(caPath: String, certificatePath: String, keyPath: String) throws(TLSMaterialError) -> TLSMaterial {
        let ca = try certificates(at: caPath, what: "CA certificate")
        let chain = try certificates(at: certificatePath, what: "certificate")
        let keyBytes: [UInt8]
        do throws(SecretFileError) {
            keyBytes = try SecretFile.read(path: keyPath)
        } catch {
            throw TLSMaterialError(path: keyPath, problem: error.description, prefixed: true)
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw TLSMaterialError(path: keyPath, problem: "is not a PEM private key (\(error))")
        }
        // The key must belong to the leaf; NIOSSL would only say "failed to load private key" later.
        if let text = String(validating: keyBytes, as: UTF8.self),
           let parsedKey = try? Certificate.PrivateKey(pemEncoded: text),
           let leaf = try? Certificate(derEncoded: chain[0].toDERBytes()),
           parsedKey.publicKey != leaf.publicKey {
            throw TLSMaterialError(path: keyPath, problem: "is not the private key of the certificate in \(certificatePath)")
        }
        return TLSMaterial(caCertificates: ca, certificateChain: chain, privateKey: key)
    }

    /// Every certificate of a PEM file, at least one.
    public static func certificates(at path: String, what: String) throws(TLSMaterialError) -> [NIOSSLCertificate] {
        let bytes: [UInt8]
        do throws(PlainFile.Failure) {
            bytes = try PlainFile.read(path: path, limit: SecretFile.sizeLimit) { (_: stat) throws(Never) in }.get()
        } catch {
            throw TLSMaterialError(path: path, problem: "cannot read the \(what): \(error.reason(limit: SecretFile.sizeLimit))")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw TLSMaterialError(path: path, problem: "is not a PEM \(what) (\(error))")
        }
        guard !certificates.isEmpty else {
            throw TLSMaterialError(path: path, problem: "holds no PEM \(what) (no -----BEGIN CERTIFICATE----- block)")
        }
        return certificates
    }
}

/// A TLS file that could not be used: which file and what is wrong with it.
public struct TLSMaterialError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String
    /// `problem` already starts with the path (SecretFile's messages do).
    var prefixed = false

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    init(path: String, problem: String, prefixed: Bool) {
        self.path = path
        self.problem = problem
        self.prefixed = prefixed
    }

    public var description: String { prefixed ? problem : "\(path): \(problem)" }
}
