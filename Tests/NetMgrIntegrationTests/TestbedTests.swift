import Foundation
import NetMgrTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `scripts/testbed check` (docs/TESTBED.md): the short fault campaign in network
/// namespaces with keepalived, every fault kind once under a steady stream on every LU;
/// after each fault one owner, `netmgr verify` keeps every promise on the live capture, no
/// message lost; nothing left behind. CI runs the tests as root with keepalived installed
/// (scripts/test installs it), so a missing prerequisite fails this test instead of skipping it.
@Suite("Network-namespace testbed with keepalived", .serialized)
struct TestbedTests {
    let script = BuiltProducts.packageRoot.appendingPathComponent("scripts/testbed").path

    @Test("scripts/testbed check: every fault kind once on real VRRP, verify keeps every promise, no message lost, nothing left behind")
    func check() async throws {
        try #require(getuid() == 0, "the testbed needs root (network namespaces, veth pairs, keepalived); run the tests as root, as CI does")
        for tool in ["keepalived", "ip", "ss", "tc", "bridge", "iptables", "flock"] {
            try #require((try? findExecutable(tool)) != nil, "\(tool) is not installed; scripts/test installs what the testbed needs (keepalived, iproute2, iptables)")
        }
        let directory = try TemporaryDirectory(prefix: "netmgr-testbed")
        let id = "t\(getpid() % 100_000)"
        var environment = ProcessInfo.processInfo.environment
        environment["NETMGR_BIN_DIR"] = BuiltProducts.directory.path
        let result = try await runWithDefaultSignals(script, ["check", "--id", id, "--run-directory", directory.file("run")], environment: environment,
                                                     output: directory.file("check.out"), timeout: .seconds(600))
        // Whatever happened, nothing may be left behind: `down` finds nothing to remove.
        let down = try await runWithDefaultSignals(script, ["down", "--id", id], environment: environment,
                                                   output: directory.file("down.out"), timeout: .seconds(60))
        let output = result.output
        #expect(!result.timedOut, "scripts/testbed check did not finish within 600 s:\n\(output)")
        #expect(result.status == 0, "scripts/testbed check exited \(result.status):\n\(output)")
        #expect(output.contains("testbed campaign: PASSED (8 faults, 0 messages lost, every promise kept)"), "\(output)")
        // The table: one row per kind, each with its fault, none lost.
        let rows = campaignRows(output)
        for kind in ["cut-cables", "kill-netmgrd", "freeze-netmgrd", "partition-lan", "lossy-host-link", "restart-host", "kill-engine", "restart-line-switch"] {
            #expect(rows[kind]?.count == 1 && rows[kind]?.lost == 0, "\(kind): \(String(describing: rows[kind]))\n\(output)")
        }
        #expect((rows["all"]?.sent ?? 0) > 0 && rows["all"]?.lost == 0, "\(output)")
        #expect(down.status == 0 && down.output.contains("removed 0 namespace(s)"), "the check left something behind: \(down.output)")
        let namespaces = try await runProcess("ip", ["netns", "list"]).standardOutput
        #expect(!namespaces.contains("-\(id)"), "namespaces left behind:\n\(namespaces)")
    }

    @Test("scripts/testbed check --engine pacemaker: the same campaign with Pacemaker and corosync driving the OCF agent in the namespaces")
    func checkWithPacemaker() async throws {
        try #require(getuid() == 0, "the testbed needs root (network, mount and UTS namespaces); run the tests as root, as CI does")
        for tool in ["corosync", "pacemakerd", "crm_mon", "arping", "nsenter", "ip", "iptables"] {
            try #require((try? findExecutable(tool)) != nil, "\(tool) is not installed; scripts/test installs what the testbed needs (pacemaker, corosync, pacemaker-cli-utils, iputils-arping)")
        }
        let directory = try TemporaryDirectory(prefix: "netmgr-testbed-pcmk")
        let id = "p\(getpid() % 100_000)"
        var environment = ProcessInfo.processInfo.environment
        environment["NETMGR_BIN_DIR"] = BuiltProducts.directory.path
        let result = try await runWithDefaultSignals(script, ["check", "--engine", "pacemaker", "--emulator-lines", "0", "--id", id, "--run-directory", directory.file("run")],
                                                     environment: environment, output: directory.file("check.out"), timeout: .seconds(600))
        let output = result.output
        #expect(!result.timedOut && result.status == 0, "scripts/testbed check --engine pacemaker exited \(result.status):\n\(output)")
        #expect(output.contains("engine pacemaker") && output.contains("testbed campaign: PASSED (8 faults, 0 messages lost, every promise kept)"), "\(output)")
        let namespaces = try await runProcess("ip", ["netns", "list"]).standardOutput
        #expect(!namespaces.contains("-\(id)"), "namespaces left behind:\n\(namespaces)")
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(directory.path), "mounts of the Pacemaker nodes left behind:\n\(mounts)")
    }

    @Test("scripts/testbed refuses to run without root, saying why")
    func refusesWithoutRoot() async throws {
        try #require(getuid() == 0, "run the tests as root, as CI does: this test drops to nobody")
        let netmgr = BuiltProducts.directory.appendingPathComponent("netmgr").path
        let result = try await runProcess("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", netmgr, "testbed", "campaign", "--faults", "1"])
        #expect(result.status == 2, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardError.contains("the testbed must run as root"), "\(result.standardError)")
    }
}

/// The campaign table's rows: fault kind → (count, sent, lost).
func campaignRows(_ output: String) -> [String: (count: Int, sent: Int, lost: Int)] {
    var rows: [String: (Int, Int, Int)] = [:]
    var header: [String]?
    for line in output.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if fields.first == "fault", fields.contains("lost") { header = fields; continue }
        guard header != nil, let kind = fields.first, fields.count >= 4 else { continue }
        // The last three columns are sent, lost, dup; the second is the count.
        if let count = Int(fields[1]), let sent = Int(fields[fields.count - 3]), let lost = Int(fields[fields.count - 2]) {
            rows[kind] = (count, sent, lost)
        }
    }
    return rows
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
