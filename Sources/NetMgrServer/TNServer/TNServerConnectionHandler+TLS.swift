import NIOCore
import NIOSSL
import NIOTLS
import TN3270

/// STARTTLS on a plaintext TN server connection (issue 15 part 3): the machine offers it first
/// (DO START_TLS) when `cluster.tn-server.starttls: offer`; once both FOLLOWS are exchanged a
/// TLS server handler goes in front and telnet starts over inside TLS. The TLS handshake runs
/// under the connection's negotiation deadline (`negotiation-timeout`, from accept to a bound
/// session), so a client that stalls in it is closed like one that stalls in telnet.
extension TNServerConnectionHandler {
    func startTLS(handing bytes: ByteBuffer, _ context: ChannelHandlerContext) {
        guard let tls = startTLSContext else {
            logger.notice("TN server: closing \(what): STARTTLS is not offered")
            close(context)
            return
        }
        // Our FOLLOWS went out (flushed) in the clear before this; what follows is TLS.
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
        } catch {
            logger.error("TN server: closing \(what): cannot start TLS: \(error)")
            close(context)
            return
        }
        logger.debug("TN server: \(what): STARTTLS, TLS handshake")
        if bytes.readableBytes > 0 { context.pipeline.syncOperations.fireChannelRead(NIOAny(bytes)) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let protocolName) = event {
            if case .startTLS = machine.phase {
                logger.info("TN server: \(what): STARTTLS handshake completed\(protocolName.map { " (ALPN \($0))" } ?? ""); negotiating inside TLS")
                do {
                    perform(try machine.tlsEstablished(), context)
                } catch {
                    logger.error("TN server: closing \(what): \(error)")
                    close(context)
                }
            } else {
                logger.debug("TN server: \(what): TLS handshake completed")
            }
        }
        context.fireUserInboundEventTriggered(event)
    }
}
