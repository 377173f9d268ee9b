import Foundation
import NIOCore
import NIOSSL
import NetMgrCore
import NetMgrSecurity

/// TLS toward the host for one TnETOS resource (`resources[].tls`): the client context
/// that verifies the host's certificate against the configured CA only (never the system
/// store), with the optional client certificate, and the name the certificate must carry.
struct HostTLSClient {
    let mode: HostTLSMode
    let context: NIOSSLContext
    /// SNI and the name check; nil checks the connected address against the certificate's
    /// IP address SANs (the host is named by an address).
    let serverHostname: String?
    /// The name checked, for log lines.
    let expectedName: String
    let caPath: String

    /// Reads the files and builds the context. Errors name the file and what is wrong.
    init(_ tls: ResourceTLS, host: Endpoint) throws(HostTLSError) {
        let name = tls.serverName ?? host.host
        mode = tls.mode
        expectedName = name
        caPath = tls.caPath
        serverHostname = IPAddress(name) == nil ? name : nil
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        configuration.trustRoots = .certificates(try Self.certificates(tls.caPath, what: "CA certificate"))
        configuration.additionalTrustRoots = []
        if let certificatePath = tls.certificatePath, let keyPath = tls.keyPath {
            configuration.certificateChain = try Self.certificates(certificatePath, what: "client certificate").map { .certificate($0) }
            configuration.privateKey = .privateKey(try Self.privateKey(keyPath))
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw HostTLSError("cannot make the TLS context from \(tls.certificatePath.map { "\($0) and \(tls.keyPath ?? "?")" } ?? tls.caPath): \(error)")
        }
    }

    func makeHandler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
    }

    /// "direct TLS" / "STARTTLS", for log lines.
    var modeDescription: String { mode == .direct ? "direct TLS" : "STARTTLS" }

    /// A TLS failure as an operator reads it: what did not verify, against what.
    func describe(_ error: Error) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the host's certificate does not verify against the CA in \(caPath) (CERTIFICATE_VERIFY_FAILED)"
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the host's certificate does not name \(expectedName) (\(serverHostname == nil ? "no IP address SAN for it" : "no matching DNS SAN"); set tls.server-name to the name it carries)"
        }
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
            return "the host closed the connection during the TLS handshake (does it speak TLS on this port?)"
        }
        return text
    }

    private static func certificates(_ path: String, what: String) throws(HostTLSError) -> [NIOSSLCertificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HostTLSError("\(path): cannot read the \(what)")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(data))
        } catch {
            throw HostTLSError("\(path): is not a PEM \(what) (\(error))")
        }
        guard !certificates.isEmpty else { throw HostTLSError("\(path): holds no PEM \(what) (no -----BEGIN CERTIFICATE----- block)") }
        return certificates
    }

    private static func privateKey(_ path: String) throws(HostTLSError) -> NIOSSLPrivateKey {
        let bytes: [UInt8]
        do {
            // Refused when group or others may read it (mode 0600 or 0400 only).
            bytes = try SecretFile.read(path: path, what: "private key")
        } catch {
            throw HostTLSError(error.description)
        }
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw HostTLSError("\(path): is not a PEM private key (\(error))")
        }
    }
}

struct HostTLSError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

