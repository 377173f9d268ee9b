import Logging
import NIOCore
import ServiceLifecycle

/// The line switch device simulator as a Service: starts, reports its control address, runs
/// until graceful shutdown (SIGTERM/SIGINT in a ServiceGroup), then closes ports and capture.
public struct LineSwitchService: Service {
    public let configuration: LineSwitchConfiguration
    public let logger: Logger
    let onReady: @Sendable (LineSwitchDevice) -> Void

    public init(configuration: LineSwitchConfiguration, logger: Logger, onReady: @escaping @Sendable (LineSwitchDevice) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let device = try await LineSwitchDevice.start(configuration: configuration, logger: logger)
        onReady(device)
        try? await gracefulShutdown()
        logger.info("line switch shutting down")
        await device.close()
    }
}
