import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A line that carries a raw character stream, no HDLC framing: basic mode (BDLC, BSC) is
/// character-oriented, so its codec sees the bytes as they arrive and finds the blocks
/// itself. Devices: `tcp:HOST:PORT` (`TCPRawLineTransport`) and `tty:PATH@SPEED`
/// (`TTYRawLineTransport`, which hands its tty to NIO and installs the same `RawLineHandlers`).
/// A dial-up line opens raw for the modem dialogue and then switches to HDLC framing with
/// `RawLineConnection.upgradeToHDLC(events:)`.
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
    /// DCD changed (true: carrier present). Only `tty:` lines whose port has modem lines
    /// report it (polled every 50 ms).
    case carrier(Bool)
    /// The line closed: the peer went away (nil) or an I/O error (the error).
    case closed((any Error)?)
}

public func makeRawLineTransport(device: LineDevice, logger: Logger) -> any RawLineTransport {
    switch device {
    case .tcp(let host, let port):
        return TCPRawLineTransport(host: host, port: port, logger: logger)
    case .tty(let path, let speed, let flowControl):
        return TTYRawLineTransport(path: path, speed: speed, flowControl: flowControl, logger: logger)
    case .xot, .hdlc:
        return XOTDeviceAsRawLine(device: device)
    }
}

/// An XOT or generic-HDLC device asked for as a raw line: it carries packets or frames, not a
/// character stream, so opening fails with a message that says so.
struct XOTDeviceAsRawLine: RawLineTransport {
    let device: LineDevice

    func open(on loop: any EventLoop, events: @escaping @Sendable (RawLineEvent) -> Void) -> EventLoopFuture<RawLineConnection> {
        let what = device.isXOT ? "an XOT device carries X.25 packets" : "a generic-HDLC interface carries whole frames"
        return loop.makeFailedFuture(LineOpenError(device: device, reason: "\(what), not a character stream; use tcp:HOST:PORT or tty:/dev/PORT@SPEED"))
    }
}

/// An open raw line: send bytes, read counters, close. Safe from any thread; sends keep
/// their order. `framesSent`/`framesReceived` count the owner's `send` calls and the chunks
/// read, not protocol blocks.
public final class RawLineConnection: Sendable {
    public let device: LineDevice
    public let channel: any Channel
    let counterBox: NIOLockedValueBox<LineCounters>
    let logger: Logger
    let modemLineBox: TTYModemLines?

    init(device: LineDevice, channel: any Channel, counters: NIOLockedValueBox<LineCounters>, logger: Logger, modemLines: TTYModemLines? = nil) {
        self.device = device
        self.channel = channel
        self.counterBox = counters
        self.logger = logger
        self.modemLineBox = modemLines
    }

    public var eventLoop: any EventLoop { channel.eventLoop }
    public var counters: LineCounters { counterBox.withLockedValue { $0 } }
    public var isActive: Bool { channel.isActive }

    /// DTR and DCD of a `tty:` line whose port has modem lines; nil otherwise (`tcp:`, a pty).
    public var modemLines: (any ModemLineControl)? { modemLineBox }

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
        try install(on: channel, device: device, logger: logger, modemLines: nil, events: events)
    }

    static let counterName = "line.raw.counter"
    static let receiverName = "line.raw.receiver"

    static func install(
        on channel: any Channel, device: LineDevice, logger: Logger, modemLines: TTYModemLines?, events: @escaping @Sendable (RawLineEvent) -> Void
    ) throws -> RawLineConnection {
        let counters = NIOLockedValueBox(LineCounters())
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(HDLCLineHandlers.ByteCounter(counters: counters), name: counterName)
        try sync.addHandler(ByteReceiver(device: device, counters: counters, logger: logger, events: events), name: receiverName)
        return RawLineConnection(device: device, channel: channel, counters: counters, logger: logger, modemLines: modemLines)
    }

    final class ByteReceiver: ChannelInboundHandler, RemovableChannelHandler {
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
