import Foundation
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The same failover with real processes: two netmgrd nodes sharing an epoch directory,
/// activated with `netmgr activate` as a cluster engine would; node A is SIGKILLed.
@Suite("HDLC leased line: netmgrd processes", .serialized)
struct NetMgrdFailoverTests {
    static func startDaemon(_ node: String, world: LeasedLineWorld) async throws -> (LaunchedProcess, String) {
        let socket = world.directory.file("\(node).sock")
        let process = try LaunchedProcess(BuiltProducts.path("netmgrd"), [
            "--definitions", world.definitionsPath, "--node", node, "--admin-socket", socket,
            "--state-dir", world.directory.file("epochs"), "--log-level", "notice",
        ])
        let listening = await eventually(.seconds(20)) { FileManager.default.fileExists(atPath: socket) || process.exitStatus != nil }
        guard listening, process.exitStatus == nil else { throw TestFailure("netmgrd \(node) did not start: \(process.standardError)") }
        return (process, socket)
    }

    static func binds(_ world: LeasedLineWorld) -> [HostJournalEntry] { world.journal.filter { $0.event == .bind } }

    @Test func standbyNodeAnswersAsTheSameTerminalAfterSIGKILL() async throws {
        let world = try LeasedLineWorld()
        let lineSwitch = try await world.startLineSwitch()
        let host = try await world.startHost()
        let (nodeA, socketA) = try await Self.startDaemon("node-a", world: world)
        let (nodeB, socketB) = try await Self.startDaemon("node-b", world: world)
        let netmgr = BuiltProducts.path("netmgr")

        let activateA = try await runProcess(netmgr, ["activate", "--socket", socketA, "--timeout", "20", "SDLC1"])
        #expect(activateA.status == 0, "activate on node-a: \(activateA.standardError)")
        #expect(await eventually { Set(Self.binds(world).compactMap(\.luAddress)) == [2, 3] }, "no binds; netmgrd A: \(nodeA.standardError.suffix(2000))")

        await nodeA.stop(SIGKILL)
        let bindsBefore = Self.binds(world)
        let activateB = try await runProcess(netmgr, ["activate", "--socket", socketB, "--timeout", "20", "SDLC1"])
        #expect(activateB.status == 0, "activate on node-b: \(activateB.standardError)")
        #expect(await eventually { Self.binds(world).count >= bindsBefore.count + 2 }, "no binds after failover; netmgrd B: \(nodeB.standardError.suffix(2000))")

        let status = try await runProcess(netmgr, ["status", "--socket", socketB, "SDLC1"])
        #expect(status.standardOutput.contains("station 0xC1 XID 05D00001"), "\(status.standardOutput)")
        #expect(await eventually {
            (try? await runProcess(netmgr, ["status", "--socket", socketB, "SDLC1"]))?.standardOutput.contains("2/2") ?? false
        }, "LUs not bound on node-b")
        // The host's SNRM on node B's line is a connect there (netmgr_host_connects_total); nothing refused.
        let counts = try await HostEventMetrics.read(socket: socketB, resource: "SDLC1")
        #expect((counts.connects ?? 0) >= 1 && counts.rejects == 0, "\(counts)")

        let bindsAfter = Array(Self.binds(world).dropFirst(bindsBefore.count))
        for set in [bindsBefore, bindsAfter] {
            #expect(Set(set.map(\.terminalAddress)) == ["station 0xC1 XID 05D00001 LU 2", "station 0xC1 XID 05D00001 LU 3"])
        }
        #expect(world.journal.contains { $0.event == .linkDown }, "the host saw the link go down in between")

        #expect(await nodeB.stop(SIGTERM) == 0, "netmgrd B: \(nodeB.standardError.suffix(2000))")
        #expect(await host.stop(SIGTERM) == 0)
        #expect(await lineSwitch.stop(SIGTERM) == 0)
        try await LineCaptureChecks.expectCleanInTshark(world.capturePath, station: 0xC1, luAddresses: [2, 3])
    }
}
