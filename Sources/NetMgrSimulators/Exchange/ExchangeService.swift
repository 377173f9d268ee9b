import ISDN
import LineTransport
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import ServiceLifecycle

/// The telephone/ISDN exchange simulator: listens for (or connects to) each subscriber
/// line's DTE, runs the modems and the ISDN network sides, routes calls. All on one loop.
public final class Exchange: Sendable {
    public let configuration: ExchangeConfiguration
    let loop: any EventLoop
    let switchboard: NIOLoopBound<ExchangeSwitchboard>
    let listeners: [any Channel]
    let connectors: [NIOLoopBound<ExchangeModemConnector>]

    private init(configuration: ExchangeConfiguration, loop: any EventLoop, switchboard: NIOLoopBound<ExchangeSwitchboard>,
                 listeners: [any Channel], connectors: [NIOLoopBound<ExchangeModemConnector>]) {
        self.configuration = configuration
        self.loop = loop
        self.switchboard = switchboard
        self.listeners = listeners
        self.connectors = connectors
    }

    /// Opens the captures, listens on every `listen:` line, starts every `connect:` line's modem;
    /// fails naming the port or file. `onCallEnded` gets every finished call (on the loop).
    public static func start(
        configuration: ExchangeConfiguration, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onCallEnded: @escaping @Sendable (ExchangeCallRecord) -> Void = { _ in }
    ) async throws -> Exchange {
        try configuration.validate()
        let loop = group.next()
        let switchboard = try await loop.submit {
            let recorder = try ExchangeCaptureRecorder(configuration: configuration.capture, logger: logger)
            let board = ExchangeSwitchboard(configuration: configuration, loop: loop, recorder: recorder, logger: logger)
            board.onCallEnded = onCallEnded
            return NIOLoopBound(board, eventLoop: loop)
        }.get()
        var listeners: [any Channel] = []
        var connectors: [NIOLoopBound<ExchangeModemConnector>] = []
        for line in configuration.lines {
            let number = line.number
            switch (line.kind, line.dte) {
            case (.analogue, .listen(let endpoint)):
                do {
                    let channel = try await ServerBootstrap(group: loop)
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                        .childChannelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(ExchangeModemHandler(switchboard: switchboard, number: number))
                            }
                        }
                        .bind(host: endpoint.host, port: endpoint.port).get()
                    listeners.append(channel)
                } catch {
                    await close(listeners: listeners, connectors: connectors, switchboard: switchboard, loop: loop)
                    throw ExchangeConfigurationError("cannot listen for line \(number) on \(endpoint): \(error)")
                }
            case (.analogue, .connect(let endpoint)):
                let connector = try await loop.submit {
                    let connector = ExchangeModemConnector(
                        number: number, endpoint: endpoint, delay: configuration.reconnectDelay, loop: loop, switchboard: switchboard, logger: logger)
                    connector.connect()
                    return NIOLoopBound(connector, eventLoop: loop)
                }.get()
                connectors.append(connector)
            case (.isdn, let side):
                let endpoint = side.endpoint
                let device = LineDevice.tcp(host: endpoint.host, port: endpoint.port)
                do {
                    let channel = try await ServerBootstrap(group: loop)
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                        .childChannelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                let holder = InterfaceHolder()
                                let interface = try ISDNInterfaceConnection.serve(channel: channel, device: device) { event in
                                    guard let interface = holder.interface else { return }
                                    switchboard.value.isdnEvent(number, event, interface: interface)
                                }
                                holder.interface = interface
                                switchboard.value.isdnConnected(number, interface: interface)
                            }
                        }
                        .bind(host: endpoint.host, port: endpoint.port).get()
                    listeners.append(channel)
                } catch {
                    await close(listeners: listeners, connectors: connectors, switchboard: switchboard, loop: loop)
                    throw ExchangeConfigurationError("cannot listen for ISDN line \(number) on \(endpoint): \(error)")
                }
            }
            logger.info("line \(number): \(line.kind.rawValue)\(line.kind == .analogue ? " (\(line.dial.rawValue))" : ""), DTE \(line.dte)")
        }
        return Exchange(configuration: configuration, loop: loop, switchboard: switchboard, listeners: listeners, connectors: connectors)
    }

    /// The calls finished so far, in order.
    public func callRecords() async throws -> [ExchangeCallRecord] {
        try await loop.submit { self.switchboard.value.records }.get()
    }

    /// Where each `listen:` line really listens (the port is real even if 0 was asked for).
    public var listeningAddresses: [SocketAddress] { listeners.compactMap(\.localAddress) }

    /// Stops listening and reconnecting, closes every line and the captures.
    public func close() async {
        await Self.close(listeners: listeners, connectors: connectors, switchboard: switchboard, loop: loop)
    }

    private static func close(listeners: [any Channel], connectors: [NIOLoopBound<ExchangeModemConnector>],
                              switchboard: NIOLoopBound<ExchangeSwitchboard>, loop: any EventLoop) async {
        for listener in listeners { try? await listener.close() }
        try? await loop.submit {
            for connector in connectors { connector.value.stop() }
            switchboard.value.closeAll()
        }.get()
    }
}

/// The interface connection, known only after `serve` returns; events before that cannot come
/// (they are delivered on the same loop after the initializer).
private final class InterfaceHolder: @unchecked Sendable {
    var interface: ISDNInterfaceConnection?
}

/// The exchange as a Service: starts, runs until graceful shutdown, closes.
public struct ExchangeService: Service {
    public let configuration: ExchangeConfiguration
    public let logger: Logger
    let onReady: @Sendable (Exchange) -> Void
    let onCallEnded: @Sendable (ExchangeCallRecord) -> Void

    public init(
        configuration: ExchangeConfiguration, logger: Logger,
        onReady: @escaping @Sendable (Exchange) -> Void = { _ in },
        onCallEnded: @escaping @Sendable (ExchangeCallRecord) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.onReady = onReady
        self.onCallEnded = onCallEnded
    }

    public func run() async throws {
        let exchange = try await Exchange.start(configuration: configuration, logger: logger, onCallEnded: onCallEnded)
        onReady(exchange)
        try? await gracefulShutdown()
        logger.info("exchange shutting down")
        await exchange.close()
    }
}

/// One analogue line's DTE connection: bytes to the switchboard, one flush per read burst.
final class ExchangeModemHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let switchboard: NIOLoopBound<ExchangeSwitchboard>
    let number: String
    var onInactive: (() -> Void)?

    init(switchboard: NIOLoopBound<ExchangeSwitchboard>, number: String, onInactive: (() -> Void)? = nil) {
        self.switchboard = switchboard
        self.number = number
        self.onInactive = onInactive
    }

    func channelActive(context: ChannelHandlerContext) {
        switchboard.value.analogueConnected(number, channel: context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switchboard.value.analogueBytes(number, unwrapInboundIn(data), channel: context.channel)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switchboard.value.analogueReadComplete(number)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switchboard.value.analogueDisconnected(number, channel: context.channel)
        onInactive?()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)  // a reset peer: the cable was pulled
    }
}

/// A `connect:` line's modem: keeps a connection to its DTE (the line switch's host port),
/// reconnecting at once after a close and `delay` after every failed attempt. Loop-confined.
final class ExchangeModemConnector {
    let number: String
    let endpoint: Endpoint
    let delay: TimeAmount
    let loop: any EventLoop
    let switchboard: NIOLoopBound<ExchangeSwitchboard>
    let logger: Logger
    private var channel: (any Channel)?
    private var retry: Scheduled<Void>?
    private var stopped = false
    private var failures = 0

    init(number: String, endpoint: Endpoint, delay: TimeAmount, loop: any EventLoop, switchboard: NIOLoopBound<ExchangeSwitchboard>, logger: Logger) {
        self.number = number
        self.endpoint = endpoint
        self.delay = delay
        self.loop = loop
        self.switchboard = switchboard
        self.logger = logger
    }

    func connect() {
        guard !stopped else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let switchboard = switchboard
        let number = number
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(1))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ExchangeModemHandler(switchboard: switchboard, number: number) {
                        bound.value.closed()
                    })
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                let connector = bound.value
                switch result {
                case .success(let channel):
                    guard !connector.stopped else { channel.close(promise: nil); return }
                    connector.channel = channel
                    connector.failures = 0
                case .failure(let error):
                    connector.failures += 1
                    if connector.failures == 1 { connector.logger.warning("line \(connector.number): cannot reach \(connector.endpoint): \(error); retrying") }
                    connector.scheduleRetry()
                }
            }
    }

    /// The switch closed the modem's DTE side (DTR dropped, or the line moved to another node):
    /// connect again at once, so that the next DTE's first command (its ATZ) finds the modem
    /// there; only failed attempts wait `delay`.
    private func closed() {
        channel = nil
        guard !stopped else { return }
        retry?.cancel()
        retry = nil
        connect()
    }

    private func scheduleRetry() {
        guard !stopped, retry == nil || channel == nil else { return }
        retry?.cancel()
        let bound = NIOLoopBound(self, eventLoop: loop)
        retry = loop.scheduleTask(in: delay) {
            bound.value.retry = nil
            bound.value.connect()
        }
    }

    func stop() {
        stopped = true
        retry?.cancel()
        channel?.close(promise: nil)
    }
}
