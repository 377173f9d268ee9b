import Foundation
import NetMgrAdminClient
import NetMgrCore
import NetMgrProtocol
import NetMgrSimulators
#if canImport(Glibc)
import Glibc
#endif

/// DESIGN.md §5's second test world, beside `LoopbackCluster`: the host, each node, the
/// client and the line switch device (when the topology has one) in a network namespace of their own, one cable each (a veth pair) to a bridge in
/// a switch namespace, addresses from `Testbed/topology.yaml`. Processes are started inside
/// the namespaces and stopped by pid; `tearDown()` stops everything it started and removes
/// every namespace, also after a failed step, and on SIGINT/SIGTERM. `ip` and `tc` do the
/// plumbing; everything else is here.
public final class NamespaceWorld: @unchecked Sendable {
    public let topology: TestbedTopology
    public let id: String
    public let runDirectory: String
    public let binaries: HarnessBinaries
    /// The rendered definitions, their PKI, the admin sockets and the journal: the
    /// loopback harness's helpers serve here too (status, client certificates).
    public let cluster: LoopbackCluster
    public var definitions: Definitions { cluster.definitions }
    public var definitionsDirectory: String { cluster.definitionsDirectory }

    public let switchNamespace: String
    public let hostNamespace: String
    public let clientNamespace: String
    public let nodeNamespaces: [String: String]
    /// The line switch device's namespace, when the topology has a line switch.
    public let lineSwitchNamespace: String?
    public var nodeNames: [String] { topology.nodes.map(\.name) }
    public var allNamespaces: [String] {
        [hostNamespace] + nodeNames.compactMap { nodeNamespaces[$0] } + [clientNamespace] + (lineSwitchNamespace.map { [$0] } ?? []) + [switchNamespace]
    }

    private let lock = NSLock()
    private var processes: [String: ChildProcess] = [:]
    private var tornDown = false
    private var adminSockets: [String: String] = [:]
    /// The line switch's captures, one per start (a restarted switch writes a new file).
    private var lineCaptures: [String] = []

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The world's names from `id` (letters and digits, at most 8: namespace names stay short).
    public init(topology: TestbedTopology, id: String, runDirectory: String, binaries: HarnessBinaries) throws {
        guard !id.isEmpty, id.count <= 8, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw Failure("testbed id '\(id)': use 1 to 8 letters and digits (it becomes part of the namespace names)")
        }
        self.topology = topology
        self.id = id
        self.runDirectory = runDirectory
        self.binaries = binaries
        switchNamespace = "nm-sw-\(id)"
        hostNamespace = "nm-host-\(id)"
        clientNamespace = "nm-client-\(id)"
        lineSwitchNamespace = topology.lineSwitch == nil ? nil : "nm-lsw-\(id)"
        var nodes: [String: String] = [:]
        for node in topology.nodes { nodes[node.name] = "nm-\(node.name)-\(id)" }
        nodeNamespaces = nodes
        // A journal or ledger of an earlier run would be counted as this one's.
        for file in ["host-journal.jsonl", "app-ledger.jsonl"] where FileManager.default.fileExists(atPath: runDirectory + "/" + file) {
            throw Failure("the run directory \(runDirectory) holds an earlier run (\(file)); remove it or give another --run-directory or --id")
        }
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let definitions = runDirectory + "/definitions"
        try topology.renderDefinitions(into: definitions)
        cluster = try LoopbackCluster(definitionsDirectory: definitions, workDirectory: runDirectory, binaries: binaries)
        WorldRegistry.add(self)
    }

    deinit { WorldRegistry.remove(self) }

    // MARK: Plumbing

    /// Runs `ip`/`tc`/… to the end; throws with its output when it fails.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try findTool(executable))
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure("\(executable) \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return text
    }

    static func findTool(_ name: String) throws -> String {
        if name.hasPrefix("/") { return name }
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw Failure("\(name) not found in /usr/sbin, /usr/bin, /sbin or /bin; install it (scripts/test installs what the testbed needs: iproute2, keepalived)")
    }

    /// The switch-side end of `role`'s cable ("host", "client", "line-switch" or a node name).
    public func switchPort(_ role: String) -> String { "v-\(role)" }

    public func namespace(of role: String) -> String? {
        switch role {
        case "host": hostNamespace
        case "client": clientNamespace
        case "line-switch": lineSwitchNamespace
        default: nodeNamespaces[role]
        }
    }

    /// Namespaces, the bridge, one cable per machine, the addresses. Fails if a namespace of
    /// this id exists already (another run, or one that was not torn down: `netmgr testbed down`).
    public func up() throws {
        for namespace in allNamespaces where FileManager.default.fileExists(atPath: "/run/netns/\(namespace)") {
            throw Failure("network namespace \(namespace) exists already: another testbed with id \(id) runs, or one was left behind (netmgr testbed down --id \(id) removes it)")
        }
        for namespace in allNamespaces {
            try Self.run("ip", ["netns", "add", namespace])
            // IPv4 only: no DAD or router solicitations in the capture.
            _ = try? Self.run("ip", ["netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
            try Self.run("ip", ["-n", namespace, "link", "set", "lo", "up"])
        }
        try Self.run("ip", ["-n", switchNamespace, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
        try Self.run("ip", ["-n", switchNamespace, "link", "set", "br0", "up"])
        let machines = [("host", topology.host)] + topology.nodes.map { ($0.name, $0.address) } + [("client", topology.client)]
            + (topology.lineSwitch.map { [("line-switch", $0)] } ?? [])
        for (role, address) in machines {
            let namespace = namespace(of: role)!
            try Self.run("ip", ["-n", switchNamespace, "link", "add", switchPort(role), "type", "veth", "peer", "name", "eth0", "netns", namespace])
            try Self.run("ip", ["-n", switchNamespace, "link", "set", switchPort(role), "master", "br0", "up"])
            try Self.run("ip", ["-n", namespace, "addr", "add", "\(address)/\(topology.prefixLength)", "dev", "eth0"])
            // Every frame at most one MTU, as on a real Ethernet, so the capture holds whole packets.
            try Self.run("ip", ["-n", namespace, "link", "set", "eth0", "gso_max_segs", "1"])
            try Self.run("ip", ["-n", namespace, "link", "set", "eth0", "up"])
        }
        try connectLeasedLine()
    }

    /// The host's end of the leased lines: a cable of its own from the host straight to the
    /// line switch device, as a leased line is, not through the host's LAN cable (so faults
    /// on the LAN cable, e.g. `lossy-host-link`, do not hit it, and its polling does not
    /// share the LAN cable's bandwidth). No addresses of its own: each end routes the other
    /// machine's topology address over it.
    public func connectLeasedLine() throws {
        guard let lineSwitchNamespace, let lineSwitch = topology.lineSwitch else { return }
        try Self.run("ip", ["-n", hostNamespace, "link", "add", leasedLinePort.host, "type", "veth", "peer", "name", leasedLinePort.lineSwitch, "netns", lineSwitchNamespace])
        for (namespace, device, peer) in [(hostNamespace, leasedLinePort.host, lineSwitch), (lineSwitchNamespace, leasedLinePort.lineSwitch, topology.host)] {
            try Self.run("ip", ["-n", namespace, "link", "set", device, "gso_max_segs", "1"])
            try Self.run("ip", ["-n", namespace, "link", "set", device, "up"])
            try Self.run("ip", ["-n", namespace, "route", "add", "\(peer)/32", "dev", device])
        }
    }

    /// The leased line cable's ends: in the host's namespace and in the line switch's.
    public var leasedLinePort: (host: String, lineSwitch: String) { ("leased-host", "leased-switch") }

    // MARK: Processes

    /// Starts `executable` inside `namespace` (its pid is the process's own: `ip netns exec`
    /// execs it), recorded under `name` with its log in the run directory.
    @discardableResult
    public func spawn(_ name: String, in namespace: String, _ executable: String, _ arguments: [String]) throws -> ChildProcess {
        let ip = try Self.findTool("ip")
        let process = try ChildProcess(name: name, executable: ip, arguments: ["netns", "exec", namespace, executable] + arguments,
                                       logPath: logPath(name))
        lock.withLock { processes[name] = process }
        return process
    }

    public func process(_ name: String) -> ChildProcess? { lock.withLock { processes[name] } }
    public func logPath(_ name: String) -> String { runDirectory + "/\(name).log" }

    /// SIGTERM, then SIGKILL after `grace`; SIGCONT first, so a frozen process can die.
    public func stop(_ name: String, grace: Duration = .seconds(5)) async {
        guard let process = process(name) else { return }
        process.signal(SIGCONT)
        _ = await process.stop(grace: grace)
    }

    /// Everything started, by pid (SIGCONT, SIGTERM, SIGKILL), then whatever else still runs
    /// inside the namespaces (a notify script's netmgr), then the namespaces. Safe to call twice.
    public func tearDown() async {
        let running = lock.withLock { () -> [ChildProcess] in
            tornDown = true
            return Array(processes.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for process in running {
                group.addTask {
                    process.signal(SIGCONT)
                    _ = await process.stop(grace: .seconds(5))
                }
            }
        }
        Self.removeNamespaces(allNamespaces)
    }

    /// Kills every process inside `namespaces` by pid and deletes them; returns what it could not.
    @discardableResult
    public static func removeNamespaces(_ namespaces: [String]) -> [String] {
        var left: [String] = []
        for namespace in namespaces where FileManager.default.fileExists(atPath: "/run/netns/\(namespace)") {
            for _ in 0..<50 {
                let pids = ((try? run("ip", ["netns", "pids", namespace])) ?? "").split(separator: "\n").compactMap { Int32($0) }
                if pids.isEmpty { break }
                for pid in pids {
                    kill(pid, SIGCONT)
                    kill(pid, SIGKILL)
                }
                usleep(20_000)  // reaping by their parents; bounded by the loop
            }
            if (try? run("ip", ["netns", "del", namespace])) == nil { left.append(namespace) }
        }
        return left
    }

    /// The processes inside `namespace` whose command name is `command`.
    public func pids(in namespace: String, command: String) -> [Int32] {
        let pids = ((try? Self.run("ip", ["netns", "pids", namespace])) ?? "").split(separator: "\n").compactMap { Int32($0) }
        return pids.filter { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) == command
        }
    }

    /// The namespaces of a world with `id` that exist now (for `down` and leftovers).
    public static func existingNamespaces(id: String) -> [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        return all.filter { $0.hasPrefix("nm-") && $0.hasSuffix("-\(id)") }.sorted()
    }

    // MARK: Faults on the network

    /// A cut cable: the switch-side end goes down, the machine's eth0 loses carrier.
    public func setCable(_ role: String, up: Bool) throws {
        try Self.run("ip", ["-n", switchNamespace, "link", "set", switchPort(role), up ? "up" : "down"])
    }

    /// The LAN partitioned between the nodes: their switch ports isolated from each other
    /// (bridge port isolation), while each still reaches the host and the client.
    public func partitionNodes(_ on: Bool) throws {
        for node in nodeNames {
            try Self.run("bridge", ["-n", switchNamespace, "link", "set", "dev", switchPort(node), "isolated", on ? "on" : "off"])
        }
    }

    /// Loss and delay on `role`'s cable, or none (`loss` nil). This kernel has no netem
    /// (nor prio, gact or u32): loss is iptables' random `statistic` match on the machine's
    /// eth0, both directions; delay is a token bucket (tbf) on both ends of the cable whose
    /// rate is below the traffic's, so packets queue up to `latency` and the rest drop.
    public func degrade(_ role: String, loss: Double?, rateKbit: Int = 96, latencyMilliseconds: Int = 150) throws {
        let machine = namespace(of: role)!
        let ends: [(String, String)] = [(switchNamespace, switchPort(role)), (machine, "eth0")]
        let rules = [["INPUT", "-i", "eth0"], ["OUTPUT", "-o", "eth0"]]
        if let loss {
            for rule in rules {
                try Self.run("ip", ["netns", "exec", machine, "iptables", "-A"] + rule + ["-m", "statistic", "--mode", "random", "--probability", String(loss), "-j", "DROP"])
            }
            for (namespace, device) in ends {
                try Self.run("tc", ["-n", namespace, "qdisc", "replace", "dev", device, "root", "tbf", "rate", "\(rateKbit)kbit",
                                    "burst", "1600", "latency", "\(latencyMilliseconds)ms"])
            }
        } else {
            for rule in rules { _ = try? Self.run("ip", ["netns", "exec", machine, "iptables", "-F", rule[0]]) }
            for (namespace, device) in ends { _ = try? Self.run("tc", ["-n", namespace, "qdisc", "del", "dev", device, "root"]) }
        }
    }

    // MARK: The machines' programs

    public var journalPath: String { cluster.journalPath }
    public var capturePath: String { runDirectory + "/host.pcap" }
    public var ledgerPath: String { runDirectory + "/app-ledger.jsonl" }
    /// Where each node's netmgrd listens for admin requests: the run directory, unless the
    /// engine needs it elsewhere (Pacemaker: the node's private /run/netmgr).
    public func adminSocket(_ node: String) -> String { lock.withLock { adminSockets[node] } ?? cluster.adminSocket(node) }
    public func setAdminSocket(_ path: String, for node: String) { lock.withLock { adminSockets[node] = path } }
    public func stateDirectory(_ node: String) -> String { runDirectory + "/state-\(node)" }

    public var hostPort: Int { cluster.hostEndpoint?.port ?? 2323 }

    /// The leased lines: the line switch's host-side port of each (control port + 10 +
    /// 10 × index, as `LoopbackCluster.switchedLines` numbers them, on the switch's address).
    public var leasedLines: [(line: Line, hostSide: Endpoint)] {
        cluster.switchedLines.filter { $0.line.procedure == .hdlcLeased }
    }

    /// The host simulator in the host's namespace, journal appended across restarts; its
    /// SDLC side takes each leased line's host port on the line switch (reconnecting when
    /// the switch restarts).
    public func startHost(probeIntervalMilliseconds: Int, probeTimeoutMilliseconds: Int) async throws {
        let process = try spawn("host", in: hostNamespace, binaries.netmgr, [
            "sim", "host", "--listen", "\(topology.host):\(hostPort)", "--definitions", definitionsDirectory,
            "--journal", journalPath, "--probe-interval", String(probeIntervalMilliseconds), "--probe-timeout", String(probeTimeoutMilliseconds),
        ] + leasedLines.flatMap { ["--sdlc-line", "\($0.line.switchUnit!)=tcp:\($0.hostSide)"] })
        _ = try await process.waitUntilReady()
    }

    /// Every SDLC line capture the line switch wrote so far, oldest first (`line-N.pcap`, one per start).
    public var lineCapturePaths: [String] { lock.withLock { lineCaptures } }

    /// The line switch device in its namespace: control, node ports and host ports on its
    /// own address, the SDLC line capture in a new file per start (its position is reset, as
    /// a power-cycled device's is: netmgrd must switch the line to itself again).
    public func startLineSwitch() async throws {
        guard let namespace = lineSwitchNamespace else { return }
        let (capture, number) = lock.withLock { () -> (String, Int) in
            lineCaptures.append(runDirectory + "/line-\(lineCaptures.count + 1).pcap")
            return (lineCaptures.last!, lineCaptures.count)
        }
        // The earlier start's log stays beside its capture (a new process starts a new log).
        if number > 1 { try? FileManager.default.moveItem(atPath: logPath("line-switch"), toPath: logPath("line-switch-\(number - 1)")) }
        let process = try spawn("line-switch", in: namespace, binaries.netmgr, [
            "sim", "line-switch", "--definitions", definitionsDirectory, "--capture", capture,
        ] + cluster.switchedLines.flatMap { ["--host-port", "\($0.line.switchUnit!)=\($0.hostSide)"] })
        _ = try await process.waitUntilReady()
    }

    /// netmgr capture on the host's cable, written as it goes (`--live`), so it can be verified while it grows.
    public func startCapture() async throws {
        let process = try spawn("capture", in: hostNamespace, binaries.netmgr, [
            "capture", "--interface", "eth0", "--filter", "tcp port \(hostPort)", "--output", capturePath, "--snaplen", "2048", "--live",
        ])
        try await waitUntil(.seconds(20), what: "netmgr capture to start on eth0 in \(hostNamespace)") {
            guard process.isRunning else { return true }
            return ((try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? "").contains("capturing on")
        }
        guard process.isRunning else { throw Failure("netmgr capture in \(hostNamespace) exited; see \(process.logPath)") }
    }

    /// netmgrd for `node` in its namespace, its own state directory (nothing shared between
    /// the nodes but the LAN).
    public func startNetmgrd(_ node: String, logLevel: String = "info") async throws {
        try FileManager.default.createDirectory(atPath: stateDirectory(node), withIntermediateDirectories: true)
        let process = try spawn("netmgrd-\(node)", in: nodeNamespaces[node]!, binaries.netmgrd, [
            "--definitions", definitionsDirectory, "--node", node, "--admin-socket", adminSocket(node),
            "--state-dir", stateDirectory(node), "--log-level", logLevel,
        ])
        _ = try await process.waitUntilReady()
    }

    /// `netmgr sim app` in the client's namespace on `sessions` (RESOURCE/LU), every
    /// `intervalMilliseconds`, writing each message to the ledger as it is submitted.
    public func startApp(sessions: [String], intervalMilliseconds: Int) async throws {
        let tls = try cluster.clientTLSFiles(identity: "testbed-app")
        let servers = definitions.cluster.nodes.flatMap { ["--server", "\($0.lan.host):\($0.lan.port)"] }
        let process = try spawn("app", in: clientNamespace, binaries.netmgr, [
            "sim", "app"] + servers + sessions.flatMap { ["--session", $0] } + [
            "--interval-ms", String(intervalMilliseconds), "--ledger", ledgerPath, "--report", runDirectory + "/app-report.json",
            "--ca", tls.ca, "--certificate", tls.certificate, "--key", tls.key, "--drain-timeout", "60",
        ])
        _ = try await process.waitUntilReady(timeout: .seconds(60))
    }

    /// The resource states a node's netmgrd reports, or nil when it does not answer within
    /// `timeout` (stopped, frozen, or cut off from nothing: the admin socket is local).
    public func resourceStates(_ node: String, timeout: Duration = .seconds(1)) async -> [String: (state: String, epoch: UInt64)]? {
        let socket = adminSocket(node)
        guard let response = try? await onOwnThread({ try AdminConnection.exchange(AdminRequest(command: .status, brief: true), socket: socket, timeout: timeout) }),
              response.ok else { return nil }
        var states: [String: (String, UInt64)] = [:]
        for resource in response.resources { states[resource.name] = (resource.state, resource.epoch) }
        return states
    }
}

/// Every world not torn down yet, so SIGINT/SIGTERM removes their namespaces too (the
/// harness's child registry stops the processes).
enum WorldRegistry {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var worlds: [ObjectIdentifier: [String]] = [:]

    static func add(_ world: NamespaceWorld) {
        lock.withLock { worlds[ObjectIdentifier(world)] = world.allNamespaces }
        ChildRegistry.onSignal { removeAll() }
    }

    static func remove(_ world: NamespaceWorld) { lock.withLock { _ = worlds.removeValue(forKey: ObjectIdentifier(world)) } }

    static func removeAll() {
        let namespaces = lock.withLock { worlds.values.flatMap { $0 } }
        NamespaceWorld.removeNamespaces(namespaces)
    }
}
