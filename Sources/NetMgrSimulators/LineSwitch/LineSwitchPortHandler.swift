import NIOCore

/// One TCP connection on a line port (the host side, or a node's port): hands its bytes to
/// the core, which decides where they go.
final class LineSwitchPortHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let core: NIOLoopBound<LineSwitchCore>
    let role: LineSwitchCore.PortRole

    init(core: NIOLoopBound<LineSwitchCore>, role: LineSwitchCore.PortRole) {
        self.core = core
        self.role = role
    }

    func channelActive(context: ChannelHandlerContext) {
        core.value.connected(role, channel: context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        core.value.received(unwrapInboundIn(data), from: role)
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.value.disconnected(role, channel: context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)  // a reset peer: the cable was pulled
    }
}
