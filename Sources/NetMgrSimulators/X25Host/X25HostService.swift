import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The host simulator's X.25 side as a Service: the network (LAPB DCE, packet layer) and
/// the host's QLLC primary with SSCP/PLU on each configured access line, connected to the
/// line switch's host-side port, journaling what the host sees. Runs until graceful shutdown.
public struct X25HostService: Service {
    public let links: [X25HostLinkConfiguration]
    public let journal: HostJournal?
    public let logger: Logger
    let onConnected: @Sendable (String) -> Void
    let onFact: @Sendable (String, X25HostFact) -> Void

    public init(
        links: [X25HostLinkConfiguration], journal: HostJournal?, logger: Logger,
        onConnected: @escaping @Sendable (String) -> Void = { _ in },
        onFact: @escaping @Sendable (String, X25HostFact) -> Void = { _, _ in }
    ) {
        self.links = links
        self.journal = journal
        self.logger = logger
        self.onConnected = onConnected
        self.onFact = onFact
    }

    public func run() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let drivers = try await loop.submit { [links, journal, logger, onConnected, onFact] in
            let drivers = links.map { configuration in
                let driver = X25HostLinkDriver(configuration: configuration, loop: loop, journal: journal, logger: logger)
                driver.onFirstConnect = { onConnected(configuration.line) }
                driver.onFact = { onFact(configuration.line, $0) }
                driver.start()
                return driver
            }
            return NIOLoopBound(drivers, eventLoop: loop)
        }.get()
        try? await gracefulShutdown()
        logger.info("x25-host shutting down")
        try? await loop.submit { drivers.value.forEach { $0.stop() } }.get()
    }
}
