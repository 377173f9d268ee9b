import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What one scrape connection may cost netmgrd (docs/METRICS.md).
public struct MetricsEndpointLimits: Sendable {
    /// Bytes a connection may send that are not yet answered (its request head, and any
    /// body, which is not read); past this the connection is closed.
    public var maximumRequestBytes = 8 * 1024
    /// Scrape connections at once; more are closed as they come.
    public var maximumConnections = 16
    /// A connection that sends no complete request head for this long (from its opening, or
    /// from its last request) is closed: an idle keep-alive, a slow sender, or a client
    /// that does not read its answer.
    public var idleTimeout: TimeAmount = .seconds(30)

    public init() {}
}

/// netmgrd's Prometheus endpoint: `GET /metrics` on NIOHTTP1 (swift-nio's HTTP/1.1 codec).
/// `render` refreshes what must be read at scrape time and returns the exposition text; it
/// runs wherever it likes and its future is hopped back to the connection's loop.
enum MetricsEndpoint {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    static let path = "/metrics"

    static func bind(host: String, port: Int, group: EventLoopGroup, limits: MetricsEndpointLimits = MetricsEndpointLimits(),
                     render: @escaping @Sendable () -> EventLoopFuture<String>) async throws -> Channel {
        let gate = ConnectionGate(maximum: limits.maximumConnections)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard gate.enter() else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in gate.leave() }
                return channel.eventLoop.makeCompletedFuture {
                    let size = RequestSizeGuard(limit: limits.maximumRequestBytes)
                    try channel.pipeline.syncOperations.addHandler(size)
                    var decoderLimits = NIOHTTPDecoderLimitConfiguration()
                    decoderLimits.maxHeaderFieldSize = limits.maximumRequestBytes
                    decoderLimits.maxHeaderListSize = limits.maximumRequestBytes
                    decoderLimits.maxHeaderFieldCount = 100
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: true,
                        withEncoderConfiguration: HTTPResponseEncoder.Configuration(), withDecoderLimitConfiguration: decoderLimits)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(size: size, idleTimeout: limits.idleTimeout, render: render))
                }
            }
            .bind(host: host, port: port).get()
    }
}

/// Counts the scrape connections open; shared by the listener's child channels (which
/// may be on any loop of the group).
final class ConnectionGate: Sendable {
    private let open = Mutex(0)
    let maximum: Int

    init(maximum: Int) { self.maximum = maximum }

    func enter() -> Bool {
        open.withLock { count in
            guard count < maximum else { return false }
            count += 1
            return true
        }
    }

    func leave() { open.withLock { $0 = max(0, $0 - 1) } }
}

/// In front of the HTTP decoder: closes a connection that sends more than `limit` bytes
/// without getting an answer, so no request head (or unread body) grows without bound.
final class RequestSizeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limit: Int
    private var unanswered = 0

    init(limit: Int) { self.limit = limit }

    /// A request head was taken: what came before it is accounted for.
    func requestTaken() { unanswered = 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytes
        unanswered = unanswered.addingReportingOverflow(bytes).partialValue
        guard unanswered <= limit else {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }
}

/// Answers each request: `GET`/`HEAD /metrics` with the rendered text, 404 for another
/// path, 405 for another method. One answer at a time: it does not ask the channel for more
/// input while an answer is being written, so a client that pipelines requests and does
/// not read its answers cannot make netmgrd buffer without bound.
final class MetricsHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let size: RequestSizeGuard
    private let idleTimeout: TimeAmount
    private let render: @Sendable () -> EventLoopFuture<String>
    private var idle: Scheduled<Void>?
    /// The request whose `.end` will be answered; nil once answered (a request with a body
    /// is answered at its head, and its body ignored).
    private var request: HTTPRequestHead?
    private var answering = false
    private var readPending = false

    init(size: RequestSizeGuard, idleTimeout: TimeAmount, render: @escaping @Sendable () -> EventLoopFuture<String>) {
        self.size = size
        self.idleTimeout = idleTimeout
        self.render = render
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armIdle(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armIdle(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idle?.cancel()
        idle = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            size.requestTaken()
            idle?.cancel()
            idle = nil
            if Self.hasBody(head) {
                // Not read: answered now, and the connection closes after the answer.
                answer(head, keepAlive: false, context: context)
            } else {
                request = head
            }
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            answer(head, keepAlive: head.isKeepAlive, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        guard !answering else {
            readPending = true
            return
        }
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // HTTPServerProtocolErrorHandler answered a bad request with 400; anything else ends the connection.
        context.close(promise: nil)
    }

    static func hasBody(_ head: HTTPRequestHead) -> Bool {
        if head.headers.contains(name: "transfer-encoding") { return true }
        return head.headers["content-length"].contains { Int($0.trimmingCharacters(in: .whitespaces)).map { $0 > 0 } ?? true }
    }

    private func answer(_ head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        answering = true
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard path == MetricsEndpoint.path else {
            return respond(.notFound, body: "not found: netmgrd serves \(MetricsEndpoint.path) only\n", head: head, keepAlive: keepAlive, context: context)
        }
        guard head.method == .GET || head.method == .HEAD else {
            return respond(.methodNotAllowed, body: "method \(head.method.rawValue) not allowed: use GET\n", extra: [("Allow", "GET, HEAD")],
                           head: head, keepAlive: keepAlive, context: context)
        }
        render().hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let text):
                self.respond(.ok, body: text, contentType: MetricsEndpoint.contentType, head: head, keepAlive: keepAlive, context: context)
            case .failure(let error):
                self.respond(.serviceUnavailable, body: "metrics unavailable: \(error)\n", head: head, keepAlive: false, context: context)
            }
        }
    }

    private func respond(_ status: HTTPResponseStatus, body: String, contentType: String = "text/plain; charset=utf-8",
                         extra: [(String, String)] = [], head request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let buffer = context.channel.allocator.buffer(string: body)
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(buffer.readableBytes))])
        headers.add(contentsOf: extra)
        var response = HTTPResponseHead(version: request.version, status: status, headers: headers)
        response.headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        // The next request has `idleTimeout` to arrive, counted from now: also when this
        // answer is never read.
        armIdle(context)
        written.futureResult.assumeIsolated().whenComplete { result in
            self.answering = false
            if case .failure = result { context.close(promise: nil); return }
            if !keepAlive {
                context.close(promise: nil)
            } else if self.readPending {
                self.readPending = false
                context.read()
            }
        }
    }

    private func armIdle(_ context: ChannelHandlerContext) {
        idle?.cancel()
        let channel = context.channel
        idle = context.eventLoop.scheduleTask(in: idleTimeout) { channel.close(promise: nil) }
    }
}
