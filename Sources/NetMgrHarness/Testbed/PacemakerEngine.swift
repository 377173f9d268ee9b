import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Pacemaker 2.1 with corosync 3 (knet) as a two-node cluster in the testbed's namespaces,
/// each node in mount and UTS namespaces of its own (Testbed/pacemaker/node), driving
/// netmgr's OCF agent (Integrations/pacemaker/netmgr) and an IPaddr2 VIP for the group
/// (Testbed/pacemaker/configure). docs/TESTBED.md, "Pacemaker and corosync".
public struct PacemakerEngine: ClusterEngine {
    public let name = "pacemaker"
    /// corosync's token (1 s) and consensus (1.2 s), then the scheduler and the agents'
    /// 1 s monitors: a node is declared lost about 2 s after it goes silent.
    public let detectionSeconds = 3.5
    /// The link watch is dampened 4 s: a shorter cut would find the group on both nodes when
    /// the partitions merge (docs/TESTBED.md).
    public let minimumOutageSeconds = 6.0
    public let repository: String
    public let group: String
    let tokenMilliseconds = 1000

    public init(repository: String, group: String) {
        self.repository = repository
        self.group = group
    }

    var nodeScript: String { repository + "/Testbed/pacemaker/node" }
    var agent: String { repository + "/Integrations/pacemaker/netmgr" }
    func directory(_ node: String, _ world: NamespaceWorld) -> String { world.runDirectory + "/pacemaker/\(node)" }

    public func prepare(_ world: NamespaceWorld) throws {
        let template = try String(contentsOfFile: repository + "/Testbed/pacemaker/corosync.conf.template", encoding: .utf8)
        let nodes = world.topology.nodes
        var text = template
        for (field, value) in [("CLUSTER", "netmgr-\(world.id)"), ("TOKEN", String(tokenMilliseconds)),
                               ("NODE_A", nodes[0].name), ("ADDR_A", nodes[0].address), ("NODE_B", nodes[1].name), ("ADDR_B", nodes[1].address)] {
            text = text.replacingOccurrences(of: "@\(field)@", with: value)
        }
        let settings = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.joined(separator: "\n")
        if let field = settings.range(of: #"@[A-Z_]+@"#, options: .regularExpression) {
            throw NamespaceWorld.Failure("corosync.conf.template has a field the testbed does not fill: \(settings[field])")
        }
        for node in world.nodeNames {
            let directory = directory(node, world)
            try FileManager.default.createDirectory(atPath: directory + "/netmgr", withIntermediateDirectories: true)
            try text.write(toFile: directory + "/corosync.conf", atomically: true, encoding: .utf8)
            // netmgrd listens in the directory the node script binds over its private /run/netmgr,
            // where the agent (socket=/run/netmgr/netmgrd.sock) finds it.
            world.setAdminSocket(directory + "/netmgr/netmgrd.sock", for: node)
        }
    }

    func launch(_ node: String, _ world: NamespaceWorld) throws {
        try world.spawn("pacemaker-\(node)", in: world.nodeNamespaces[node]!, nodeScript, ["start", node, directory(node, world), agent])
    }

    /// A command inside `node`'s namespaces (network, mount, UTS), as an operator there would run it.
    func inside(_ node: String, _ world: NamespaceWorld, _ arguments: [String]) throws -> String {
        guard let pid = world.process("pacemaker-\(node)")?.pid else { throw NamespaceWorld.Failure("Pacemaker is not running on \(node)") }
        return try NamespaceWorld.run("nsenter", ["-t", String(pid), "-n", "-m", "-u"] + arguments)
    }

    public func start(_ world: NamespaceWorld) async throws {
        for node in world.nodeNames { try launch(node, world) }
        let first = world.nodeNames[0]
        let online = "Online: [ \(world.nodeNames.joined(separator: " ")) ]"
        try await waitUntil(.seconds(60), what: "both Pacemaker nodes online (crm_mon on \(first))", every: .milliseconds(200)) {
            ((try? inside(first, world, ["crm_mon", "-1"])) ?? "").contains(online)
        }
        try inside(first, world, [repository + "/Testbed/pacemaker/configure", group, "\(world.topology.vip)/\(world.topology.prefixLength)",
                                  "eth0", world.binaries.netmgr, "1s"])
        try await waitUntil(.seconds(60), what: "Pacemaker to start \(group) on a node", every: .milliseconds(100)) {
            for node in world.nodeNames where await world.resourceStates(node)?.values.allSatisfy({ $0.state == "active" }) == true { return true }
            return false
        }
    }

    public func kill(on node: String, _ world: NamespaceWorld) async {
        guard let process = world.process("pacemaker-\(node)") else { return }
        // The node script, corosync, pacemakerd and its daemons (each in a process group of its own), by the tree.
        _ = try? NamespaceWorld.run(nodeScript, ["kill", String(process.pid)])
        _ = await process.waitForExit(timeout: .seconds(10))
        // Nothing stops IPaddr2 on a node whose Pacemaker is dead: the VIP would stay there,
        // answering the host's ARP against the new owner's. A real cluster fences such a
        // node; the testbed has no fence device and stands in for it here.
        removeVIP(on: node, world)
    }

    func removeVIP(on node: String, _ world: NamespaceWorld) {
        _ = try? NamespaceWorld.run("ip", ["-n", world.nodeNamespaces[node]!, "addr", "del", "\(world.topology.vip)/\(world.topology.prefixLength)", "dev", "eth0"])
    }

    public func restart(on node: String, _ world: NamespaceWorld) async throws {
        removeVIP(on: node, world)  // in case it came back meanwhile
        try launch(node, world)
        let online = "Online: [ \(world.nodeNames.joined(separator: " ")) ]"
        try await waitUntil(.seconds(60), what: "Pacemaker on \(node) to rejoin", every: .milliseconds(200)) {
            ((try? inside(node, world, ["crm_mon", "-1"])) ?? "").contains(online)
        }
    }

    /// The designated controller is idle (no transition left to run) and places the group on `owner` only.
    public func settled(owner: String, _ world: NamespaceWorld) async -> Bool {
        guard let dc = (try? inside(owner, world, ["crmadmin", "-q", "-D"]))?.split(whereSeparator: \.isWhitespace).last.map(String.init),
              let state = try? inside(owner, world, ["crmadmin", "-q", "-S", dc]), state.contains("S_IDLE"),
              let located = try? inside(owner, world, ["crm_resource", "--locate", "--resource", "\(group)-group", "--quiet"]) else { return false }
        return located.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) } == [owner]
    }

    public func faultRepaired(_ world: NamespaceWorld) async throws {
        // A failed monitor or start sets a fail count, and with migration-threshold=1 the
        // group may not return to that node until it is cleared, as an operator does.
        for node in world.nodeNames where world.process("pacemaker-\(node)")?.isRunning == true {
            _ = try inside(node, world, ["crm_resource", "--cleanup", "--resource", "\(group)-group"])
            return
        }
    }
}
