import Foundation
import NetMgrHarness
import NetMgrAdminClient
import NetMgrProtocol
import NetMgrTestSupport

/// Two netmgrd on loopback in front of Hercules, in the address block 127.0.BLOCK.0/24
/// (Hercules .100, node-a .11, node-b .12, VIP .10), with definitions the test writes:
///
/// * HVIP (○, own-address the VIP, basic TN3270): four LUs from pool VIPGRP, which
///   Hercules restricts to the VIP (devices 0010-0013);
/// * HREAL (△, own-address none), when asked for: two LUs from pool ANYGRP, open to any
///   address (0020-0023), and one by device number, `@0030`.
final class HerculesWorld: @unchecked Sendable {
    let block: Int
    let directory: TemporaryDirectory
    let hercules: HerculesHost
    let cluster: LoopbackCluster

    static let vipPool = HerculesHost.DeviceGroup(first: 0x10, count: 4, name: "VIPGRP", client: nil)
    static let anyPool = HerculesHost.DeviceGroup(first: 0x20, count: 4, name: "ANYGRP", client: nil)
    static let byNumber = HerculesHost.DeviceGroup(first: 0x30, count: 1, name: nil, client: nil)

    /// Hercules 3.13 takes one negotiation at a time: two connections accepted together
    /// can share its accept thread's socket variable and stall or wedge its console.
    init(block: Int, withRealResource: Bool, maxNegotiations: Int = 1) async throws {
        self.block = block
        directory = try TemporaryDirectory(prefix: "netmgr-hercules\(block)")
        var vipPool = Self.vipPool
        vipPool.client = "127.0.\(block).10"
        hercules = try await HerculesHost(directory: directory.path, address: "127.0.\(block).100", groups: [vipPool, Self.anyPool, Self.byNumber])
        let definitions = directory.path + "/definitions"
        try FileManager.default.createDirectory(atPath: definitions, withIntermediateDirectories: true)
        try Self.definitions(block: block, host: "\(hercules.address):\(hercules.port)", withRealResource: withRealResource,
                             maxNegotiations: maxNegotiations).write(toFile: definitions + "/hercules.yaml", atomically: true, encoding: .utf8)
        cluster = try LoopbackCluster(definitionsDirectory: definitions, workDirectory: directory.path + "/work",
                                      binaries: HarnessBinaries(directory: BuiltProducts.directory.path))
    }

    func address(_ last: Int) -> String { "127.0.\(block).\(last)" }
    var resources: [String] { cluster.definitions.resources.map(\.name) }

    static func definitions(block: Int, host: String, withRealResource: Bool, maxNegotiations: Int) -> String {
        let limit = "\n    max-negotiations: \(maxNegotiations)"
        var text = """
            cluster:
              name: hercules
              nodes:
                - { name: node-a, address: 127.0.\(block).11, lan: "127.0.\(block).11:7301" }
                - { name: node-b, address: 127.0.\(block).12, lan: "127.0.\(block).12:7301" }
              groups:
                - name: herc
                  vip: { name: VIPH, address: 127.0.\(block).10 }
                  resources: [HVIP\(withRealResource ? ", HREAL" : "")]
            lines:
              - { name: LAN1, procedure: tnetos }
            resources:
              - name: HVIP
                line: LAN1
                host: \(host)
                own-address: VIPH
                dialect: tn3270\(limit)
            """
        if withRealResource {
            text += """

                  - name: HREAL
                    line: LAN1
                    host: \(host)
                    own-address: none
                    dialect: tn3270\(limit)
                """
        }
        text += "\nlus:\n"
        for n in 1...4 { text += "  - { name: HVIP0\(n), address: \(n + 1), resource: HVIP, host-pool: VIPGRP }\n" }
        if withRealResource {
            text += """
                  - { name: HREAL01, address: 2, resource: HREAL, host-pool: ANYGRP }
                  - { name: HREAL02, address: 3, resource: HREAL, host-pool: ANYGRP }
                  - { name: HREAL03, address: 4, resource: HREAL, host-lu: "@0030" }

                """
        }
        return text
    }

    func startNodes() async throws {
        for node in cluster.definitions.cluster.nodes { try await cluster.startNode(node.name) }
    }

    /// Whether every LU of every resource is bound on `node`.
    func allBound(on node: String) async -> Bool {
        guard let status = try? await cluster.status(of: node, brief: true) else { return false }
        let resources = status.resources.filter { self.resources.contains($0.name) }
        return resources.count == self.resources.count && resources.allSatisfy { $0.state == "active" && $0.boundCount == $0.luCount }
    }

    /// Activates the group on `node` and returns the seconds until every LU was bound in
    /// netmgrd's status and Hercules logged as many devices given to each client address
    /// as `devices` says (status alone would count a refusal screen as a bind).
    func activateAndTimeBinds(on node: String, devices: [String: Int], timeout: Duration = .seconds(20)) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await cluster.activate(["herc"], on: node)
        try await waitUntil(timeout, what: "every LU bound on \(node) and Hercules showing devices \(devices)", every: .milliseconds(5)) {
            await self.allBound(on: node) && devices.allSatisfy { self.devices(heldBy: $0.key).count == $0.value }
        }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The longest time to bind among the group's LUs on `node`, by netmgrd's own clock
    /// (from the activation to the bind): the bind time without the time it takes to start
    /// `netmgr activate` and poll status on a machine busy with other tests.
    func slowestBindSeconds(on node: String) async throws -> Double {
        let status = try await cluster.status(of: node)
        let lus = status.resources.filter { resources.contains($0.name) }.flatMap(\.lus)
        return Double(lus.compactMap(\.timeToBindMilliseconds).max() ?? .max) / 1000
    }

    /// A counter from `netmgr status --metrics` on `node` (0 when not yet reported).
    func metric(_ name: String, on node: String) async -> Double? {
        let socket = cluster.adminSocket(node)
        guard let text = try? await onOwnThread({ try AdminConnection.exchange(AdminRequest(command: .metrics), socket: socket) }).metrics else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
    }

    /// The devices Hercules has given to `client` now.
    func devices(heldBy client: String) -> Set<String> {
        Set(hercules.holders.filter { $0.value == client }.map(\.key))
    }

    /// The last lines of Hercules' and each netmgrd's log, for a failure message.
    func logTails(_ count: Int = 25) -> String {
        var text = "Hercules log (\(hercules.logPath)):\n" + hercules.log.suffix(count).joined(separator: "\n")
        for node in cluster.definitions.cluster.nodes {
            let path = cluster.logPath("netmgrd-\(node.name)")
            let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").suffix(count)
            text += "\nnetmgrd \(node.name) log:\n" + lines.joined(separator: "\n")
        }
        return text
    }

    func stop() async {
        await cluster.stopAll()
        await hercules.stop()
    }
}
