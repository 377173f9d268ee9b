import NIOCore
import NIOSSL
import NIOTLS
import NetMgrProtocol
import NetMgrSecurity

/// Decodes client frames on one LAN connection and hands them to the router.
///
/// On a TLS connection (`awaitsTLS`) no frame reaches the router before the handshake
/// has completed and the connection's identity is set from the peer's certificate: frames
/// that arrived earlier (NIOSSL delivers none before its handshake event, but nothing here
/// relies on that) wait, a few at most, and are handed over in order right after.
final class LANServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// Frames held while the identity is not known; more than this is a protocol error.
    static let framesBeforeIdentity = 4

    private let router: Router
    private var connection: ClientConnection?
    private var awaitsIdentity: Bool
    private var early: [ByteBuffer] = []

    init(router: Router, awaitsTLS: Bool = false) {
        self.router = router
        self.awaitsIdentity = awaitsTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        let connection = ClientConnection(channel: context.channel)
        connection.awaitingTLS = awaitsIdentity
        self.connection = connection
        router.connectionOpened(connection)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection else { return }
        let frame = unwrapInboundIn(data)
        guard !awaitsIdentity else {
            guard early.count < Self.framesBeforeIdentity else {
                early.removeAll()
                router.protocolError(connection, LANProtocolError("more than \(Self.framesBeforeIdentity) frames before the TLS handshake completed"))
                return
            }
            early.append(frame)
            return
        }
        handle(frame, from: connection)
    }

    private func handle(_ frame: ByteBuffer, from connection: ClientConnection) {
        var frame = frame
        do {
            let message = try ClientMessage.decode(frame: &frame)
            router.received(message, from: connection)
        } catch {
            router.protocolError(connection, error)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, awaitsIdentity, let connection {
            identify(connection, context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Sets the connection's identity from the peer's certificate, then hands over what waited.
    private func identify(_ connection: ClientConnection, context: ChannelHandlerContext) {
        let identity: PeerIdentity
        do {
            identity = try context.pipeline.syncOperations.peerIdentity()
        } catch {
            router.tlsFailed(connection, reason: "\(error)")
            return
        }
        connection.identity = ConnectionIdentity(identity)
        connection.awaitingTLS = false
        awaitsIdentity = false
        router.connectionIdentified(connection)
        let waiting = early
        early.removeAll()
        for frame in waiting where !connection.isClosed { handle(frame, from: connection) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let connection { router.connectionWritabilityChanged(connection) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { router.connectionClosed(connection) }
        connection = nil
        early.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let connection, error is LANProtocolError || error is ByteToMessageDecoderError {
            router.protocolError(connection, error)
        } else if let connection, connection.awaitingTLS, error is NIOSSLError || error is BoringSSLError {
            // In the handshake: a refusal worth a log line. Later (a client that vanished
            // without ending TLS) it is only a closed connection.
            router.tlsFailed(connection, reason: TLSErrorText.describe(error))
        } else {
            context.close(promise: nil)
        }
    }
}

extension ConnectionIdentity {
    /// The identity a certificate gives a LAN connection.
    init(_ peer: PeerIdentity) {
        switch peer {
        case .node(let name): self = .node(name)
        case .application(let name): self = .application(name)
        }
    }
}
