import Foundation
import NetMgrTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `scripts/testbed check` (docs/TESTBED.md): keepalived and netmgrd in network
/// namespaces, the host simulator, a streaming client, a live capture; node A's link is cut,
/// then node B's processes are killed; `netmgr verify` must find the VIP resource's address
/// kept (○) and the own-address-none resource's changed (△), and no message may be lost.
/// CI runs the tests as root with keepalived installed (scripts/test installs it), so a
/// missing prerequisite fails this test instead of skipping it.
@Suite("Network-namespace testbed with keepalived", .serialized)
struct TestbedTests {
    let script = BuiltProducts.packageRoot.appendingPathComponent("scripts/testbed").path

    @Test("scripts/testbed check: two failovers on real VRRP, verify keeps both promises, no message lost, nothing left behind")
    func check() async throws {
        try #require(getuid() == 0, "the testbed needs root (network namespaces, veth pairs, keepalived); run the tests as root, as CI does")
        for tool in ["keepalived", "ip", "ss", "flock"] {
            try #require((try? findExecutable(tool)) != nil, "\(tool) is not installed; scripts/test installs what the testbed needs (keepalived, iproute2)")
        }
        let directory = try TemporaryDirectory(prefix: "netmgr-testbed")
        let id = "t\(getpid() % 100_000)"
        var environment = ProcessInfo.processInfo.environment
        environment["NETMGR_BIN_DIR"] = BuiltProducts.directory.path
        let arguments = ["--id", id, "--run-dir", directory.file("run")]

        let result = try await runWithDefaultSignals(script, arguments + ["check"], environment: environment,
                                                     output: directory.file("check.out"), timeout: .seconds(600))
        // Whatever happened, nothing may be left behind: `down` finds nothing to remove.
        let down = try await runWithDefaultSignals(script, arguments + ["down"], environment: environment,
                                                   output: directory.file("down.out"), timeout: .seconds(60))
        let output = result.output
        #expect(!result.timedOut, "scripts/testbed check did not finish within 600 s:\n\(output)")
        #expect(result.status == 0, "scripts/testbed check exited \(result.status):\n\(output)")
        #expect(output.contains("testbed check: PASSED"), "\(output)")
        // Each terminal crosses both failovers (the script also checks at least two kept boundaries per terminal).
        #expect((keptBoundaries(in: output, "verify: ○ TNVIP same address: 4 terminal(s), ") ?? 0) >= 8, "\(output)")
        #expect((keptBoundaries(in: output, "verify: △ TNREAL different address: 2 terminal(s), ") ?? 0) >= 4, "\(output)")
        #expect(output.contains("(exit 0)"), "netmgr verify must exit 0:\n\(output)")
        #expect(output.range(of: #"messages: \d+ sent, 0 lost, \d+ duplicates"#, options: .regularExpression) != nil, "\(output)")
        #expect(output.contains("torn down: namespaces nm-host-\(id) nm-a-\(id) nm-b-\(id) nm-client-\(id) nm-sw-\(id) removed"), "\(output)")
        #expect(down.status == 0 && down.output.contains("nothing to tear down"), "the check left something behind: \(down.output)")
        let namespaces = try await runProcess("ip", ["netns", "list"]).standardOutput
        #expect(!namespaces.contains("-\(id)"), "namespaces left behind:\n\(namespaces)")
    }

    @Test("scripts/testbed refuses to run without root, saying why")
    func refusesWithoutRoot() async throws {
        try #require(getuid() == 0, "run the tests as root, as CI does: this test drops to nobody")
        // A copy nobody can read: the checkout may sit in a directory only root may enter.
        let directory = try TemporaryDirectory(prefix: "netmgr-testbed-user")
        let copy = directory.file("testbed")
        try FileManager.default.copyItem(atPath: script, toPath: copy)
        chmod(directory.path, 0o755)
        chmod(copy, 0o755)
        let result = try await runProcess("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", copy, "check"])
        #expect(result.status == 1, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardError.contains("the testbed must run as root"), "\(result.standardError)")
    }
}

/// N from "PREFIX N failover boundaries kept, 0 broken" (nil if there is no such line or something broke).
func keptBoundaries(in output: String, _ prefix: String) -> Int? {
    for line in output.split(separator: "\n") where line.hasPrefix(prefix) && line.hasSuffix(" kept, 0 broken") {
        return Int(line.dropFirst(prefix.count).prefix { $0.isNumber })
    }
    return nil
}

struct SpawnResult {
    var status: Int32
    var timedOut: Bool
    var output: String
}

/// Runs a program as a shell would start it: an empty signal mask and default signal
/// dispositions (the test runner's threads block signals, and Foundation's Process hands
/// the mask down; the testbed stops its children with SIGTERM and SIGINT, so they must
/// not inherit it). Standard output and error go to `output`. At the deadline the program
/// gets SIGTERM (the testbed tears down on it), then SIGKILL 60 s later.
func runWithDefaultSignals(_ path: String, _ arguments: [String], environment: [String: String],
                           output: String, timeout: Duration) async throws -> SpawnResult {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    setShellSignals(&attributes, defaults: [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD])

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // The testbed lives for a minute: without this it held copies of other tests' sockets
    // and socketpairs, whose peers then never saw them close (CI failed on it).
    guard addCloseFrom(&actions) == 0 else { throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "posix_spawn_file_actions_addclosefrom_np failed"]) }

    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    guard spawned == 0 else {
        throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO, userInfo: [NSLocalizedDescriptionKey: "cannot start \(path): \(String(cString: strerror(spawned)))"])
    }

    // Polls for the exit: the deadline is what matters here, not a prompt wake-up.
    func reap(within limit: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            if reaped < 0 && errno != EINTR { return -1 }
            if clock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
    var timedOut = false
    var status = await reap(within: timeout)
    if status == nil {
        timedOut = true
        kill(pid, SIGTERM)
        status = await reap(within: .seconds(60))
        if status == nil {
            kill(pid, SIGKILL)
            status = await reap(within: .seconds(10))
        }
    }
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? "(no output in \(output))"
    return SpawnResult(status: status ?? -1, timedOut: timedOut, output: text)
}
