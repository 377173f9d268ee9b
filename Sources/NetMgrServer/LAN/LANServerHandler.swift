import NIOCore
import NetMgrProtocol

/// Decodes client frames on one LAN connection and hands them to the router.
final class LANServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let router: Router
    private var connection: ClientConnection?

    init(router: Router) {
        self.router = router
    }

    func channelActive(context: ChannelHandlerContext) {
        let connection = ClientConnection(channel: context.channel)
        self.connection = connection
        router.connectionOpened(connection)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection else { return }
        var frame = unwrapInboundIn(data)
        do {
            let message = try ClientMessage.decode(frame: &frame)
            router.received(message, from: connection)
        } catch {
            router.protocolError(connection, error)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let connection { router.connectionWritabilityChanged(connection) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { router.connectionClosed(connection) }
        connection = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let connection, error is LANProtocolError || error is ByteToMessageDecoderError {
            router.protocolError(connection, error)
        } else {
            context.close(promise: nil)
        }
    }
}
