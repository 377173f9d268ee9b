import Logging
import NIOCore
import NIOPosix
import NetMgrCore

/// The line switch device simulator: for each line a host-side port and one port per node,
/// connecting the host side to exactly one node at a time; a text control interface
/// (docs/LINE-SWITCH.md); and a line monitor recording host-side frames to pcap.
/// All of it runs on one event loop.
public final class LineSwitchDevice: Sendable {
    public let configuration: LineSwitchConfiguration
    /// Where the control interface listens (the port is real even if 0 was asked for).
    public let controlAddress: SocketAddress
    let loop: any EventLoop
    let core: NIOLoopBound<LineSwitchCore>
    let listeners: [any Channel]

    private init(configuration: LineSwitchConfiguration, controlAddress: SocketAddress, loop: any EventLoop,
                 core: NIOLoopBound<LineSwitchCore>, listeners: [any Channel]) {
        self.configuration = configuration
        self.controlAddress = controlAddress
        self.loop = loop
        self.core = core
        self.listeners = listeners
    }

    /// Opens the capture file and listens on every port; fails naming the port or file.
    public static func start(
        configuration: LineSwitchConfiguration, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> LineSwitchDevice {
        try configuration.validate()
        var checker: LineSwitchAuthenticator?
        if let key = configuration.key { checker = try LineSwitchAuthenticator(key: key) }
        let authenticator = checker
        if authenticator == nil {
            logger.warning("the control interface has no key: any process that reaches \(configuration.control) can switch the lines (give --key, or key: in cluster.line-switch)")
        }
        let loop = group.next()
        let core = try await loop.submit {
            let monitor = try LineMonitor(
                path: configuration.capturePath, x25Path: configuration.x25CapturePath,
                x25Lines: configuration.x25LineIndices, publicLines: configuration.publicLineIndices, logger: logger)
            return NIOLoopBound(LineSwitchCore(configuration: configuration, monitor: monitor, logger: logger, authenticator: authenticator), eventLoop: loop)
        }.get()

        var listeners: [any Channel] = []
        func listen(_ endpoint: Endpoint, _ what: String, _ initializer: @escaping @Sendable (any Channel) throws -> Void) async throws -> any Channel {
            do {
                let channel = try await ServerBootstrap(group: loop)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture { try initializer(channel) }
                    }
                    .bind(host: endpoint.host, port: endpoint.port).get()
                listeners.append(channel)
                return channel
            } catch {
                for listener in listeners { try? await listener.close() }
                try? await loop.submit { core.value.closeAll() }.get()
                throw LineSwitchConfigurationError("cannot listen for \(what) on \(endpoint): \(error)")
            }
        }

        for (index, line) in configuration.lines.enumerated() {
            _ = try await listen(line.hostPort, "the host side of \(line.unit)") { channel in
                try channel.pipeline.syncOperations.addHandler(LineSwitchPortHandler(core: core, role: .host(line: index)))
            }
            for port in line.nodePorts {
                _ = try await listen(port.endpoint, "node \(port.node) on \(line.unit)") { channel in
                    try channel.pipeline.syncOperations.addHandler(LineSwitchPortHandler(core: core, role: .node(line: index, name: port.node)))
                }
            }
        }
        let control = try await listen(configuration.control, "the control interface") { channel in
            try channel.pipeline.syncOperations.addHandler(LineSwitchControlHandler(core: core))
        }
        guard let controlAddress = control.localAddress else {
            throw LineSwitchConfigurationError("the control interface on \(configuration.control) has no local address")
        }
        for line in configuration.lines {
            logger.info("\(line.unit): host side \(line.hostPort), nodes \(line.nodePorts.map { "\($0.node) \($0.endpoint)" }.joined(separator: ", "))")
        }
        return LineSwitchDevice(configuration: configuration, controlAddress: controlAddress, loop: loop, core: core, listeners: listeners)
    }

    public func status() async throws -> [LineSwitchStatus] {
        try await loop.submit { self.core.value.status() }.get()
    }

    /// Carries out one control request as if it came over the control interface (a key,
    /// when the switch has one, applies here too).
    public func control(_ request: String) async throws -> [String] {
        try await loop.submit { self.core.value.control(request).reply }.get()
    }

    /// Whether SWITCH requests must be signed.
    public var requiresAuthentication: Bool { configuration.key != nil }

    /// Frames recorded so far and frames the monitor could not decode.
    public func monitorCounts() async throws -> (frames: Int, framingErrors: Int) {
        try await loop.submit { (self.core.value.monitor.framesRecorded, self.core.value.monitor.framingErrors) }.get()
    }

    /// Stops listening, closes every connection and the capture file.
    public func close() async {
        for listener in listeners { try? await listener.close() }
        try? await loop.submit { self.core.value.closeAll() }.get()
    }
}
