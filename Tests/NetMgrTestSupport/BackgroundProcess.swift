#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A program started the way a shell starts it: no signals blocked or ignored, so that
/// SIGTERM and SIGINT reach it. (Foundation's Process passes on the spawning thread's
/// signal mask, in which the test runner's threads block SIGTERM.) Standard error goes to
/// a pipe that `waitForStandardError` reads.
public final class BackgroundProcess {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    public let pid: pid_t
    private let errorFD: Int32
    public private(set) var standardError = ""
    private var exitStatus: Int32?

    public init(_ executable: String, _ arguments: [String], standardOutput: String = "/dev/null") throws {
        var pipeFDs: [Int32] = [-1, -1]
        // Close-on-exec: no other program started meanwhile may hold the write end open.
        guard pipe(&pipeFDs) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        guard addCloseFrom(&actions) == 0 else { throw Failure(description: "posix_spawn_file_actions_addclosefrom_np failed") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        setShellSignals(&attributes)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw Failure(description: "posix_spawn \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        errorFD = pipeFDs[0]
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            reap()
        }
        close(errorFD)
    }

    /// Reads standard error until it contains `text` (true), or the program closes it or
    /// `timeout` passes (false). Polls without blocking: a test blocked in read() holds one
    /// of the few threads of Swift's cooperative pool, and with two cores two such tests
    /// stall every other test in the run.
    public func waitForStandardError(containing text: String, timeout: Duration = .seconds(20)) async -> Bool {
        _ = fcntl(errorFD, F_SETFL, fcntl(errorFD, F_GETFL) | O_NONBLOCK)
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !standardError.contains(text) {
            let n = read(errorFD, &buffer, buffer.count)
            if n > 0 {
                standardError += String(decoding: buffer[0..<n], as: UTF8.self)
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EINTR, ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))  // polling a pipe, with a deadline
        }
        return true
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the exit without blocking a thread; returns the exit status (128 + signal
    /// when killed). Past `timeout` the program is killed, so this always ends.
    @discardableResult
    public func wait(timeout: Duration = .seconds(20)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while exitStatus == nil {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                finish(status)
            } else if reaped < 0 && errno != EINTR {
                finish(0x7F)  // not our child any more: nothing to wait for
            } else if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                reap()
            } else {
                try? await Task.sleep(for: .milliseconds(10))  // polling the child, with a deadline
            }
        }
        return exitStatus ?? -1
    }

    /// Waits for the exit, blocking: only for cleanup after a signal that ends the program
    /// at once (SIGKILL, or SIGTERM to socat).
    public func reap() {
        guard exitStatus == nil else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        finish(status)
    }

    private func finish(_ status: Int32) {
        exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        // Keep what it said last (tcpdump's packet counts, netmgr's summary), without
        // waiting for an end of file that a grandchild could still hold off.
        _ = fcntl(errorFD, F_SETFL, fcntl(errorFD, F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(errorFD, &buffer, buffer.count)
            guard n > 0 else { break }
            standardError += String(decoding: buffer[0..<n], as: UTF8.self)
        }
    }
}
