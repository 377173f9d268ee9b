import Foundation
import NetMgrHarness
import NetMgrTestSupport
import Testing

/// netmgrd and the signals an operator (or a stray script) may send it.
@Suite("netmgrd signals", .serialized)
struct SignalTests {
    func luCount(_ world: IntegrationWorld, _ resource: String) async throws -> Int? {
        try await world.cluster.status(of: "node-a", brief: true).resources.first { $0.name == resource }?.luCount
    }

    func log(_ world: IntegrationWorld) -> String {
        (try? String(contentsOfFile: world.cluster.logPath("netmgrd-node-a"), encoding: .utf8)) ?? ""
    }

    @Test("SIGHUP reloads: a changed standby resource is taken, a changed active one refused, a broken set refused; SIGUSR1 is ignored")
    func hangup() async throws {
        let world = try IntegrationWorld(block: 87)
        do {
            try await world.cluster.startNode("node-a")
            try await world.cluster.activate(["TNVIP"], on: "node-a")
            let process = try #require(world.cluster.nodes["node-a"])

            process.signal(SIGUSR1)
            #expect(await eventually(.seconds(10)) { log(world).contains("received SIGUSR1: ignored") })

            let lus = world.cluster.definitionsDirectory + "/lus.yaml"
            let original = try String(contentsOfFile: lus, encoding: .utf8)
            try (original + "  - { name: VIPLU09, address: 9, resource: TNVIP }\n  - { name: REALLU09, address: 9, resource: TNREAL }\n")
                .write(toFile: lus, atomically: true, encoding: .utf8)
            process.signal(SIGHUP)
            #expect(await eventually(.seconds(10)) { (try? await luCount(world, "TNREAL")) == 3 })
            #expect(try await luCount(world, "TNVIP") == 4)
            #expect(try await world.cluster.status(of: "node-a").resources.first { $0.name == "TNVIP" }?.state == "active")
            #expect(log(world).contains("refused TNVIP: changed, but it is active"))

            try (original + "  - { name: REALLU10, address: [").write(toFile: lus, atomically: true, encoding: .utf8)
            process.signal(SIGHUP)
            #expect(await eventually(.seconds(10)) { log(world).contains("definitions reload refused, keeping the running definitions") })
            #expect(try await luCount(world, "TNREAL") == 3)
            #expect(process.isRunning)
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test("--state-dir naming a file is a command-line error that says so")
    func stateDirectoryIsAFile() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-statedir")
        try "x".write(toFile: directory.file("state"), atomically: true, encoding: .utf8)
        let result = try await runProcess(BuiltProducts.path("netmgrd"), [
            "--definitions", BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path, "--node", "node-a",
            "--state-dir", directory.file("state"), "--admin-socket", directory.file("a.sock"),
        ])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--state-dir \(directory.file("state")) is a file, not a directory"), "\(result.standardError)")
    }

    @Test("--host-refusal-limit outside 1-100 is a command-line error naming the option", arguments: ["0", "101", "-3"])
    func hostRefusalLimitOutOfRange(value: String) async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-refusals")
        let result = try await runProcess(BuiltProducts.path("netmgrd"), [
            "--definitions", BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path, "--node", "node-a",
            "--admin-socket", directory.file("a.sock"), "--host-refusal-limit=\(value)",
        ])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--host-refusal-limit \(value): expected a count from 1 to 100"), "\(result.standardError)")
    }
}
