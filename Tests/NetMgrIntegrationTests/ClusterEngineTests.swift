import Foundation
import NetMgrHarness
import NetMgrTestSupport
import Testing

/// The cluster-engine integration files against a real netmgrd (no host needed: the
/// resources go active and keep retrying their LUs).
@Suite("Cluster engine integration", .serialized)
struct ClusterEngineTests {
    let integrations = BuiltProducts.packageRoot.appendingPathComponent("Integrations").path
    let netmgr = BuiltProducts.path("netmgr")

    /// One netmgrd for node-a of the example cluster in its own address block.
    func withNode(block: Int, _ body: (IntegrationWorld) async throws -> Void) async throws {
        let world = try IntegrationWorld(block: block)
        do {
            try await world.cluster.startNode("node-a")
            try await body(world)
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    func summary(_ world: IntegrationWorld, _ target: String) async throws -> String {
        try await runProcess(netmgr, ["status", "--summary", "--socket", world.cluster.adminSocket("node-a"), target])
            .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("the Pacemaker agent passes ocf-tester (resource-agents)")
    func ocfTester() async throws {
        try await withNode(block: 41) { (world: IntegrationWorld) async throws in
            let tester = try findExecutable("ocf-tester")
            let result = try await runProcess(tester, [
                "-n", "tnvip", "-o", "group=TNVIP", "-o", "socket=\(world.cluster.adminSocket("node-a"))", "-o", "netmgr=\(netmgr)",
                "\(integrations)/pacemaker/netmgr",
            ], timeout: .seconds(180))
            #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError)")
            #expect(result.standardOutput.contains("passed all tests"))
        }
    }

    @Test("the agent's exit codes follow OCF: not running is 7, a missing group 6, a missing command 5")
    func ocfExitCodes() async throws {
        try await withNode(block: 42) { (world: IntegrationWorld) async throws in
            let agent = "\(integrations)/pacemaker/netmgr"
            func run(_ action: String, _ env: [String: String]) async throws -> Int32 {
                var environment = ProcessInfo.processInfo.environment
                environment.merge(env) { $1 }
                return try await runProcess(agent, [action], environment: environment).status
            }
            let base = ["OCF_RESKEY_group": "TNVIP", "OCF_RESKEY_socket": world.cluster.adminSocket("node-a"), "OCF_RESKEY_netmgr": netmgr]
            #expect(try await run("monitor", base) == 7)
            #expect(try await run("start", base) == 0)
            #expect(try await run("monitor", base) == 0)
            #expect(try await run("stop", base) == 0)
            #expect(try await run("monitor", base) == 7)
            #expect(try await run("validate-all", base.filter { $0.key != "OCF_RESKEY_group" }) == 6)
            #expect(try await run("validate-all", base.merging(["OCF_RESKEY_netmgr": "/nonexistent/netmgr"]) { $1 }) == 5)
            #expect(try await run("monitor", base.merging(["OCF_RESKEY_socket": "/nonexistent.sock"]) { $1 }) == 7)
        }
    }

    @Test("the keepalived notify script activates on MASTER and deactivates on BACKUP and FAULT")
    func keepalivedNotify() async throws {
        try await withNode(block: 43) { (world: IntegrationWorld) async throws in
            let notify = "\(integrations)/keepalived/netmgr-notify"
            let log = world.directory.file("notify.log")
            let options = ["--group", "TNVIP", "--socket", world.cluster.adminSocket("node-a"), "--netmgr", netmgr, "--log", log]
            #expect(try await runProcess(notify, options + ["INSTANCE", "netmgr_hostlink", "MASTER", "100"]).status == 0)
            #expect(try await summary(world, "TNVIP") == "active")
            #expect(try await runProcess(notify, options + ["INSTANCE", "netmgr_hostlink", "BACKUP", "100"]).status == 0)
            #expect(try await summary(world, "TNVIP") == "standby")
            _ = try await runProcess(notify, options + ["INSTANCE", "netmgr_hostlink", "MASTER", "100"])
            #expect(try await runProcess(notify, options + ["INSTANCE", "netmgr_hostlink", "FAULT", "100"]).status == 0)
            #expect(try await summary(world, "TNVIP") == "standby")
            let logged = try String(contentsOfFile: log, encoding: .utf8)
            #expect(logged.contains(" MASTER") && logged.contains(" BACKUP") && logged.contains(" FAULT") && logged.contains("activated rc=0"))
        }
    }

    @Test("the keepalived check fails when netmgrd does not answer, and activates a MASTER whose netmgrd stepped down")
    func keepalivedCheck() async throws {
        try await withNode(block: 43) { (world: IntegrationWorld) async throws in
            let notify = "\(integrations)/keepalived/netmgr-notify"
            let socket = world.cluster.adminSocket("node-a")
            let log = world.directory.file("check.log")
            let options = ["--group", "TNVIP", "--socket", socket, "--netmgr", netmgr, "--log", log]
            // BACKUP and standby: nothing to do.
            #expect(try await runProcess(notify, options + ["INSTANCE", "netmgr_hostlink", "BACKUP", "100"]).status == 0)
            #expect(try await runProcess(notify, options + ["--check"]).status == 0)
            #expect(try await summary(world, "TNVIP") == "standby")
            // MASTER, then netmgrd steps down (a newer epoch elsewhere, here a deactivate): the check activates again.
            #expect(try await runProcess(notify, options + ["INSTANCE", "netmgr_hostlink", "MASTER", "100"]).status == 0)
            _ = try await runProcess(netmgr, ["deactivate", "--socket", socket, "TNVIP"])
            #expect(try await summary(world, "TNVIP") == "standby")
            #expect(try await runProcess(notify, options + ["--check"]).status == 0)
            try await waitUntil(.seconds(10), what: "the check's activation") { (try? await summary(world, "TNVIP")) == "active" }
            #expect(try String(contentsOfFile: log, encoding: .utf8).contains("reconcile: MASTER but TNVIP standby"))
            // No netmgrd answering: the check fails, so keepalived gives up the VIP.
            let missing = options.map { $0 == socket ? world.directory.file("nobody.sock") : $0 }
            #expect(try await runProcess(notify, missing + ["--check"]).status == 1)
        }
    }

    @Test("CLUSTERPRO scripts: START and FAILOVER act, RECOVER does nothing")
    func clusterpro() async throws {
        try await withNode(block: 44) { (world: IntegrationWorld) async throws in
            var environment = ProcessInfo.processInfo.environment
            environment["NETMGR"] = netmgr
            environment["NETMGR_GROUP"] = "TNVIP"
            environment["NETMGR_SOCKET"] = world.cluster.adminSocket("node-a")
            func script(_ name: String, event: String, server: String = "HOME", legacy: Bool = false) async throws -> ProcessResult {
                var env = environment
                env[legacy ? "ARMS_EVENT" : "CLP_EVENT"] = event
                env[legacy ? "ARMS_SERVER" : "CLP_SERVER"] = server
                return try await runProcess("\(integrations)/clusterpro/\(name).sh", [], environment: env)
            }
            #expect(try await script("start", event: "START").status == 0)
            #expect(try await summary(world, "TNVIP") == "active")
            let recover = try await script("stop", event: "RECOVER")
            #expect(recover.status == 0 && recover.standardOutput.contains("nothing to do"))
            #expect(try await summary(world, "TNVIP") == "active", "RECOVER must not restart or stop the resource")
            #expect(try await script("stop", event: "\"FAILOVER\"", server: "OTHER", legacy: true).status == 0)
            #expect(try await summary(world, "TNVIP") == "standby")
            #expect(try await script("start", event: "BOGUS").status == 2)
        }
    }
}
