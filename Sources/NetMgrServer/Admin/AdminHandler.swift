import Foundation
import NIOCore
import NetMgrProtocol

/// One admin connection: JSON requests, one per line, each answered by one JSON line.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: Router
    private let metricsText: () -> String
    private var pending = ByteBuffer()
    private static let maximumLine = 64 * 1024

    init(router: Router, metricsText: @escaping () -> String) {
        self.router = router
        self.metricsText = metricsText
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending.readSlice(length: newline - pending.readerIndex + 1)!
            handle(line: line, context: context)
        }
        if pending.readableBytes > Self.maximumLine {
            reply(AdminResponse(ok: false, error: "request longer than \(Self.maximumLine) bytes", node: router.node.name), context: context)
            context.close(promise: nil)
        }
    }

    private func handle(line: ByteBuffer, context: ChannelHandlerContext) {
        let request: AdminRequest
        do {
            request = try JSONDecoder().decode(AdminRequest.self, from: Data(line.readableBytesView))
        } catch {
            reply(AdminResponse(ok: false, error: "bad admin request: \(error)", node: router.node.name), context: context)
            return
        }
        // Answered on this channel's loop, where this handler and its context live.
        router.handle(request, metricsText: metricsText).hop(to: context.eventLoop).assumeIsolated().whenSuccess { response in
            self.reply(response, context: context)
        }
    }

    private func reply(_ response: AdminResponse, context: ChannelHandlerContext) {
        guard context.channel.isActive, var data = try? JSONEncoder().encode(response) else { return }
        data.append(UInt8(ascii: "\n"))
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: data)), promise: nil)
    }
}
