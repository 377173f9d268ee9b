import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The host simulator's SDLC side as a Service: one primary station with SSCP/PLU per
/// configured line, each connected to the line switch's host-side port, journaling what the
/// host sees. Runs until graceful shutdown.
public struct SDLCHostService: Service {
    public let links: [SDLCHostLinkConfiguration]
    public let journal: HostJournal?
    public let logger: Logger
    let onConnected: @Sendable (String) -> Void
    let onFact: @Sendable (String, SNAHostFact) -> Void

    /// `onConnected` gets each line's name the first time it reaches the switch;
    /// `onFact` every fact of every line (on the service's event loop).
    public init(
        links: [SDLCHostLinkConfiguration], journal: HostJournal?, logger: Logger,
        onConnected: @escaping @Sendable (String) -> Void = { _ in },
        onFact: @escaping @Sendable (String, SNAHostFact) -> Void = { _, _ in }
    ) {
        self.links = links
        self.journal = journal
        self.logger = logger
        self.onConnected = onConnected
        self.onFact = onFact
    }

    public func run() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let drivers = try await HostLineDrivers.start(links, on: loop) { [journal, logger, onConnected, onFact] configuration in
            let driver = SDLCHostLinkDriver(configuration: configuration, loop: loop, journal: journal, logger: logger)
            driver.onFirstConnect = { onConnected(configuration.line) }
            driver.onFact = { onFact(configuration.line, $0) }
            return driver
        }
        try? await gracefulShutdown()
        logger.info("sdlc-host shutting down")
        await drivers.stop()
    }
}
