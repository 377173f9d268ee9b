import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A netmgr process the harness started: its output goes to a log file, it is signalled
/// by pid, and it is always reaped. Readiness is the first stdout line starting with
/// `ready:` (the simulators print one), or a condition the caller polls.
public final class ChildProcess: @unchecked Sendable {
    public let name: String
    public let logPath: String
    private let process: Process
    private let lock = NSLock()
    private var readyLine: String?
    private var readyWaiters: [UInt64: CheckedContinuation<String, Error>] = [:]
    private var nextWaiter: UInt64 = 0
    private var exited = false
    private var exitWaiters: [CheckedContinuation<Int32, Never>] = []
    private var partialLine = ""

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public var pid: Int32 { process.processIdentifier }

    /// Starts `executable` with its stdout and stderr in `logPath`.
    public init(name: String, executable: String, arguments: [String], logPath: String, environment: [String: String]? = nil) throws {
        self.name = name
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)  // FileHandle below says why if it failed
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let stdout = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = stdout
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            log.write(data)
            self?.scan(String(decoding: data, as: UTF8.self))
        }
        process.terminationHandler = { [weak self] process in
            self?.didExit(process.terminationStatus)
        }
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start \(name) (\(executable)): \(error)")
        }
        ChildRegistry.add(self)
    }

    private func scan(_ text: String) {
        lock.lock()
        partialLine += text
        var found: String?
        while let newline = partialLine.firstIndex(of: "\n") {
            let line = String(partialLine[..<newline])
            partialLine = String(partialLine[partialLine.index(after: newline)...])
            if found == nil, readyLine == nil, line.hasPrefix("ready:") { found = line }
        }
        var waiters: [CheckedContinuation<String, Error>] = []
        if let found {
            readyLine = found
            waiters = Array(readyWaiters.values)
            readyWaiters.removeAll()
        }
        lock.unlock()
        waiters.forEach { $0.resume(returning: found!) }
    }

    private func didExit(_ status: Int32) {
        ChildRegistry.remove(process.processIdentifier)
        lock.lock()
        exited = true
        let ready = Array(readyWaiters.values)
        readyWaiters.removeAll()
        let exits = exitWaiters
        exitWaiters.removeAll()
        lock.unlock()
        let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
        ready.forEach { $0.resume(throwing: Failure(description: "\(name) exited with status \(status) before it was ready; last lines of \(logPath):\n\(tail)")) }
        exits.forEach { $0.resume(returning: status) }
    }

    /// Waits for the `ready:` line; fails if the process exits first or the deadline passes.
    public func waitUntilReady(timeout: Duration = .seconds(30)) async throws -> String {
        let name = self.name
        return try await withDeadline(timeout, what: "\(name) to print its ready line") {
            let id = self.lock.withLock { () -> UInt64 in
                self.nextWaiter += 1
                return self.nextWaiter
            }
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    self.lock.lock()
                    if let line = self.readyLine {
                        self.lock.unlock()
                        continuation.resume(returning: line)
                    } else if self.exited {
                        self.lock.unlock()
                        continuation.resume(throwing: Failure(description: "\(name) is not running"))
                    } else if Task.isCancelled {
                        self.lock.unlock()
                        continuation.resume(throwing: CancellationError())
                    } else {
                        self.readyWaiters[id] = continuation
                        self.lock.unlock()
                    }
                }
            } onCancel: {
                let waiter = self.lock.withLock { self.readyWaiters.removeValue(forKey: id) }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }

    /// Waits for the process to exit and returns its status (a deadline around this
    /// call gives up waiting; the process keeps running).
    public func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            lock.lock()
            if exited {
                lock.unlock()
                continuation.resume(returning: process.terminationStatus)
            } else {
                exitWaiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// Waits for exit up to `timeout`; nil if still running then.
    public func waitForExit(timeout: Duration) async -> Int32? {
        // The process ends eventually (the caller kills it), which resumes the waiter,
        // so an abandoned wait does not leak; poll the flag for the deadline.
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if !isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return isRunning ? nil : process.terminationStatus
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !exited
    }

    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(pid, signal)
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) async -> Int32 {
        guard isRunning else { return process.terminationStatus }
        signal(SIGTERM)
        if let status = await waitForExit(timeout: grace) { return status }
        signal(SIGKILL)
        return await waitForExit()
    }
}

/// Runs blocking work (the admin socket's request and answer, which can take as long as an
/// activation) on a thread of its own. On Swift's cooperative pool, which has one thread
/// per core, two such waits would stall every other task of the process meanwhile.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs `body`, failing with `DeadlineExceeded` if it has not finished within `timeout`.
public func withDeadline<T: Sendable>(_ timeout: Duration, what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)  // a deadline, not synchronisation
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(description: "timed out after \(timeout) waiting for \(what)")
        }
        return value
    }
}

/// Polls `condition` until it holds or the deadline passes (for state only visible by
/// asking, such as a socket file appearing).
public func waitUntil(_ timeout: Duration, what: String, every interval: Duration = .milliseconds(20),
                      _ condition: @escaping @Sendable () async -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: interval)
    }
    if await condition() { return }
    throw DeadlineExceeded(description: "timed out after \(timeout) waiting for \(what)")
}

/// Every child the harness started and has not reaped, so that an interrupted demo or
/// benchmark (Ctrl-C, SIGTERM from `timeout`) takes its processes down with it.
enum ChildRegistry {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var children: [Int32: ChildProcess] = [:]
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var cleanups: [@Sendable () -> Void] = []

    /// Runs `cleanup` on SIGINT/SIGTERM after the children are stopped (the testbed removes
    /// its namespaces there).
    static func onSignal(_ cleanup: @escaping @Sendable () -> Void) {
        lock.withLock { cleanups.append(cleanup) }
        installOnce()
    }

    static func add(_ child: ChildProcess) {
        lock.withLock { children[child.pid] = child }
        installOnce()
    }

    static func remove(_ pid: Int32) { lock.withLock { _ = children.removeValue(forKey: pid) } }

    private static func installOnce() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for signal in [SIGINT, SIGTERM] {
            Glibc.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { stopAllAndExit(signal) }
            source.resume()
            sources.append(source)
        }
    }

    private static func stopAllAndExit(_ signal: Int32) {
        let running = lock.withLock { Array(children.values) }
        for child in running { child.signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(5)
        while running.contains(where: \.isRunning), Date() < deadline { usleep(20_000) }
        for child in running where child.isRunning { child.signal(SIGKILL) }
        for cleanup in lock.withLock({ cleanups }) { cleanup() }
        exit(128 + signal)
    }
}
