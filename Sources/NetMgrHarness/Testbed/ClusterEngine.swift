import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A cluster engine driving netmgr in the namespace testbed: it decides which node runs
/// the failover group and tells that node's netmgrd (keepalived's notify script, or
/// Pacemaker's OCF agent).
public protocol ClusterEngine: Sendable {
    var name: String { get }
    /// How long the engine takes to notice a silent node or netmgrd (the recovery goal for
    /// the VIP path is this plus 100 ms).
    var detectionSeconds: Double { get }
    /// Before netmgrd starts: what the engine needs of the world (its admin sockets).
    func prepare(_ world: NamespaceWorld) throws
    /// Starts the engine on every node and returns once the group is active on one.
    func start(_ world: NamespaceWorld) async throws
    /// SIGKILL of the engine's processes on `node` (the cluster engine crashes).
    func kill(on node: String, _ world: NamespaceWorld) async
    /// Starts the engine on `node` again after `kill`.
    func restart(on node: String, _ world: NamespaceWorld) async throws
    /// Stops what the engine set up beyond processes the world stops itself.
    func stop(_ world: NamespaceWorld) async
    /// After a fault was repaired: what an operator does after an incident (Pacemaker: clear
    /// the failures it recorded, or the group never returns to the node that had them).
    func faultRepaired(_ world: NamespaceWorld) async throws
    /// How long a cut must last at least (Pacemaker's link watch is dampened).
    var minimumOutageSeconds: Double { get }
    /// Whether the engine agrees that `owner` runs the group and has nothing left to do.
    func settled(owner: String, _ world: NamespaceWorld) async -> Bool
}

extension ClusterEngine {
    public func prepare(_ world: NamespaceWorld) throws {}
    public func stop(_ world: NamespaceWorld) async {}
    public func faultRepaired(_ world: NamespaceWorld) async throws {}
    public var minimumOutageSeconds: Double { 0 }
    public func settled(owner: String, _ world: NamespaceWorld) async -> Bool { true }
}

/// keepalived (VRRPv3, `advert_int 0.1`, `nopreempt`) with netmgr's notify script and a
/// track script that asks netmgrd, from Integrations/keepalived.
public struct KeepalivedEngine: ClusterEngine {
    public let name = "keepalived"
    /// Failing over needs 3 missed adverts (0.3 s) when a node goes silent; a dead or frozen
    /// netmgrd fails the track script after 2 checks 1 s apart (each waiting up to 1 s).
    public let detectionSeconds = 3.0
    public let template: String
    public let notifyScript: String
    public let group: String

    public init(repository: String, group: String) {
        template = repository + "/Integrations/keepalived/keepalived.conf.template"
        notifyScript = repository + "/Integrations/keepalived/netmgr-notify"
        self.group = group
    }

    func directory(_ node: String, _ world: NamespaceWorld) -> String { world.runDirectory + "/keepalived/\(node)" }
    public func notifyLog(_ node: String, _ world: NamespaceWorld) -> String { world.runDirectory + "/notify-\(node).log" }

    func render(_ node: String, priority: Int, _ world: NamespaceWorld) throws -> String {
        let fields = [
            "NODE": node, "GROUP": group, "INTERFACE": "eth0", "VRID": String(world.topology.keepalived.vrid),
            "PRIORITY": String(priority), "VIP": world.topology.vip, "PREFIX": String(world.topology.prefixLength),
            "NOTIFY": notifyScript, "SOCKET": world.adminSocket(node), "NETMGR": world.binaries.netmgr,
            "NOTIFY_LOG": notifyLog(node, world),
        ]
        var text = try String(contentsOfFile: template, encoding: .utf8)
        for (field, value) in fields { text = text.replacingOccurrences(of: "@\(field)@", with: value) }
        if let field = text.range(of: #"@[A-Z_]+@"#, options: .regularExpression) {
            throw NamespaceWorld.Failure("\(template) has a field the testbed does not fill: \(text[field])")
        }
        let path = directory(node, world) + "/keepalived.conf"
        try FileManager.default.createDirectory(atPath: directory(node, world), withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func launch(_ node: String, priority: Int, _ world: NamespaceWorld) throws {
        let configuration = try render(node, priority: priority, world)
        let directory = directory(node, world)
        FileManager.default.createFile(atPath: notifyLog(node, world), contents: nil)
        // Foreground, console log, no syslog, VRRP only, pid files of its own (two keepalived
        // on one machine must not take each other for a running copy).
        try world.spawn("keepalived-\(node)", in: world.nodeNamespaces[node]!, "/usr/sbin/keepalived", [
            "-n", "-l", "-D", "-G", "-P", "-f", configuration, "-p", directory + "/keepalived.pid",
            "-r", directory + "/vrrp.pid", "-c", directory + "/checkers.pid",
        ])
    }

    func priority(_ node: String, _ world: NamespaceWorld) -> Int { node == world.nodeNames.first ? 150 : 100 }

    public func start(_ world: NamespaceWorld) async throws {
        let first = world.nodeNames[0]
        try launch(first, priority: priority(first, world), world)
        try await waitUntil(.seconds(20), what: "keepalived to make \(first) MASTER with \(group) active") {
            await world.resourceStates(first)?.values.allSatisfy { $0.state == "active" } == true
        }
        for node in world.nodeNames.dropFirst() { try launch(node, priority: priority(node, world), world) }
    }

    public func kill(on node: String, _ world: NamespaceWorld) async {
        // Every keepalived process in this node's namespace (the parent and its VRRP child), by pid.
        let namespace = world.nodeNamespaces[node]!
        for _ in 0..<100 {
            let running = world.pids(in: namespace, command: "keepalived")
            if running.isEmpty { break }
            for pid in running { Glibc.kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(20))  // until they are gone, bounded by the loop
        }
        _ = await world.process("keepalived-\(node)")?.waitForExit(timeout: .seconds(5))
    }

    public func restart(on node: String, _ world: NamespaceWorld) async throws {
        // A killed keepalived leaves its VIP on the interface; its init script's stop would
        // remove it, so the restart does.
        _ = try? NamespaceWorld.run("ip", ["-n", world.nodeNamespaces[node]!, "addr", "del", "\(world.topology.vip)/\(world.topology.prefixLength)", "dev", "eth0"])
        for file in ["keepalived.pid", "vrrp.pid", "checkers.pid"] { try? FileManager.default.removeItem(atPath: directory(node, world) + "/" + file) }
        try launch(node, priority: priority(node, world), world)
    }
}
