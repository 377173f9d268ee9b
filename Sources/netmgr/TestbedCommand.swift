import ArgumentParser
import Foundation
import NetMgrHarness
#if canImport(Glibc)
import Glibc
#endif

/// `netmgr testbed`: the network-namespace testbed (docs/TESTBED.md). Test equipment, like
/// `netmgr sim` and `netmgr demo`; runs as root.
struct TestbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testbed",
        abstract: "The network-namespace testbed: host, two nodes with a cluster engine, a client; faults under load (root).",
        subcommands: [TestbedCampaignCommand.self, TestbedUpCommand.self, TestbedDownCommand.self]
    )
}

struct TestbedOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The testbed's topology (addresses; the definitions templates beside it).", valueName: "file"))
    var topology = "Testbed/topology.yaml"

    @Option(help: ArgumentHelp("Suffix of the namespace names (nm-host-ID ...): 1 to 8 letters and digits (default: the process id).", valueName: "id"))
    var id: String?

    @Option(help: ArgumentHelp("Logs, journal, ledger, capture, sockets, state (default /tmp/netmgr-testbed-ID). Kept after a failure.", valueName: "dir"))
    var runDirectory: String?

    @Option(help: ArgumentHelp("The cluster engine: keepalived or pacemaker.", valueName: "engine"))
    var engine = "keepalived"

    @Option(help: "netmgrd's log level.") var logLevel = "info"

    var resolvedID: String { id ?? String(getpid()) }
    var resolvedRunDirectory: String { runDirectory ?? "/tmp/netmgr-testbed-\(resolvedID)" }
    /// The repository: Integrations/ beside the topology's Testbed/ directory.
    var repository: String {
        let testbed = (URL(fileURLWithPath: topology).standardizedFileURL.path as NSString).deletingLastPathComponent
        return (testbed as NSString).deletingLastPathComponent
    }

    func validate() throws {
        if let id, id.isEmpty || id.count > 8 || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            throw ValidationError("--id \(id): use 1 to 8 letters and digits (it becomes part of namespace names)")
        }
        guard ["keepalived", "pacemaker"].contains(engine) else { throw ValidationError("--engine \(engine): expected keepalived or pacemaker") }
    }

    static func requireRoot() throws {
        guard getuid() == 0 else {
            printError("error: the testbed must run as root (it creates network namespaces, veth pairs and a bridge, and runs the cluster engine); run it with sudo or as root")
            throw Exit.unreadable
        }
    }

    func makeWorld() throws -> NamespaceWorld {
        do {
            let topology = try TestbedTopology.load(path: topology)
            return try NamespaceWorld(topology: topology, id: resolvedID, runDirectory: resolvedRunDirectory,
                                      binaries: HarnessBinaries(directory: DemoCommand.executableDirectory()))
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
    }

    func makeEngine(_ world: NamespaceWorld) throws -> any ClusterEngine {
        let groups = world.definitions.cluster.groups.map(\.name)
        guard groups.count == 1, let group = groups.first else {
            printError("error: the testbed runs one failover group; \(world.definitionsDirectory) has \(groups.count)")
            throw Exit.unreadable
        }
        switch engine {
        case "pacemaker": return PacemakerEngine(repository: repository, group: group)
        default: return KeepalivedEngine(repository: repository, group: group)
        }
    }
}

struct TestbedCampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Inject faults in a reproducible random order under a steady stream on every LU; check each one.",
        discussion: """
            After each fault: exactly one active owner per resource, netmgr verify keeps every \
            promise on the capture, no message lost. Prints a table per fault kind. Stops at \
            the first failure with a line that reproduces it, keeping the run directory. Fault \
            kinds: \(TestbedFault.allCases.map(\.rawValue).joined(separator: ", ")). Exit codes: \
            0 every check held, 1 a check failed, 2 the testbed could not be set up, 64 usage.
            """
    )

    @OptionGroup var testbed: TestbedOptions
    @Option(help: "How many faults.") var faults = 7
    @Option(help: "The seed of the fault order and moments.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Only these fault kinds (comma-separated; default: all).", valueName: "kinds"))
    var kinds: String?
    @Option(help: "Milliseconds between messages on each LU.") var intervalMs = 50
    @Flag(help: "Run netmgr verify only at the end, not after every fault.") var verifyAtEnd = false
    @Option(help: "An s3270 types this many lines into the TN server's LU through the VIP meanwhile (0: none).") var emulatorLines = 0

    var parsedKinds: [TestbedFault] {
        get throws {
            guard let kinds else { return TestbedFault.allCases }
            return try kinds.split(separator: ",").map { name in
                guard let kind = TestbedFault(rawValue: String(name)) else {
                    throw ValidationError("--kinds: unknown fault '\(name)'; expected \(TestbedFault.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return kind
            }
        }
    }

    func validate() throws {
        guard (1...10_000).contains(faults) else { throw ValidationError("--faults \(faults): expected 1 to 10000") }
        guard (0...10_000).contains(emulatorLines) else { throw ValidationError("--emulator-lines \(emulatorLines): expected 0 to 10000") }
        guard (5...10_000).contains(intervalMs) else { throw ValidationError("--interval-ms \(intervalMs): expected 5 to 10000") }
        guard try !parsedKinds.isEmpty else { throw ValidationError("--kinds: name at least one fault kind") }
    }

    func run() async throws {
        try TestbedOptions.requireRoot()
        let world = try testbed.makeWorld()
        let engine = try testbed.makeEngine(world)
        var options = CampaignOptions()
        options.faults = faults
        options.seed = seed
        options.kinds = try parsedKinds
        options.intervalMilliseconds = intervalMs
        options.verifyEachFault = !verifyAtEnd
        options.logLevel = testbed.logLevel
        options.emulatorLines = emulatorLines
        options.emulatorScript = testbed.repository + "/examples/s3270/enter_through_failover.sh"
        let campaign = TestbedCampaign(world: world, engine: engine, options: options) { line in
            print(line)
            fflushStandardOutput()
        }
        var failure: Error?
        var outcomes: [FaultOutcome] = []
        do {
            outcomes = try await campaign.run()
        } catch {
            failure = error
            await campaign.drainAfterFailure()
        }
        await engine.stop(world)
        await world.tearDown()
        let left = NamespaceWorld.existingNamespaces(id: world.id)
        if !left.isEmpty { printError("warning: namespaces still there: \(left.joined(separator: " "))") }
        let done = failure == nil ? outcomes : campaign.outcomes
        if !done.isEmpty {
            print("\nFault campaign, engine \(engine.name), seed \(seed), \(done.count) fault(s):")
            print(TestbedCampaign.table(done))
        }
        if let failure {
            let kindsArgument = kinds.map { " --kinds \($0)" } ?? ""
            printError("""
                error: \(failure)
                evidence kept in \(world.runDirectory) (journal, ledger, capture, logs)
                reproduce: scripts/testbed campaign --engine \(engine.name) --faults \(faults) --seed \(seed)\(kindsArgument) --interval-ms \(intervalMs) --emulator-lines \(emulatorLines)
                """)
            throw failure is CampaignFailure ? Exit.failed : Exit.unreadable
        }
        print("testbed campaign: PASSED (\(done.count) faults, 0 messages lost, every promise kept)")
    }
}

struct TestbedUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Bring the world up (line switch, host, both nodes, the cluster engine) and keep it until Ctrl-C, then tear it down."
    )
    @OptionGroup var testbed: TestbedOptions

    func run() async throws {
        try TestbedOptions.requireRoot()
        let world = try testbed.makeWorld()
        let engine = try testbed.makeEngine(world)
        do {
            try world.up()
            try await world.startLineSwitch()
            try await world.startHost(probeIntervalMilliseconds: 1000, probeTimeoutMilliseconds: 1000)
            try engine.prepare(world)
            for node in world.nodeNames { try await world.startNetmgrd(node, logLevel: testbed.logLevel) }
            try await engine.start(world)
        } catch {
            printError("error: \(error)")
            await engine.stop(world)
            await world.tearDown()
            throw Exit.unreadable
        }
        let first = world.nodeNames[0]
        print("""
            testbed \(world.id) up: \(first) is active (engine \(engine.name)); run directory \(world.runDirectory)
              stream:  ip netns exec \(world.clientNamespace) \(world.binaries.netmgr) sim app \(world.definitions.cluster.nodes.map { "--server \($0.lan.host):\($0.lan.port)" }.joined(separator: " ")) --session RESOURCE/LU --ca ... (see docs/TESTBED.md)
              look:    \(world.binaries.netmgr) status --socket \(world.adminSocket(first))
              cut:     ip -n \(world.switchNamespace) link set \(world.switchPort(first)) down
            Ctrl-C tears it down.
            """)
        fflushStandardOutput()
        // Until SIGINT or SIGTERM: the harness's signal handler stops every process and removes the namespaces.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}

struct TestbedDownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Remove a testbed's namespaces (and kill what still runs in them) after an interrupted run."
    )
    @Option(help: "The testbed's id.") var id: String

    func run() throws {
        try TestbedOptions.requireRoot()
        let namespaces = NamespaceWorld.existingNamespaces(id: id)
        let left = NamespaceWorld.removeNamespaces(namespaces)
        print("removed \(namespaces.count - left.count) namespace(s)\(left.isEmpty ? "" : "; could not remove \(left.joined(separator: " "))")")
        if !left.isEmpty { throw Exit.failed }
    }
}
