import Foundation

/// A program started for a test that keeps running while the test talks to it: its
/// standard output is read line by line as it comes (to wait for a `ready:` line), its
/// standard error is kept, and it is stopped by signal and waited for with a deadline.
public final class LaunchedProcess: @unchecked Sendable {
    public struct TimedOut: Error, CustomStringConvertible {
        public var description: String
    }

    public private(set) var pid: Int32 = 0
    private let process: Process
    private let lock = NSLock()
    private var output = Data()
    private var errors = Data()
    private var outputClosed = false
    private var errorsClosed = false
    private var status: Int32?

    /// Starts `executable` (a path, or a name looked up in PATH); `input` is written to its
    /// standard input, which is then closed.
    public init(_ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil) throws {
        let path = executable.contains("/") ? executable : try findExecutable(executable)
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        // A thread per pipe with blocking reads, not readabilityHandler: on Linux the
        // handler does not always see the end of the output, and exit() waits for it.
        Self.drain(stdout.fileHandleForReading) { [weak self] data in
            self?.update { $0.output.append(data); if data.isEmpty { $0.outputClosed = true } }
        }
        Self.drain(stderr.fileHandleForReading) { [weak self] data in
            self?.update { $0.errors.append(data); if data.isEmpty { $0.errorsClosed = true } }
        }
        process.terminationHandler = { [weak self] finished in
            self?.update { $0.status = finished.terminationStatus }
        }
        try process.run()
        pid = process.processIdentifier
        if let input {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
    }

    /// Hands each chunk read from `handle` to `received`, then an empty one at the end.
    private static func drain(_ handle: FileHandle, _ received: @escaping @Sendable (Data) -> Void) {
        // read(2) returns what the pipe holds now (FileHandle.read(upToCount:) would wait
        // for the whole count, holding back a `ready:` line until the program ends).
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                let data = count > 0 ? Data(buffer[0..<count]) : Data()
                received(data)
                if data.isEmpty { return }
            }
        }
        reader.start()
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }

    public var standardOutput: String { lock.withLock { String(decoding: output, as: UTF8.self) } }
    public var standardError: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }
    public var exitStatus: Int32? { lock.withLock { status } }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// The first complete output line starting with `prefix`, waiting until `timeout`.
    public func line(startingWith prefix: String, timeout: Duration = .seconds(30)) async throws -> String {
        try await waitFor("an output line starting with \"\(prefix)\"", timeout: timeout) { this in
            let text = String(decoding: this.output, as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if !text.hasSuffix("\n") { lines.removeLast() }  // not complete yet
            if let line = lines.first(where: { $0.hasPrefix(prefix) }) { return .found(String(line)) }
            return this.outputClosed || this.status != nil ? .impossible("the program's output ended") : .notYet
        }
    }

    /// The first complete standard-error line containing `text`, waiting until `timeout`.
    public func errorLine(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        try await waitFor("a standard-error line containing \"\(text)\"", timeout: timeout) { this in
            let errors = String(decoding: this.errors, as: UTF8.self)
            if let line = errors.split(separator: "\n").first(where: { $0.contains(text) }) { return .found(String(line)) }
            return this.status != nil ? .impossible("the program ended") : .notYet
        }
    }

    /// Waits for the program to end; kills it at the deadline and throws. The exit is
    /// reported before the pipes are drained, so it then waits (briefly: a child the
    /// program left behind may hold them open) for the end of both outputs, so that
    /// `standardOutput` holds everything the program wrote.
    @discardableResult
    public func exit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let status: Int32
        do {
            status = try await waitFor("the program to exit", timeout: timeout) { this in
                this.status.map { .found($0) } ?? .notYet
            }
        } catch {
            kill(pid, SIGKILL)
            throw error
        }
        _ = try? await waitFor("the end of the program's output", timeout: .seconds(5)) { this in
            this.outputClosed && this.errorsClosed ? .found(true) : .notYet
        }
        return status
    }

    /// Sends `signal` (unless it has ended), waits up to `timeout` for the exit, SIGKILL
    /// after that; returns the exit status (the signal's number when a signal ended it).
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async -> Int32 {
        if exitStatus == nil { kill(pid, signal) }
        if let status = try? await exit(timeout: timeout) { return status }
        return (try? await exit(timeout: .seconds(5))) ?? -1
    }

    private enum Check<T: Sendable>: Sendable {
        case found(T)
        case notYet
        case impossible(String)
    }

    /// A parked wait: `recheck` runs under the lock after every change and resumes the
    /// waiter when it is done; `cancel` resumes it empty-handed.
    private struct Waiter {
        var recheck: () -> Bool
        var cancel: () -> Void
    }

    private var waiters: [UUID: Waiter] = [:]

    private func update(_ body: (LaunchedProcess) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body(self)
        waiters = waiters.filter { !$0.value.recheck() }
    }

    private func waitFor<T: Sendable>(_ what: String, timeout: Duration, _ check: @escaping @Sendable (LaunchedProcess) -> Check<T>) async throws -> T {
        let id = UUID()
        let outcome: Check<T>? = await withTaskGroup(of: Check<T>?.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Check<T>?, Never>) in
                        self.lock.lock()
                        defer { self.lock.unlock() }
                        let now = check(self)
                        guard case .notYet = now, !Task.isCancelled else {
                            continuation.resume(returning: now)
                            return
                        }
                        self.waiters[id] = Waiter(
                            recheck: {
                                let later = check(self)
                                if case .notYet = later { return false }
                                continuation.resume(returning: later)
                                return true
                            },
                            cancel: { continuation.resume(returning: nil) })
                    }
                } onCancel: {
                    let waiter = self.lock.withLock { self.waiters.removeValue(forKey: id) }
                    waiter?.cancel()
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)  // a deadline, not synchronisation
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        switch outcome {
        case .found(let value):
            return value
        case .impossible(let why):
            throw TimedOut(description: "\(what): \(why); stdout:\n\(standardOutput)\nstderr:\n\(standardError)")
        case .notYet, nil:
            throw TimedOut(description: "no \(what) within \(timeout); stdout:\n\(standardOutput)\nstderr:\n\(standardError)")
        }
    }
}
