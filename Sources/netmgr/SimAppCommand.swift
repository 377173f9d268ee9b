import ArgumentParser
import Foundation
import NetMgrClient
import NetMgrSimulators
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// An application on a client machine: it streams numbered messages on LU sessions
/// through NetMgrClient, as the apps netmgr serves would, and afterwards reports what it
/// sent, so the host's journal can be checked for losses and duplicates.
struct SimAppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Run a client application that streams messages on LU sessions through NetMgrClient.",
        discussion: """
            Prints `ready: app N sessions` once every session is open, then streams until \
            --duration passes or SIGTERM/SIGINT arrives, waits until the host accepted every \
            message, and writes the report (JSON: per session the digests sent, as the host \
            journal records them). Exit codes: 0 every message accepted, 1 some were not \
            accepted in time, 2 the sessions could not be opened, 64 usage.
            """
    )

    @Option(name: .customLong("server"), help: ArgumentHelp("A netmgrd LAN address, HOST:PORT (repeat for each node).", valueName: "host:port"))
    var servers: [String]

    @Option(name: .customLong("session"), help: ArgumentHelp("An LU session to stream on, RESOURCE/LU (repeatable).", valueName: "resource/lu"))
    var sessions: [String]

    @Option(help: "Milliseconds between messages on each session.") var intervalMs: Int = 20
    @Option(help: "Seconds to stream (default: until SIGTERM or SIGINT).") var duration: Double?
    @Option(help: ArgumentHelp("Where to write the report.", valueName: "file")) var report: String?
    @Option(help: ArgumentHelp("Append each message as it is submitted to this file (JSON lines: time, resource, LU, digest), for a reader that counts while the app runs (the testbed's campaign).", valueName: "file"))
    var ledger: String?
    @Option(help: "Seconds to wait for the host to accept what was sent.") var drainTimeout: Double = 60
    @Option(help: "Seconds to wait for the sessions to open (default: as long as it takes).") var openTimeout: Double?
    @OptionGroup var tls: ClientTLSOptions

    func validate() throws {
        for server in servers where server.split(separator: ":").count != 2 || Int(server.split(separator: ":").last ?? "") == nil {
            throw ValidationError("--server \(server): expected HOST:PORT")
        }
        for session in sessions where session.split(separator: "/").count != 2 {
            throw ValidationError("--session \(session): expected RESOURCE/LU")
        }
        guard intervalMs >= 1 else { throw ValidationError("--interval-ms must be at least 1") }
        if let openTimeout, !(openTimeout > 0 && openTimeout <= 86_400) { throw ValidationError("--open-timeout must be a number of seconds from 0 to 86400") }
    }

    struct Report: Codable {
        struct Session: Codable {
            var resource: String
            var lu: String
            var sent: [String]
            var unacknowledged: Int
        }
        var sessions: [Session]
        var events: [String]
    }

    func run() async throws {
        let addresses = servers.map { server -> ServerAddress in
            let parts = server.split(separator: ":")
            return ServerAddress(host: String(parts[0]), port: Int(parts[1])!)
        }
        let clientTLS: ClientTLS?
        do {
            clientTLS = try tls.load()
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        let client = NetMgrClient(configuration: NetMgrClientConfiguration(servers: addresses, tls: clientTLS))
        client.start()
        let log = EventLog()
        let watcher = Task {
            for await event in client.events {
                switch event {
                case .messageAcked, .sessionState, .hostData: continue
                default: await log.add("\(event)")
                }
            }
        }
        var opened: [LUSession] = []
        do {
            let specs = sessions.map { $0.split(separator: "/").map(String.init) }
            let openAll: @Sendable () async throws -> [LUSession] = {
                var sessions: [LUSession] = []
                for parts in specs { sessions.append(try await client.openSession(resource: parts[0], lu: parts[1])) }
                return sessions
            }
            if let openTimeout {
                opened = try await withTimeout(seconds: openTimeout, openAll)
            } else {
                opened = try await openAll()
            }
        } catch {
            let lost = await log.lines.filter { $0.contains("serverLost") }.suffix(3)
            printError("error: cannot open the sessions: \(error)" + (lost.isEmpty ? "" : "\n" + lost.joined(separator: "\n")))
            await client.shutdown()
            throw Exit.unreadable
        }
        print("ready: app \(opened.count) sessions")
        fflushStandardOutput()

        let sent = SentLog()
        let ledgerFile: DeliveryLedgerFile?
        do {
            ledgerFile = try ledger.map { try DeliveryLedgerFile(path: $0) }
        } catch {
            printError("error: --ledger: \(error)")
            await client.shutdown()
            throw Exit.unreadable
        }
        let interval = intervalMs
        let streams = opened
        let streaming = Task {
            await withTaskGroup(of: Void.self) { group in
                for session in streams {
                    group.addTask {
                        var serial = 0
                        while !Task.isCancelled {
                            serial += 1
                            let payload = Array("\(session.lu) app message \(serial)".utf8)
                            guard (try? await session.submit(payload)) != nil else { return }
                            let digest = journalDigest(payload)
                            ledgerFile?.append(.init(time: Date().timeIntervalSince1970, resource: session.resource, lu: session.lu, digest: digest))
                            await sent.add(session.lu, digest)
                            try? await Task.sleep(for: .milliseconds(interval))  // pacing
                        }
                    }
                }
            }
        }
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        if let duration {
            try? await Task.sleep(for: .milliseconds(Int(duration * 1000)))
        } else {
            for await _ in signals { break }
        }
        streaming.cancel()
        await streaming.value

        // Wait (bounded) until the host accepted everything.
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(drainTimeout * 1000))
        var pending = 0
        repeat {
            pending = 0
            for session in opened { pending += (try? await session.unacknowledged()) ?? 0 }
            if pending == 0 { break }
            try? await Task.sleep(for: .milliseconds(50))
        } while clock.now < deadline
        watcher.cancel()

        var result = Report(sessions: [], events: await log.lines)
        for session in opened {
            result.sessions.append(.init(resource: session.resource, lu: session.lu, sent: await sent.digests(session.lu),
                                         unacknowledged: (try? await session.unacknowledged()) ?? 0))
        }
        await client.shutdown()
        ledgerFile?.close()
        if let report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(result).write(to: URL(fileURLWithPath: report))
        }
        let total = result.sessions.map(\.sent.count).reduce(0, +)
        print("sent \(total) messages on \(opened.count) sessions; \(pending) not accepted")
        if pending > 0 { throw Exit.failed }
    }
}

private struct OpenTimeout: Error, CustomStringConvertible {
    var description: String
}

/// Runs `body`, or fails with a message saying how long it waited.
private func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))  // a deadline
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw OpenTimeout(description: "not open after \(seconds) s (--open-timeout)")
        }
        return value
    }
}

private actor SentLog {
    var byLU: [String: [String]] = [:]
    func add(_ lu: String, _ digest: String) { byLU[lu, default: []].append(digest) }
    func digests(_ lu: String) -> [String] { byLU[lu] ?? [] }
}

private actor EventLog {
    var lines: [String] = []
    func add(_ line: String) { lines.append(String(format: "%.6f ", Date().timeIntervalSince1970) + line) }
}

/// `print` buffers when stdout is a pipe; orchestrators wait for the ready line now.
func fflushStandardOutput() {
    fflush(nil)
}
