import Logging
import NIOCore
import NIOPosix
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

    /// - Parameters:
    ///   - journal: where to write what the host saw; the caller closes it after `run`.
    ///   - observer: sees every journal entry as it is written (tests wait on it).
    ///   - onListening: called once with the bound address (port 0 resolved).
    public init(
        configuration: TN3270HostConfiguration,
        journal: HostJournal? = nil,
        logger: Logger = Logger(label: "netmgr.sim.host.tn3270"),
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next(),
        observer: (@Sendable (HostJournalEntry) -> Void)? = nil,
        onListening: (@Sendable (SocketAddress) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.journal = journal
        self.logger = logger
        self.eventLoop = eventLoop
        self.observer = observer
        self.onListening = onListening
    }

    public func run() async throws {
        let loop = eventLoop
        let core = try await loop.submit { [configuration, journal, logger, observer] in
            NIOLoopBound(
                TN3270HostCore(configuration: configuration, journal: journal, logger: logger, eventLoop: loop, observer: observer),
                eventLoop: loop)
        }.get()

        let server: any Channel
        do {
            // One loop for the listener and every connection (`loop` is its own group).
            server = try await ServerBootstrap(group: loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                // A mainframe's TN3270 server takes thousands of logons at once after a failover.
                .serverChannelOption(.backlog, value: 4096)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(TN3270HostConnectionHandler(core: core.value))
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw TN3270HostError.cannotListen(host: configuration.host, port: configuration.port, underlying: error)
        }
        let address = server.localAddress
        let shown = address.map { "\($0.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"):\($0.port ?? 0)" } ?? "?"
        logger.info("TN3270 host listening on \(shown): \(configuration.luMap.entries.count) LU(s), \(configuration.offersTN3270E ? "offering TN3270E" : "basic TN3270 only")")
        if let address { onListening?(address) }

        // Cancellation ends the wait as well; either way close down in order.
        try? await gracefulShutdown()
        logger.info("TN3270 host shutting down: closing the listener and every connection")
        try? await server.close()
        try? await loop.flatSubmit { core.value.shutdown() }.get()
        logger.info("TN3270 host stopped")
    }
}
