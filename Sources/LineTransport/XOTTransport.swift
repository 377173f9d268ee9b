import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import X25

/// What an XOT connection reports to its owner, on the connection's event loop.
public enum XOTEvent: Sendable {
    /// One X.25 packet's bytes, undecoded (the owner reports X.25 errors per packet).
    case packet(ByteBuffer)
    /// The connection closed: the peer went away (nil), an I/O error, or a broken XOT
    /// header (`XOTFramingError`), after which the stream cannot be trusted.
    case closed((any Error)?)
}

/// X.25 over TCP (RFC 1613): the packet layer to a router or the host simulator's XOT
/// listener, no LAPB and no line switch. Each packet goes with a 4-byte header (version 0,
/// length), the stream is decoded by `XOTFrameDecoder` with its bounded packet length.
public struct XOTTransport: Sendable {
    public let host: String
    public let port: Int
    public let connectTimeout: TimeAmount
    let logger: Logger

    public init(host: String, port: Int, connectTimeout: TimeAmount = .seconds(3), logger: Logger) {
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    public var device: LineDevice { .xot(host: host, port: port) }

    public func open(on loop: any EventLoop, events: @escaping @Sendable (XOTEvent) -> Void) -> EventLoopFuture<XOTConnection> {
        let device = self.device
        let counters = NIOLockedValueBox(LineCounters())
        let logger = self.logger
        return ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try XOTHandlers.install(on: channel, counters: counters, logger: logger, events: events)
                }
            }
            .connect(host: host, port: port)
            .map { XOTConnection(device: device, channel: $0, counters: counters) }
            .flatMapErrorThrowing { error in
                throw LineOpenError(device: device, reason: "\(error)")
            }
    }
}

/// An open XOT connection: send X.25 packets, close. Safe from any thread.
public final class XOTConnection: Sendable {
    public let device: LineDevice
    public let channel: any Channel
    let counterBox: NIOLockedValueBox<LineCounters>

    public init(device: LineDevice, channel: any Channel, counters: NIOLockedValueBox<LineCounters>) {
        self.device = device
        self.channel = channel
        self.counterBox = counters
    }

    public var counters: LineCounters { counterBox.withLockedValue { $0 } }

    /// Sends packets with one flush, each behind its XOT header.
    public func send(_ packets: [X25Packet]) {
        guard !packets.isEmpty else { return }
        for packet in packets { channel.write(packet.bytes, promise: nil) }
        channel.flush()
    }

    /// Sends encoded packets with one flush, each behind its XOT header.
    public func send(packetBytes packets: [ByteBuffer]) {
        guard !packets.isEmpty else { return }
        for packet in packets { channel.write(packet, promise: nil) }
        channel.flush()
    }

    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.close(promise: promise)
        return promise.futureResult.recover { _ in }
    }
}

/// The channel handlers of an XOT connection, client or server side.
public enum XOTHandlers {
    public static func install(
        on channel: any Channel, counters: NIOLockedValueBox<LineCounters>, logger: Logger, events: @escaping @Sendable (XOTEvent) -> Void
    ) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(HDLCLineHandlers.ByteCounter(counters: counters))
        try sync.addHandler(ByteToMessageHandler(XOTFrameDecoder()))
        try sync.addHandler(PacketReceiver(counters: counters, logger: logger, events: events))
        try sync.addHandler(PacketSender(counters: counters))
    }

    final class PacketReceiver: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let counters: NIOLockedValueBox<LineCounters>
        let logger: Logger
        let events: @Sendable (XOTEvent) -> Void
        private var closedReported = false

        init(counters: NIOLockedValueBox<LineCounters>, logger: Logger, events: @escaping @Sendable (XOTEvent) -> Void) {
            self.counters = counters
            self.logger = logger
            self.events = events
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            counters.withLockedValue { $0.framesReceived += 1 }
            events(.packet(unwrapInboundIn(data)))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if error is XOTFramingError { counters.withLockedValue { $0.framingErrors += 1 } }
            logger.warning("XOT connection: \(error); closing")
            report(.closed(error))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            report(.closed(nil))
            context.fireChannelInactive()
        }

        private func report(_ event: XOTEvent) {
            guard !closedReported else { return }
            closedReported = true
            events(event)
        }
    }

    /// Puts the XOT header before each packet written (as bytes).
    final class PacketSender: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let counters: NIOLockedValueBox<LineCounters>

        init(counters: NIOLockedValueBox<LineCounters>) { self.counters = counters }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let packet = unwrapOutboundIn(data)
            var out = context.channel.allocator.buffer(capacity: packet.readableBytes + XOTFraming.headerLength)
            XOTFraming.write(packet, into: &out)
            counters.withLockedValue { $0.framesSent += 1 }
            context.write(wrapOutboundOut(out), promise: promise)
        }
    }
}
