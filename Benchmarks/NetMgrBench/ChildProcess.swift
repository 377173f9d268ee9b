#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a program to completion with its standard output sent to a file (or /dev/null)
/// and reports wall time, exit status and its peak resident set size (wait4's rusage),
/// which is how the benchmark measures each run's memory on its own.
struct ChildRun {
    var status: Int32
    var seconds: Double
    /// ru_maxrss of the child, in MiB.
    var peakResidentMiB: Double

    struct Failure: Error, CustomStringConvertible { var description: String }

    static func run(_ executable: String, _ arguments: [String], standardOutput: String = "/dev/null") throws -> ChildRun {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = ContinuousClock.now
        let rc = posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "cannot run \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let elapsed = ContinuousClock.now - started
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return ChildRun(
            status: code, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            peakResidentMiB: Double(usage.ru_maxrss) / 1024)
    }
}
