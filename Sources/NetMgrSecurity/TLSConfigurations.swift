import NIOCore
import NIOSSL

/// The cluster's TLS settings: TLS 1.2 at least, both ends present certificates, and each
/// end verifies the other's chain against the cluster CA only (never the system store).
/// Host names are not checked: the caller checks the peer's `PeerIdentity` after the handshake.
public enum TLSConfigurations {
    /// A server's configuration: presents `material`'s chain and REQUIRES a client certificate
    /// that verifies against `material.caCertificates`.
    public static func serverConfiguration(_ material: TLSMaterial) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: material.certificateChain.map { .certificate($0) },
            privateKey: .privateKey(material.privateKey)
        )
        restrict(&configuration, to: material)
        return configuration
    }

    /// A client's configuration: verifies the server's chain against `material.caCertificates`
    /// and presents `material`'s chain.
    public static func clientConfiguration(_ material: TLSMaterial) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = material.certificateChain.map { .certificate($0) }
        configuration.privateKey = .privateKey(material.privateKey)
        restrict(&configuration, to: material)
        return configuration
    }

    /// The server context (one per listener; thread-safe, shared by every connection).
    public static func server(_ material: TLSMaterial) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: serverConfiguration(material))
    }

    /// The client context. Use it with `NIOSSLClientHandler(context:serverHostname: nil)`.
    public static func client(_ material: TLSMaterial) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: clientConfiguration(material))
    }

    private static func restrict(_ configuration: inout TLSConfiguration, to material: TLSMaterial) {
        configuration.minimumTLSVersion = .tlsv12
        // .noHostnameVerification: the chain is verified and a peer certificate is required.
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates(material.caCertificates)
        configuration.additionalTrustRoots = []
    }
}

extension PeerIdentity {
    /// The identity of the peer certificate a `NIOSSLHandler` verified. Call on the channel's
    /// event loop after the handshake (`TLSUserEvent.handshakeCompleted`).
    public static func of(_ handler: NIOSSLHandler) throws(PeerIdentityError) -> PeerIdentity {
        guard let certificate = handler.peerCertificate else { throw PeerIdentityError.noPeerCertificate }
        return try of(certificate)
    }

    /// The identity of a NIOSSL certificate.
    public static func of(_ certificate: NIOSSLCertificate) throws(PeerIdentityError) -> PeerIdentity {
        let der: [UInt8]
        do {
            der = try certificate.toDERBytes()
        } catch {
            throw PeerIdentityError.notACertificate(String(describing: error))
        }
        return try from(derCertificate: der)
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// The peer's identity from the pipeline's `NIOSSLHandler` (on the event loop, after the handshake).
    public func peerIdentity() throws -> PeerIdentity {
        let handler: NIOSSLHandler
        do {
            handler = try self.handler(type: NIOSSLHandler.self)
        } catch {
            throw PeerIdentityError.noPeerCertificate
        }
        return try PeerIdentity.of(handler)
    }
}

extension Channel {
    /// The peer's identity from the channel's `NIOSSLHandler`, after the handshake, from any thread.
    public func peerIdentity() -> EventLoopFuture<PeerIdentity> {
        self.eventLoop.submit { try self.pipeline.syncOperations.peerIdentity() }
    }
}
