import Foundation
import Logging
import NIOCore
import NetMgrSimulators
import NetMgrTestSupport
import ServiceLifecycle

/// A `TN3270HostService` running in a service group for one test, on a loopback address
/// and a port the kernel picks, with its journal and log lines observable.
final class TN3270HostTestHarness: Sendable {
    let address: SocketAddress
    /// The direct-TLS listener, when the configuration has one.
    let tlsAddress: SocketAddress?
    let journal: TN3270HostTestLog<HostJournalEntry>
    let logs: TN3270HostTestLog<String>
    let journalPath: String
    private let directory: TemporaryDirectory
    private let hostJournal: HostJournal
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var port: Int { address.port ?? 0 }
    var tlsPort: Int { tlsAddress?.port ?? 0 }

    private init(
        address: SocketAddress, tlsAddress: SocketAddress?, journal: TN3270HostTestLog<HostJournalEntry>, logs: TN3270HostTestLog<String>,
        directory: TemporaryDirectory, hostJournal: HostJournal, group: ServiceGroup, task: Task<Void, any Error>
    ) {
        self.address = address
        self.tlsAddress = tlsAddress
        self.journal = journal
        self.logs = logs
        self.directory = directory
        self.journalPath = hostJournal.path
        self.hostJournal = hostJournal
        self.group = group
        self.task = task
    }

    private enum Startup: Sendable {
        case listening(SocketAddress)
        case listeningTLS(SocketAddress)
        /// Every listener the configuration has is bound.
        case ready(SocketAddress, tls: SocketAddress?)
        case failed(String)
    }

    struct StartupFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts a host on `host` port 0 (the configuration's port is replaced).
    static func start(_ configuration: TN3270HostConfiguration, host: String = "127.0.0.100") async throws -> TN3270HostTestHarness {
        var configuration = configuration
        configuration.host = host
        configuration.port = 0
        if configuration.tls?.directHost != nil {
            configuration.tls?.directHost = host
            configuration.tls?.directPort = 0
        }
        let wantsTLSListener = configuration.tls?.directHost != nil
        let journal = TN3270HostTestLog<HostJournalEntry>()
        let logs = TN3270HostTestLog<String>()
        let directory = try TemporaryDirectory(prefix: "tn3270host")
        let hostJournal = try HostJournal(path: directory.file("journal.jsonl"))
        var logger = Logger(label: "test.tn3270host") { _ in TN3270HostTestLogHandler(lines: logs) }
        logger.logLevel = .debug
        let (startup, continuation) = AsyncStream<Startup>.makeStream()
        let service = TN3270HostService(
            configuration: configuration, journal: hostJournal, logger: logger,
            observer: { journal.append($0) },
            onListening: { continuation.yield(.listening($0)) },
            onTLSListening: { continuation.yield(.listeningTLS($0)) })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: logger))
        let task = Task {
            do {
                try await group.run()
                continuation.yield(.failed("the host stopped before it listened"))
            } catch {
                continuation.yield(.failed("\(error)"))
                throw error
            }
        }
        // Both listeners are bound before either is reported: the plain one comes first.
        let first = try await withThrowingTaskGroup(of: Startup?.self) { waiting in
            waiting.addTask {
                var plain: SocketAddress?
                for await event in startup {
                    switch event {
                    case .listening(let address):
                        guard wantsTLSListener else { return .ready(address, tls: nil) }
                        plain = address
                    case .listeningTLS(let address):
                        guard let plain else { return .failed("the TLS listener was reported before the plain one") }
                        return .ready(plain, tls: address)
                    case .failed, .ready:
                        return event
                    }
                }
                return nil
            }
            waiting.addTask {
                try await Task.sleep(for: .seconds(10))  // a deadline, not synchronisation
                return nil
            }
            defer { waiting.cancelAll() }
            return try await waiting.next() ?? nil
        }
        switch first {
        case .ready(let address, let tlsAddress):
            return TN3270HostTestHarness(
                address: address, tlsAddress: tlsAddress, journal: journal, logs: logs, directory: directory, hostJournal: hostJournal,
                group: group, task: task)
        case .listening, .listeningTLS:
            throw StartupFailed(description: "host startup reported out of order")
        case .failed(let why):
            throw StartupFailed(description: "host did not start: \(why)")
        case nil:
            task.cancel()
            throw StartupFailed(description: "host did not report listening within 10 s")
        }
    }

    /// Graceful shutdown, as SIGTERM would trigger it; returns when the service is done.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        hostJournal.close()
    }

    /// The journal file as written, read back.
    func journalFile() throws -> [HostJournalEntry] {
        try HostJournal.read(path: journalPath)
    }

    /// Waits for a journal entry of `event` that matches.
    @discardableResult
    func entry(_ event: HostJournalEntry.Event, timeout: Duration = .seconds(10), where predicate: @escaping @Sendable (HostJournalEntry) -> Bool = { _ in true }) async throws -> HostJournalEntry {
        try await journal.first("journal \(event) entry", timeout: timeout) { $0.event == event && predicate($0) }
    }
}

/// Runs `body` against a fresh host and always stops it.
func withTN3270Host<R>(
    _ configuration: TN3270HostConfiguration, host: String = "127.0.0.100",
    _ body: (TN3270HostTestHarness) async throws -> R
) async throws -> R {
    let harness = try await TN3270HostTestHarness.start(configuration, host: host)
    do {
        let result = try await body(harness)
        try await harness.stop()
        return result
    } catch {
        try? await harness.stop()
        throw error
    }
}
