import NIOCore
import NIOSSL

/// TLS on the simulated host, as a z/OS TN3270 server does it: a listener that speaks TLS
/// from the first byte (the port-992 style), and/or telnet STARTTLS offered on the plain
/// listener (draft-altman-telnet-starttls; a client that refuses goes on in plaintext).
public struct TN3270HostTLS: Sendable {
    /// The server context: the host's certificate chain and key, and, when client
    /// certificates are required, the CA they must verify against.
    public var context: NIOSSLContext
    /// Where the direct-TLS listener is; port 0 picks a free one. Nil: none.
    public var directHost: String?
    public var directPort: Int
    /// Offer STARTTLS (IAC DO START_TLS) on the plain listener.
    public var offersStartTLS: Bool

    public init(context: NIOSSLContext, directHost: String? = nil, directPort: Int = 0, offersStartTLS: Bool = false) {
        self.context = context
        self.directHost = directHost
        self.directPort = directPort
        self.offersStartTLS = offersStartTLS
    }

    /// A server context from PEM files: `certificatePath` (chain, leaf first) and `keyPath`;
    /// with `clientCAPath`, clients must present a certificate that verifies against it.
    public static func context(certificatePath: String, keyPath: String, clientCAPath: String? = nil) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TN3270HostError.tls("\(certificatePath): cannot read the host certificate (PEM): \(error)")
        }
        guard !chain.isEmpty else { throw TN3270HostError.tls("\(certificatePath): holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TN3270HostError.tls("\(keyPath): cannot read the host's private key (PEM): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAPath {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCAPath))
            } catch {
                throw TN3270HostError.tls("\(clientCAPath): cannot read the client CA certificate (PEM): \(error)")
            }
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TN3270HostError.tls("\(certificatePath) and \(keyPath) do not make a TLS server context: \(error)")
        }
    }
}
