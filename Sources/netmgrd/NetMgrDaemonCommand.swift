import ArgumentParser
import Foundation
import Logging
import Metrics
import NetMgrCore
import NetMgrServer
import ServiceLifecycle

@main
struct NetMgrDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netmgrd",
        abstract: "The netmgr server: runs this node's communication resources and serves NetMgrClient.",
        discussion: """
            Resources start in standby. A cluster engine activates them through the admin \
            socket (netmgr activate, netmgr cluster-event, the keepalived notify script or the \
            OCF agent). SIGTERM or SIGINT deactivates everything cleanly and exits. SIGHUP \
            reloads the definitions: a set with errors is refused and the running one kept; \
            changes apply to standby resources, and are refused for active ones. SIGUSR1, \
            SIGUSR2 and SIGPIPE are logged or ignored.
            Exit codes: 0 stopped cleanly, 1 invalid definitions or start-up failure, \
            2 definitions unreadable, 64 bad command line.
            """
    )

    @Option(help: ArgumentHelp("The definitions directory.", valueName: "dir"))
    var definitions: String = ProcessInfo.processInfo.environment["NETMGR_DEFINITIONS"] ?? "/etc/netmgr"

    @Option(help: "This node's name in the definitions.")
    var node: String

    @Option(help: ArgumentHelp("Directory for the cluster-wide activation epoch; put it on the switched or a shared partition.", valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("The admin socket (default: the node's admin-socket, else /run/netmgr/NODE.sock).", valueName: "path"))
    var adminSocket: String?

    @Option(help: ArgumentHelp("Serve clients here instead of the node's lan address.", valueName: "host:port"))
    var lan: String?

    @Option(help: ArgumentHelp("Fail a message to its client as host-rejected once the host closed the session this many times while it was in flight (1-100).", valueName: "count"))
    var hostRefusalLimit: Int = RetryPolicy().hostRefusalLimit

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not one of trace, debug, info, notice, warning, error, critical") }
        if let lan, case .failure(let error) = Endpoint.parse(lan) { throw ValidationError("--lan \(lan): \(error)") }
        guard RetryPolicy.hostRefusalLimits.contains(hostRefusalLimit) else {
            throw ValidationError("--host-refusal-limit \(hostRefusalLimit): expected a count from 1 to 100")
        }
        if let stateDir {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: stateDir, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ValidationError("--state-dir \(stateDir) is a file, not a directory; give the directory that holds (or will hold) the epoch file")
            }
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel)!
        let nodeName = node
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            handler.metadata["node"] = "\(nodeName)"
            return handler
        }
        let logger = Logger(label: "netmgrd")
        SignalHandling.ignoreFatalDefaults()
        let openFiles = ProcessLimits.raiseOpenFiles()
        let metricsFactory = NetMgrMetricsFactory()  // swift-prometheus' registry, with HELP lines and the activation buckets
        MetricsSystem.bootstrap(metricsFactory)

        let loaded: LoadedDefinitions
        do {
            loaded = try DefinitionsLoader.load(directory: definitions)
        } catch {
            logger.critical("definitions unreadable: \(error)")
            throw ExitCode(2)
        }
        guard loaded.isValid else {
            for diagnostic in loaded.diagnostics { logger.critical("\(diagnostic)") }
            logger.critical("\(loaded.diagnostics.count) error(s) in the definitions; run `netmgr check \(definitions)`")
            throw ExitCode(1)
        }
        for warning in loaded.warnings { logger.warning("\(warning)") }
        if loaded.definitions.cluster.clients == nil {
            logger.warning("the definitions have no cluster.clients section: every client may open every resource and LU")
        }
        let sessions = loaded.definitions.lus.count
        if UInt64(sessions) + 64 > openFiles {
            logger.warning("the open-file limit \(openFiles) is below the \(sessions) LU connections this node may hold; raise it (ulimit -n / LimitNOFILE=)")
        }
        guard let me = loaded.definitions.node(named: node) else {
            logger.critical("node \"\(node)\" is not defined in \(definitions) (nodes: \(loaded.definitions.cluster.nodes.map(\.name).joined(separator: ", ")))")
            throw ExitCode(1)
        }
        let socket = adminSocket ?? me.adminSocket ?? "/run/netmgr/\(node).sock"
        var configuration = DaemonConfiguration(definitions: loaded.definitions, nodeName: node, stateDirectory: stateDir, adminSocket: socket)
        do {
            configuration.tls = try NodeTLSMaterial.load(definitions: loaded.definitions, node: me)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        if let lan { configuration.lanEndpoint = try Endpoint.parse(lan).get() }
        configuration.retry.hostRefusalLimit = hostRefusalLimit
        if let stateDir {
            do {
                try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let epoch = try EpochStore(stateDirectory: stateDir, logger: logger).current()
                logger.info("epoch store \(stateDir): newest epoch \(epoch)")
            } catch let error as EpochStore.Failure {
                logger.critical("--state-dir \(stateDir): \(error)")
                throw ExitCode(1)
            } catch {
                logger.critical("--state-dir \(stateDir): cannot create the directory: \((error as NSError).localizedDescription)")
                throw ExitCode(1)
            }
        }

        let (reloads, reloadRequests) = AsyncStream.makeStream(of: Definitions.self)
        let daemon = NetMgrDaemon(configuration: configuration, logger: logger, metricsText: { metricsFactory.exposition() }, reloads: reloads)
        let signals = await SignalHandling(definitionsDirectory: definitions, logger: logger, reloads: reloadRequests)
        // Orchestrators (the demo, tests, systemd's notify wrappers) wait for this line.
        let announcing = AnnouncingDaemon(daemon: daemon, node: node)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: announcing), .init(service: signals)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }
}

/// Runs the daemon and prints `ready: netmgrd NODE LAN-ADDRESS ADMIN-SOCKET` once it listens.
struct AnnouncingDaemon: Service {
    let daemon: NetMgrDaemon
    let node: String

    func run() async throws {
        try await daemon.run { listening in
            FileHandle.standardOutput.write(Data("ready: netmgrd \(node) \(listening.lan) \(listening.adminSocket)\n".utf8))
        }
    }
}
