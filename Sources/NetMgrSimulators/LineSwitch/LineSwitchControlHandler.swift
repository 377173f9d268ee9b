import NIOCore

/// A control connection: text lines in (LF or CRLF), reply lines out. Requests longer than
/// `maximumLineLength` are answered `ERR line-too-long` and the connection is closed.
final class LineSwitchControlHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    static let maximumLineLength = 1024

    let core: NIOLoopBound<LineSwitchCore>
    private var pending: [UInt8] = []

    init(core: NIOLoopBound<LineSwitchCore>) {
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += unwrapInboundIn(data).readableBytesView
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var bytes = pending[..<newline]
            pending.removeSubrange(...newline)
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            let text = String(decoding: bytes, as: UTF8.self)
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let (reply, close) = core.value.control(text, from: context.channel.remoteAddress?.description ?? "?")
            write(reply, context: context)
            if close {
                context.close(promise: nil)
                return
            }
        }
        if pending.count > Self.maximumLineLength {
            let error = LineSwitchControlError(.lineTooLong, "request longer than \(Self.maximumLineLength) bytes without a line end; closing")
            write([error.reply], context: context)
            pending = []
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func write(_ lines: [String], context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        for line in lines {
            buffer.writeString(line)
            buffer.writeString("\r\n")
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
