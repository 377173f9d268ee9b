import NIOCore
import NIOPosix
import NetMgrCore

/// Asks the line switch device to connect a line to this node, as CLUSTERPRO does when it
/// activates a group: one `SWITCH "COMn Unitm Linek" NODE EPOCH n` request on the switch's
/// control interface, one reply line (`OK ...` or `ERR code message`). With the switch's
/// key (`signer`) the request carries TIME, NONCE and MAC (docs/LINE-SWITCH.md).
enum LineSwitchClient {
    struct Refused: Error, CustomStringConvertible {
        var control: Endpoint
        var request: String
        var reply: String
        var description: String { "line switch at \(control) refused \(request): \(reply)" }
    }

    struct Unreachable: Error, CustomStringConvertible {
        var control: Endpoint
        var reason: String
        var description: String { "line switch at \(control): \(reason)" }
    }

    static func request(_ unit: LineSwitchUnit, to node: String, epoch: UInt64, control: Endpoint, signer: LineSwitchSigner? = nil,
                        on loop: any EventLoop, timeout: TimeAmount = .seconds(5)) -> EventLoopFuture<String> {
        // Errors and logs show the request without its MAC.
        let text = LineSwitchSigner.request(unit, node: node, epoch: epoch)
        let line = signer?.sign(unit, node: node, epoch: epoch) ?? text
        let reply = loop.makePromise(of: String.self)
        let timer = loop.scheduleTask(in: timeout) {
            reply.fail(Unreachable(control: control, reason: "no answer to \(text) within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplyReader(reply: reply))
                }
            }
            .connect(host: control.host, port: control.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
                    buffer.writeString(line + "\r\n")
                    channel.writeAndFlush(buffer, promise: nil)
                    reply.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    reply.fail(Unreachable(control: control, reason: "cannot connect: \(error)"))
                }
            }
        return reply.futureResult.flatMapThrowing { line in
            timer.cancel()
            guard line.hasPrefix("OK") else { throw Refused(control: control, request: text, reply: line) }
            return line
        }.flatMapErrorThrowing { error in
            timer.cancel()
            throw error
        }
    }

    /// Collects bytes up to the first line end and completes the promise with that line.
    final class ReplyReader: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let reply: EventLoopPromise<String>
        private var bytes: [UInt8] = []
        private var done = false

        init(reply: EventLoopPromise<String>) { self.reply = reply }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !done else { return }
            bytes += unwrapInboundIn(data).readableBytesView
            if let end = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                done = true
                var line = bytes[..<end]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                reply.succeed(String(decoding: line, as: UTF8.self))
            } else if bytes.count > 4096 {
                done = true
                reply.fail(LineSwitchClient.Unreachable(control: Endpoint(host: "?", port: 0), reason: "reply longer than 4096 bytes"))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !done {
                done = true
                reply.fail(ChannelError.eof)
            }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if !done {
                done = true
                reply.fail(error)
            }
            context.close(promise: nil)
        }
    }
}
