import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The simulated mainframe's TN3270 / TN3270E server as a `Service`: it listens until
/// graceful shutdown, then stops accepting, closes every connection (journaling bound LUs
/// as unbound with reason `shutdown`) and returns. All connections share one event loop.
public final class TN3270HostService: Service, Sendable {
    public let configuration: TN3270HostConfiguration
    private let journal: HostJournal?
    private let logger: Logger
    private let eventLoop: any EventLoop
    private let observer: (@Sendable (HostJournalEntry) -> Void)?
    private let onListening: (@Sendable (SocketAddress) -> Void)?
    private let onTLSListening: (@Sendable (SocketAddress) -> Void)?

    /// - Parameters:
    ///   - journal: where to write what the host saw; the caller closes it after `run`.
    ///   - observer: sees every journal entry as it is written (tests wait on it).
    ///   - onListening: called once with the bound address (port 0 resolved).
    ///   - onTLSListening: likewise for the direct-TLS listener, when the configuration has one
    ///     (both listeners are bound before either is reported).
    public init(
        configuration: TN3270HostConfiguration,
        journal: HostJournal? = nil,
        logger: Logger = Logger(label: "netmgr.sim.host.tn3270"),
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next(),
        observer: (@Sendable (HostJournalEntry) -> Void)? = nil,
        onListening: (@Sendable (SocketAddress) -> Void)? = nil,
        onTLSListening: (@Sendable (SocketAddress) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.journal = journal
        self.logger = logger
        self.eventLoop = eventLoop
        self.observer = observer
        self.onListening = onListening
        self.onTLSListening = onTLSListening
    }

    public func run() async throws {
        let loop = eventLoop
        let core = try await loop.submit { [configuration, journal, logger, observer] in
            NIOLoopBound(
                TN3270HostCore(configuration: configuration, journal: journal, logger: logger, eventLoop: loop, observer: observer),
                eventLoop: loop)
        }.get()

        let tls = configuration.tls
        let startTLS = tls?.offersStartTLS == true ? tls?.context : nil
        let server = try await listen(host: configuration.host, port: configuration.port, loop: loop) { channel in
            try channel.pipeline.syncOperations.addHandler(TN3270HostConnectionHandler(core: core.value, startTLS: startTLS))
        }
        var tlsServer: (any Channel)?
        if let tls, let directHost = tls.directHost {
            do {
                tlsServer = try await listen(host: directHost, port: tls.directPort, loop: loop) { channel in
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
                    try channel.pipeline.syncOperations.addHandler(TN3270HostConnectionHandler(core: core.value, direct: true))
                }
            } catch {
                try? await server.close()
                throw error
            }
        }
        let dialect = configuration.offersTN3270E ? "offering TN3270E" : "basic TN3270 only"
        logger.info("TN3270 host listening on \(Self.show(server.localAddress)): \(configuration.luMap.entries.count) LU(s), \(dialect)\(startTLS != nil ? ", offering STARTTLS" : "")")
        if let tlsServer {
            logger.info("TN3270 host listening for direct TLS on \(Self.show(tlsServer.localAddress))")
        }
        if let address = server.localAddress { onListening?(address) }
        if let address = tlsServer?.localAddress { onTLSListening?(address) }

        // Cancellation ends the wait as well; either way close down in order.
        try? await gracefulShutdown()
        logger.info("TN3270 host shutting down: closing the listener and every connection")
        try? await server.close()
        try? await tlsServer?.close()
        try? await loop.flatSubmit { core.value.shutdown() }.get()
        logger.info("TN3270 host stopped")
    }

    /// One listener on the host's loop (`loop` is its own group); `initialize` sets up each connection.
    private func listen(host: String, port: Int, loop: any EventLoop,
                        _ initialize: @escaping @Sendable (any Channel) throws -> Void) async throws -> any Channel {
        do {
            return try await ServerBootstrap(group: loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                // A mainframe's TN3270 server takes thousands of logons at once after a failover.
                .serverChannelOption(.backlog, value: 4096)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try initialize(channel) }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw TN3270HostError.cannotListen(host: host, port: port, underlying: error)
        }
    }

    private static func show(_ address: SocketAddress?) -> String {
        address.map { "\($0.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"):\($0.port ?? 0)" } ?? "?"
    }
}
