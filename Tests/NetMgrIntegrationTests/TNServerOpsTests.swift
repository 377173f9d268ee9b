import Foundation
import NetMgrCore
import NetMgrHarness
import NetMgrTestSupport
import Testing

/// Issue 15 part 3 on loopback block 127.0.101.0/24, with netmgrd and s3270: node-a listens
/// for emulators on its own address and on the LAN-side VIP (`cluster.tn-server.vip`, bound
/// with IP_FREEBIND), and SIGHUP reloads the TN server's map, pools and timers while an
/// emulator stays bound (a broken set is refused and the running one kept).
@Suite("TN server operations with s3270", .serialized)
struct TNServerOpsIntegrationTests {
    static let block = 101
    static let port = 2399
    static var vip: String { "127.0.\(block).30:\(port)" }

    /// TNServerFailoverTests' tnetos world on this block, with the LAN-side VIP.
    static func makeCluster(in directory: TemporaryDirectory) throws -> LoopbackCluster {
        try TNServerFailoverTests.makeCluster(in: directory, block: block, port: port, section: "vip: \(vip)\n" + TNServerFailoverTests.section)
    }

    static func luName(_ driver: S3270Driver) async throws -> String? {
        try await driver.expectOK("Query(LuName)").split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    @Test("node-a serves emulators on its address and on the VIP; SIGHUP reloads the map and keeps the bound emulator; a broken set is refused")
    func vipAndReload() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-tn101")
        let cluster = try Self.makeCluster(in: directory)
        let byAddress = try S3270Driver()
        let byVIP = try S3270Driver()
        let log = { (try? String(contentsOfFile: cluster.logPath("netmgrd-node-a"), encoding: .utf8)) ?? "" }
        do {
            try await cluster.startHost()
            try await cluster.startNode("node-a")
            try await cluster.activate(["TNVIP"], on: "node-a")
            try await TNServerFailoverTests.waitForJournal(cluster, "VIPLU01 bound at the host") { $0.tnBinds(of: "VIPLU01").count == 1 }
            #expect(log().contains("TN server listening for emulators on the VIP") && log().contains("127.0.\(Self.block).30:\(Self.port) too (IP_FREEBIND"), "\(log())")

            // By name on the node's address; a generic request on the VIP endpoint.
            try await byAddress.expectOK("Connect(VIPLU01@127.0.\(Self.block).11:\(Self.port))")
            try await byAddress.expectOK("Wait(10,InputField)")
            #expect(try await Self.luName(byAddress) == "VIPLU01")
            try await byVIP.expectOK("Connect(\(Self.vip))")
            try await byVIP.expectOK("Wait(10,InputField)")
            let pooled = try await Self.luName(byVIP)
            #expect(pooled == "VIPLU02" || pooled == "VIPLU03", "\(pooled ?? "none")")
            try await byVIP.expectOK("String(\"VIA THE VIP\")")
            try await byVIP.expectOK("Enter")
            try await byVIP.expectOK("Wait(10,Unlock)")
            try await TNServerFailoverTests.waitForJournal(cluster, "the input through the VIP listener") { $0.tnMessages(of: pooled ?? "?").count == 1 }

            // SIGHUP with keep-lu 60 → 30 and the pool without the LU the VIP emulator does not hold.
            let process = try #require(cluster.nodes["node-a"])
            let clusterFile = cluster.definitionsDirectory + "/cluster.yaml"
            let original = try String(contentsOfFile: clusterFile, encoding: .utf8)
            let other = pooled == "VIPLU02" ? "VIPLU03" : "VIPLU02"
            let changed = original.replacingOccurrences(of: "keep-lu: 60", with: "keep-lu: 30")
                .replacingOccurrences(of: "lus: [VIPLU02, VIPLU03]", with: "lus: [\(pooled ?? "VIPLU02")]")
            #expect(changed != original)
            try changed.write(toFile: clusterFile, atomically: true, encoding: .utf8)
            process.signal(SIGHUP)
            #expect(await eventually(.seconds(10)) { log().contains("TN server reload: cluster.tn-server.keep-lu 60 s → 30 s") }, "\(log())")
            #expect(log().contains("cluster.tn-server.pools[TNPOOL].lus [VIPLU02, VIPLU03] → [\(pooled ?? "?")]"))
            #expect(log().contains("2 LU(s) held"))

            // Both emulators are still bound and their input still reaches the host.
            try await byAddress.expectOK("String(\"AFTER RELOAD\")")
            try await byAddress.expectOK("Enter")
            try await byAddress.expectOK("Wait(10,Unlock)")
            try await TNServerFailoverTests.waitForJournal(cluster, "input on VIPLU01 after the reload") { $0.tnMessages(of: "VIPLU01").count == 1 }

            // The LU taken out of the pool is no longer offered to a new emulator.
            let third = try S3270Driver()
            _ = try await third.run("Connect(\(other)@127.0.\(Self.block).11:\(Self.port))")
            #expect(await eventually(.seconds(10)) { log().contains("LU \(other) is not mapped for client 127.0.0.1") }, "\(log())")
            await third.quit()

            // A broken set: refused, the running map kept.
            try (changed + "\n  tn-server: [").write(toFile: clusterFile, atomically: true, encoding: .utf8)
            process.signal(SIGHUP)
            #expect(await eventually(.seconds(10)) { log().contains("definitions reload refused, keeping the running definitions") })
            try await byVIP.expectOK("String(\"STILL HERE\")")
            try await byVIP.expectOK("Enter")
            try await byVIP.expectOK("Wait(10,Unlock)")
            #expect(process.isRunning)
        } catch {
            let logs = ["netmgrd-node-a", "host"].map { name in
                "--- \(name):\n" + ((try? String(contentsOfFile: cluster.logPath(name), encoding: .utf8)) ?? "(none)").split(separator: "\n").suffix(40).joined(separator: "\n")
            }
            Issue.record("\(error)\ns3270 output:\n\(byAddress.transcript)\n\(byVIP.transcript)\n\(logs.joined(separator: "\n"))")
        }
        await byAddress.quit()
        await byVIP.quit()
        await cluster.stopAll()
    }
}
