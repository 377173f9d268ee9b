import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import NetMgrSecurity
import Synchronization

struct ClosedWithoutAnswer: Error {}
struct NoAnswerInTime: Error {}

/// Server side of the handshake tests: after the handshake, writes the client's identity
/// ("node node-b", "application payroll") as one line and closes. Records handshake errors.
final class IdentityAnnouncer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let errors: ServerErrors

    init(errors: ServerErrors) { self.errors = errors }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            let text: String
            do {
                text = try context.pipeline.syncOperations.peerIdentity().description
            } catch {
                text = "no identity: \(error)"
            }
            let buffer = context.channel.allocator.buffer(string: text + "\n")
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.record(error)
        context.close(promise: nil)
    }
}

final class ServerErrors: Sendable {
    private let list = Mutex<[String]>([])
    func record(_ error: any Error) { list.withLock { $0.append(String(describing: error)) } }
    var all: [String] { list.withLock { $0 } }
}

/// Client side: the first line the server sends, or the error that ended the connection.
final class LineReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let promise: EventLoopPromise<String>
    var received = ""
    var done = false

    init(promise: EventLoopPromise<String>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readString(length: buffer.readableBytes) ?? ""
        if let newline = received.firstIndex(of: "\n"), !done {
            done = true
            promise.succeed(String(received[..<newline]))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { done = true; promise.fail(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { done = true; promise.fail(ClosedWithoutAnswer()) }
        context.fireChannelInactive()
    }
}

/// A TLS server on `host` (an address of the test block 127.0.72.0/24) announcing identities.
struct AnnouncingServer {
    let channel: any Channel
    let errors: ServerErrors
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(_ context: NIOSSLContext, host: String, group: any EventLoopGroup) async throws -> AnnouncingServer {
        let errors = ServerErrors()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(IdentityAnnouncer(errors: errors))
                }
            }
            .bind(host: host, port: 0).get()
        return AnnouncingServer(channel: channel, errors: errors)
    }

    func stop() async { try? await channel.close() }
}

/// Connects with `context` and returns the server's line; throws when the handshake fails.
/// The whole exchange has a 10 s deadline.
func exchange(_ context: NIOSSLContext, host: String, port: Int, group: any EventLoopGroup) async throws -> String {
    let loop = group.next()
    let promise = loop.makePromise(of: String.self)
    let deadline = loop.scheduleTask(in: .seconds(10)) { promise.fail(NoAnswerInTime()) }
    defer { deadline.cancel() }
    do {
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(LineReader(promise: promise))
                }
            }
            .connect(host: host, port: port).get()
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    } catch {
        promise.fail(error)
        throw error
    }
}
