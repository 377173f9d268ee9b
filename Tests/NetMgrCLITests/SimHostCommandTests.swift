import Foundation
import NetMgrTestSupport
import Testing

/// `netmgr sim host`'s command line: usage errors name the option and exit 64, unusable
/// input exits 2, runtime failures exit 1, each with a message that says what and where.
@Suite("netmgr sim host: arguments and exit codes")
struct SimHostCommandTests {
    let netmgr = BuiltProducts.path("netmgr")
    let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    @Test("bad arguments exit 64 and name the option", arguments: [
        ([], "--listen"),
        (["--listen", "127.0.0.100", "--lu", "LU1"], "--listen 127.0.0.100"),
        (["--listen", "127.0.0.100:70000", "--lu", "LU1"], "--listen 127.0.0.100:70000"),
        (["--listen", "127.0.0.100:0"], "--definitions DIR and/or --lu"),
        (["--listen", "127.0.0.100:0", "--lu", "lu1"], "--lu \"lu1\""),
        (["--listen", "127.0.0.100:0", "--lu", "LU1=10.0.0"], "--lu \"LU1=10.0.0\""),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--hold-after-close=-1"], "--hold-after-close"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--probe-interval", "0"], "--probe-interval"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--probe-timeout", "100"], "--probe-timeout needs --probe-interval"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--reject-every", "0"], "--reject-every"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--print-every", "0"], "--print-every"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--reject-at-screen=-1"], "--reject-at-screen"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--reject-at-screen", "9223372036854775807"], "--reject-at-screen"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--refuse-held-at-screen=-1"], "--refuse-held-at-screen"),
        (["--listen", "127.0.0.100:0", "--lu", "LU1", "--log-level", "loud"], "--log-level loud"),
    ])
    func usageErrors(arguments: [String], named: String) async throws {
        let result = try await runProcess(netmgr, ["sim", "host"] + arguments, timeout: .seconds(30))
        #expect(result.status == 64, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(named), "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test("a journal that cannot be written exits 2 and names it")
    func unwritableJournal() async throws {
        let result = try await runProcess(netmgr, ["sim", "host", "--listen", "127.0.0.100:0", "--lu", "LU1", "--journal", "/nonexistent/dir/host.jsonl"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("cannot write the journal /nonexistent/dir/host.jsonl: No such file or directory"))
        #expect(!result.standardOutput.contains("ready:"))
    }

    @Test("unreadable or invalid definitions exit 2")
    func unusableDefinitions() async throws {
        let missing = try await runProcess(netmgr, ["sim", "host", "--listen", "127.0.0.100:0", "--definitions", "/nonexistent/defs"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("/nonexistent/defs: no such directory"))

        let directory = try TemporaryDirectory(prefix: "simhost-defs")
        try "lus:\n  - { name: lu1, address: 300, resource: NONE }\n".write(toFile: directory.file("lus.yaml"), atomically: true, encoding: .utf8)
        let invalid = try await runProcess(netmgr, ["sim", "host", "--listen", "127.0.0.100:0", "--definitions", directory.path])
        #expect(invalid.status == 2)
        #expect(invalid.standardError.contains("lus.yaml:"))
        #expect(invalid.standardError.contains("the host simulator needs valid definitions"))
    }

    @Test("a port in use exits 1 with a clear message")
    func portInUse() async throws {
        let first = try LaunchedProcess(netmgr, ["sim", "host", "--listen", "127.0.0.100:0", "--definitions", phonebook])
        let ready = try await first.line(startingWith: "ready: tn3270 ")
        let address = String(ready.dropFirst("ready: tn3270 ".count))

        let second = try await runProcess(netmgr, ["sim", "host", "--listen", address, "--definitions", phonebook])
        #expect(second.status == 1)
        #expect(second.standardError.contains("cannot listen for TN3270 on \(address): address already in use"), "stderr: \(second.standardError)")
        #expect(!second.standardOutput.contains("ready:"))

        first.signal(SIGINT)
        #expect(try await first.exit() == 0)
    }
}
