import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The host simulator's basic-mode side as a Service: one control station per host line
/// (each node's own BDLC line), listening where the node's device points, journaling what
/// the host accepted and recording every element when a capture is given. Runs until
/// graceful shutdown.
public struct BDLCHostService: Service {
    public let lines: [BDLCHostLineConfiguration]
    public let journal: HostJournal?
    public let capture: BasicModeLineRecorder?
    public let logger: Logger
    let onListening: @Sendable (BDLCHostLineConfiguration, SocketAddress?) -> Void

    public init(lines: [BDLCHostLineConfiguration], journal: HostJournal?, capture: BasicModeLineRecorder?, logger: Logger,
                onListening: @escaping @Sendable (BDLCHostLineConfiguration, SocketAddress?) -> Void = { _, _ in }) {
        self.lines = lines
        self.journal = journal
        self.capture = capture
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (drivers, listening) = try await loop.submit { [lines, journal, capture, logger] in
            let drivers = lines.map { BDLCHostLineDriver(configuration: $0, loop: loop, journal: journal, capture: capture, logger: logger) }
            let listening = EventLoopFuture.whenAllSucceed(drivers.map { $0.start() }, on: loop)
            return (NIOLoopBound(drivers, eventLoop: loop), listening)
        }.get()
        let stopAll = { @Sendable in
            try? await loop.submit { drivers.value.forEach { $0.stop() } }.get()
            capture?.close()
        }
        do {
            let addresses = try await listening.get()
            for (line, address) in zip(lines, addresses) { onListening(line, address) }
        } catch {
            await stopAll()
            throw error
        }
        try? await gracefulShutdown()
        logger.info("bdlc-host shutting down")
        await stopAll()
    }
}
