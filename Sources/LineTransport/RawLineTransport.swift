import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A line that carries a raw character stream, no HDLC framing: basic mode (BDLC, BSC) is
/// character-oriented, so its codec sees the bytes as they arrive and finds the blocks
/// itself. Same devices as `LineTransport` (`tcp:HOST:PORT` today); a serial conformer would
/// hand its tty to NIO and install the same `RawLineHandlers`.
public protocol RawLineTransport: Sendable {
    var device: LineDevice { get }

    /// Opens the line on `loop`; `events` runs on `loop` for every chunk received and the
    /// close. Fails with a `LineOpenError` naming the device.
    func open(on loop: any EventLoop, events: @escaping @Sendable (RawLineEvent) -> Void) -> EventLoopFuture<RawLineConnection>
}

/// What a raw line reports to its owner, on the connection's event loop.
public enum RawLineEvent: Sendable {
    /// Bytes as they came off the line (any chunking; the owner's decoder reassembles).
    case bytes(ByteBuffer)
    /// The line closed: the peer went away (nil) or an I/O error (the error).
    case closed((any Error)?)
}

public func makeRawLineTransport(device: LineDevice, logger: Logger) -> any RawLineTransport {
    switch device {
    case .tcp(let host, let port):
        return TCPRawLineTransport(host: host, port: port, logger: logger)
    case .xot:
        return XOTDeviceAsRawLine(device: device)
    }
}

/// An XOT device asked for as a basic-mode line: it carries X.25 packets, so opening fails
/// with a message that says so.
struct XOTDeviceAsRawLine: RawLineTransport {
    let device: LineDevice

    func open(on loop: any EventLoop, events: @escaping @Sendable (RawLineEvent) -> Void) -> EventLoopFuture<RawLineConnection> {
        loop.makeFailedFuture(LineOpenError(device: device, reason: "an XOT device carries X.25 packets, not a basic-mode character stream; use tcp:HOST:PORT"))
    }
}

/// An open raw line: send bytes, read counters, close. Safe from any thread; sends keep
/// their order. `framesSent`/`framesReceived` count the owner's `send` calls and the chunks
/// read, not protocol blocks.
public final class RawLineConnection: Sendable {
    public let device: LineDevice
    public let channel: any Channel
    let counterBox: NIOLockedValueBox<LineCounters>

    init(device: LineDevice, channel: any Channel, counters: NIOLockedValueBox<LineCounters>) {
        self.device = device
        self.channel = channel
        self.counterBox = counters
    }

    public var eventLoop: any EventLoop { channel.eventLoop }
    public var counters: LineCounters { counterBox.withLockedValue { $0 } }
    public var isActive: Bool { channel.isActive }

    /// Sends bytes as they are.
    public func send(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        counterBox.withLockedValue { $0.framesSent += 1 }
        channel.writeAndFlush(bytes, promise: nil)
    }

    /// Closes the line; `.closed(nil)` is reported through the events closure.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.close(promise: promise)
        return promise.futureResult.recover { _ in }
    }
}

/// The handlers of a raw line: byte counting, every chunk read handed to the owner, the
/// close reported once. Used by `TCPRawLineTransport` and by simulators that accept lines.
public enum RawLineHandlers {
    /// Adds the handlers to `channel`'s pipeline (call from its initializer) and returns the
    /// connection object for it.
    public static func install(
        on channel: any Channel, device: LineDevice, logger: Logger, events: @escaping @Sendable (RawLineEvent) -> Void
    ) throws -> RawLineConnection {
        let counters = NIOLockedValueBox(LineCounters())
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(HDLCLineHandlers.ByteCounter(counters: counters))
        try sync.addHandler(ByteReceiver(device: device, counters: counters, logger: logger, events: events))
        return RawLineConnection(device: device, channel: channel, counters: counters)
    }

    final class ByteReceiver: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let device: LineDevice
        let counters: NIOLockedValueBox<LineCounters>
        let logger: Logger
        let events: @Sendable (RawLineEvent) -> Void
        private var closedReported = false

        init(device: LineDevice, counters: NIOLockedValueBox<LineCounters>, logger: Logger, events: @escaping @Sendable (RawLineEvent) -> Void) {
            self.device = device
            self.counters = counters
            self.logger = logger
            self.events = events
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            counters.withLockedValue { $0.framesReceived += 1 }
            events(.bytes(unwrapInboundIn(data)))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            logger.debug("line \(device): \(error)")
            report(.closed(error))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            report(.closed(nil))
            context.fireChannelInactive()
        }

        private func report(_ event: RawLineEvent) {
            guard !closedReported else { return }
            closedReported = true
            events(event)
        }
    }
}

/// A simulated basic-mode line: the raw character stream over TCP to the host simulator's
/// control station for this node (the definitions' `device: "tcp:HOST:PORT"`).
public struct TCPRawLineTransport: RawLineTransport {
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

    public var device: LineDevice { .tcp(host: host, port: port) }

    public func open(on loop: any EventLoop, events: @escaping @Sendable (RawLineEvent) -> Void) -> EventLoopFuture<RawLineConnection> {
        let device = self.device
        let logger = self.logger
        let made = NIOLockedValueBox<RawLineConnection?>(nil)
        return ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = try RawLineHandlers.install(on: channel, device: device, logger: logger, events: events)
                    made.withLockedValue { $0 = connection }
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                guard let connection = made.withLockedValue({ $0 }) else {
                    throw LineOpenError(device: device, reason: "the line's handlers were not installed")
                }
                return connection
            }
            .flatMapErrorThrowing { error in
                if let open = error as? LineOpenError { throw open }
                throw LineOpenError(device: device, reason: "\(error)")
            }
    }
}
