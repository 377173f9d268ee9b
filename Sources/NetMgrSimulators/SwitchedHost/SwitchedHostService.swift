import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The host simulator's switched major node as a Service: one driver per host line at the
/// exchange (dial-up, ISDN), journaling every session with its calling number, XID node id
/// and LU addresses. Runs until graceful shutdown.
public struct SwitchedHostService: Service {
    public let configuration: SwitchedHostConfiguration
    public let journal: HostJournal?
    public let logger: Logger
    let onConnected: @Sendable (SwitchedHostConfiguration.Line) -> Void
    let onFact: @Sendable (SwitchedHostConfiguration.Line, SNAHostFact) -> Void

    /// `onConnected` gets each line once it first can take or place calls (dial-up answering:
    /// the modem is set up for caller id and auto-answer; otherwise: the exchange is reached); `onFact` every
    /// SNA fact of every line (on the service's event loop).
    public init(
        configuration: SwitchedHostConfiguration, journal: HostJournal?, logger: Logger,
        onConnected: @escaping @Sendable (SwitchedHostConfiguration.Line) -> Void = { _ in },
        onFact: @escaping @Sendable (SwitchedHostConfiguration.Line, SNAHostFact) -> Void = { _, _ in }
    ) {
        self.configuration = configuration
        self.journal = journal
        self.logger = logger
        self.onConnected = onConnected
        self.onFact = onFact
    }

    public func run() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let drivers = try await HostLineDrivers.start(configuration.lines, on: loop) { [configuration, journal, logger, onConnected, onFact] line in
            let driver = SwitchedHostLineDriver(line: line, configuration: configuration, loop: loop, journal: journal, logger: logger)
            driver.onConnected = { onConnected(line) }
            driver.onFact = { onFact(line, $0) }
            return driver
        }
        try? await gracefulShutdown()
        logger.info("switched host shutting down")
        await drivers.stop()
    }
}
