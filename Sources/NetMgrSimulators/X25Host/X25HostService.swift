import Logging
import NIOCore
import NIOPosix
import NetMgrCore
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

    /// Where to listen for XOT and the terminals that may call over it.
    public let xot: (endpoint: Endpoint, links: [X25HostLinkConfiguration])?
    let onListening: @Sendable (SocketAddress) -> Void

    /// `onConnected` gets each switched line's name the first time it reaches the switch,
    /// `onListening` the XOT listener's address; `onFact` every fact (on the service's loop).
    public init(
        links: [X25HostLinkConfiguration], xot: (endpoint: Endpoint, links: [X25HostLinkConfiguration])? = nil, journal: HostJournal?, logger: Logger,
        onConnected: @escaping @Sendable (String) -> Void = { _ in },
        onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in },
        onFact: @escaping @Sendable (String, X25HostFact) -> Void = { _, _ in }
    ) {
        self.links = links
        self.xot = xot
        self.onListening = onListening
        self.journal = journal
        self.logger = logger
        self.onConnected = onConnected
        self.onFact = onFact
    }

    public func run() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let drivers = try await HostLineDrivers.start(links, on: loop) { [journal, logger, onConnected, onFact] configuration in
            let driver = X25HostLinkDriver(configuration: configuration, loop: loop, journal: journal, logger: logger)
            driver.onFirstConnect = { onConnected(configuration.line) }
            driver.onFact = { onFact(configuration.line, $0) }
            return driver
        }.drivers
        var listener: NIOLoopBound<X25XOTListener>?
        if let xot {
            let bound = try await loop.submit { [journal, logger, onFact] in
                let listener = X25XOTListener(endpoint: xot.endpoint, links: xot.links, loop: loop, journal: journal, logger: logger)
                listener.onFact = { onFact($0, $1) }
                return NIOLoopBound(listener, eventLoop: loop)
            }.get()
            let address = try await loop.flatSubmit { bound.value.start() }.get()
            listener = bound
            if let address { onListening(address) }
        }
        try? await gracefulShutdown()
        logger.info("x25-host shutting down")
        try? await loop.submit { [listener] in
            drivers.value.forEach { $0.stop() }
            listener?.value.stop()
        }.get()
    }
}
