import Logging
import ServiceLifecycle

/// Runs a simulator's services until SIGTERM or SIGINT; a failure is printed and exits with
/// `Exit.failed`. What `sim line-switch`, `sim exchange` and the host simulators do alike.
func runSimulatorServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(
        services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
        try await group.run()
    } catch {
        printError("error: \(error)")
        throw Exit.failed
    }
}
