import Foundation
import NetMgrAdminClient
import NetMgrCore
import NetMgrProtocol
import NetMgrSimulators
#if canImport(Glibc)
import Glibc
#endif

/// Where the harness finds netmgr's executables.
public struct HarnessBinaries: Sendable {
    public var netmgr: String
    public var netmgrd: String

    public init(netmgr: String, netmgrd: String) {
        self.netmgr = netmgr
        self.netmgrd = netmgrd
    }

    /// The executables in `directory` (a build's bin path).
    public init(directory: String) {
        self.init(netmgr: directory + "/netmgr", netmgrd: directory + "/netmgrd")
    }
}

/// How the simulated host behaves.
public struct HostBehaviour: Sendable {
    /// Speak basic TN3270 only (LU from the terminal type's @LU suffix).
    public var basicOnly = false
    /// Keep an LU busy this long after its connection closed (DEVICE-IN-USE meanwhile).
    public var holdAfterCloseSeconds: Double = 0
    /// Probe idle connections and free the LU of one that does not answer.
    public var probeIntervalMilliseconds = 200
    public var probeTimeoutMilliseconds = 600
    /// Record the host's side of the BDLC lines into `bdlcCapturePath`.
    public var bdlcCapture = false
    /// More `netmgr sim host` options (e.g. `--query-after-bind`).
    public var extraArguments: [String] = []
    /// The exchange's modem training time (answer → CONNECT) and ISDN set-up time.
    public var modemConnectMilliseconds = 1500
    public var isdnConnectMilliseconds = 200
    /// More `netmgr sim exchange` options (e.g. a busy host line).
    public var exchangeArguments: [String] = []

    public init() {}
}

/// A whole netmgr world on loopback, as DESIGN.md §5 lays it out: the host simulator,
/// the line switch device (when a line is switched), and netmgrd for each node, all
/// driven from one definitions directory, with logs, journal, sockets and the epoch
/// state in `workDirectory`. Every process is stopped by `stopAll()`.
public final class LoopbackCluster: @unchecked Sendable {
    public let definitionsDirectory: String
    public let workDirectory: String
    public let definitions: Definitions
    public let binaries: HarnessBinaries
    public let behaviour: HostBehaviour
    public private(set) var host: ChildProcess?
    public private(set) var lineSwitch: ChildProcess?
    public private(set) var exchange: ChildProcess?
    public private(set) var nodes: [String: ChildProcess] = [:]
    /// Serialises issuing client certificates (LoopbackCluster+TLS.swift).
    let pkiLock = NSLock()

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(definitionsDirectory: String, workDirectory: String, binaries: HarnessBinaries, behaviour: HostBehaviour = HostBehaviour()) throws {
        let loaded = try DefinitionsLoader.load(directory: definitionsDirectory)
        guard loaded.isValid else {
            throw Failure(description: "definitions in \(definitionsDirectory) are invalid:\n" + loaded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        self.definitionsDirectory = definitionsDirectory
        self.workDirectory = workDirectory
        self.definitions = loaded.definitions
        self.binaries = binaries
        self.behaviour = behaviour
        for directory in [workDirectory, stateDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                // FileManager wraps the POSIX error; its own text is vaguer than strerror's.
                let reason = ((error as? CocoaError)?.underlying as? POSIXError).map { String(cString: strerror($0.code.rawValue)) }
                    ?? error.localizedDescription
                throw Failure(description: "cannot make the work directory \(directory): \(reason)")
            }
        }
        // After the work directory: a run that cannot start writes nothing beside the definitions.
        try Self.ensurePKI(loaded.definitions)
    }

    public var journalPath: String { workDirectory + "/host-journal.jsonl" }
    public var lineCapturePath: String { workDirectory + "/line.pcap" }
    /// The line switch's X.25 lines (LINKTYPE_SITA), beside the SDLC capture.
    public var x25LineCapturePath: String { LineSwitchConfiguration.x25CapturePath(besides: lineCapturePath) }
    /// Shared by both nodes, as a state directory on the group's switched partition would be.
    public var stateDirectory: String { workDirectory + "/state" }
    public func adminSocket(_ node: String) -> String { workDirectory + "/\(node).sock" }
    public func logPath(_ name: String) -> String { workDirectory + "/\(name).log" }

    /// The host's TN3270 endpoint: the host of the first TnETOS resource.
    public var hostEndpoint: Endpoint? {
        for resource in definitions.resources { if case .tcp(let endpoint) = resource.host { return endpoint } }
        return nil
    }

    /// Switched lines (SDLC, X.25 and the public telephone lines' modem cables) and the
    /// host-side port the line switch gives each (control port + 10 + 10 × index). The host
    /// takes the SDLC and X.25 lines itself; a public line's host side is the exchange's modem.
    public var switchedLines: [(line: Line, hostSide: Endpoint)] {
        guard let control = definitions.cluster.lineSwitch else { return [] }
        return definitions.lines.filter { $0.switchUnit != nil && ($0.procedure.isSDLC || $0.procedure == .hdlcPacket || $0.procedure == .hdlcPublic) }
            .enumerated().map { index, line in (line, Endpoint(host: control.host, port: control.port + 10 + 10 * index)) }
    }

    /// The telephone/ISDN exchange, when any line is `hdlc-public` or `hdlc-isdn`.
    public var hasSwitchedCalls: Bool { definitions.lines.contains { $0.procedure.isSwitchedCall } }

    /// The exchange's address: where the ISDN nodes' interfaces are (their devices), else
    /// .150 in the line switch's /24 (DESIGN.md §5's loopback plan).
    public var exchangeHost: String {
        for line in definitions.lines where line.procedure == .hdlcISDN {
            for facts in line.perNode.values {
                if let device = facts.device, device.lowercased().hasPrefix("tcp:"), case .success(let endpoint) = Endpoint.parse(String(device.dropFirst(4))) {
                    return endpoint.host
                }
            }
        }
        let base = definitions.cluster.lineSwitch?.host ?? "127.0.0.200"
        return base.split(separator: ".").dropLast().joined(separator: ".") + ".150"
    }

    /// The host's own lines at the exchange: one per host number a switched resource calls
    /// (`host: tel:`), analogue (a modem) from port 7602 on, ISDN from 7613 on.
    public var hostLines: [(number: String, procedure: Procedure, endpoint: Endpoint)] {
        var result: [(number: String, procedure: Procedure, endpoint: Endpoint)] = []
        for procedure in [Procedure.hdlcPublic, .hdlcISDN] {
            let base = procedure == .hdlcPublic ? 7602 : 7613
            for resource in definitions.resources {
                guard case .number(let number) = resource.host, definitions.line(named: resource.line)?.procedure == procedure,
                      !result.contains(where: { $0.number == number }) else { continue }
                let index = result.filter { $0.procedure == procedure }.count
                result.append((number, procedure, Endpoint(host: exchangeHost, port: base + index)))
            }
        }
        return result
    }
    /// What the exchange records of the host's lines (pcapng): the dial-up dialogue and SDLC, the ISDN D and B channels.
    public var dialupCapturePath: String { workDirectory + "/dialup.pcapng" }
    public var isdnCapturePath: String { workDirectory + "/isdn.pcapng" }

    // MARK: - Starting

    /// BDLC lines: the host simulator serves each node's own line as control station.
    public var hasBDLCLines: Bool { definitions.lines.contains { $0.procedure == .bdlc } }
    /// Where the host records its side of the BDLC lines (LINKTYPE_USER0).
    public var bdlcCapturePath: String { workDirectory + "/bdlc.pcap" }

    public func startHost() async throws {
        guard hostEndpoint != nil || hasBDLCLines || hasSwitchedCalls else { return }
        var arguments = ["sim", "host", "--definitions", definitionsDirectory, "--journal", journalPath]
        if let endpoint = hostEndpoint {
            arguments += ["--listen", endpoint.description,
                          "--probe-interval", String(behaviour.probeIntervalMilliseconds),
                          "--probe-timeout", String(behaviour.probeTimeoutMilliseconds)]
        }
        if hasBDLCLines {
            arguments += ["--bdlc-line", "all"]
            if behaviour.bdlcCapture { arguments += ["--bdlc-capture", bdlcCapturePath] }
        }
        if behaviour.basicOnly { arguments.append("--basic-only") }
        if behaviour.holdAfterCloseSeconds > 0 { arguments += ["--hold-after-close", String(behaviour.holdAfterCloseSeconds)] }
        arguments += behaviour.extraArguments
        for (line, hostSide) in switchedLines where line.procedure != .hdlcPublic {
            arguments += [line.procedure == .hdlcPacket ? "--x25-line" : "--sdlc-line", "\(line.switchUnit!)=tcp:\(hostSide)"]
        }
        // The host's switched major node: its own lines at the exchange.
        for line in hostLines {
            arguments += [line.procedure == .hdlcPublic ? "--dialup-line" : "--isdn-line", "\(line.number)=tcp:\(line.endpoint)"]
        }
        let process = try ChildProcess(name: "host", executable: binaries.netmgr, arguments: arguments, logPath: logPath("host"))
        host = process
        _ = try await process.waitUntilReady()
    }

    public func startLineSwitch() async throws {
        guard !switchedLines.isEmpty else { return }
        var arguments = ["sim", "line-switch", "--definitions", definitionsDirectory, "--capture", lineCapturePath]
        for (line, hostSide) in switchedLines { arguments += ["--host-port", "\(line.switchUnit!)=\(hostSide)"] }
        let process = try ChildProcess(name: "line-switch", executable: binaries.netmgr, arguments: arguments, logPath: logPath("line-switch"))
        lineSwitch = process
        _ = try await process.waitUntilReady()
    }

    /// The telephone/ISDN exchange: the modems of the public lines (each connecting to its
    /// unit's host port on the line switch), every node's ISDN interface, the host's lines;
    /// it records the host's lines.
    public func startExchange() async throws {
        guard hasSwitchedCalls else { return }
        var arguments = ["sim", "exchange", "--definitions", definitionsDirectory,
                         "--capture-dialup", dialupCapturePath, "--capture-isdn", isdnCapturePath,
                         "--modem-connect-ms", String(behaviour.modemConnectMilliseconds),
                         "--isdn-connect-ms", String(behaviour.isdnConnectMilliseconds)]
        for (line, hostSide) in switchedLines where line.procedure == .hdlcPublic {
            arguments += ["--switch-host-port", "\(line.switchUnit!)=\(hostSide)"]
        }
        for line in hostLines { arguments += ["--host-line", "\(line.number)=listen:\(line.endpoint)"] }
        arguments += behaviour.exchangeArguments
        let process = try ChildProcess(name: "exchange", executable: binaries.netmgr, arguments: arguments, logPath: logPath("exchange"))
        exchange = process
        _ = try await process.waitUntilReady()
    }

    /// Starts netmgrd for `node` (again, after a kill) and waits until it serves.
    public func startNode(_ node: String, logLevel: String = "info") async throws {
        if let running = nodes[node], running.isRunning { return }
        let process = try ChildProcess(
            name: "netmgrd-\(node)", executable: binaries.netmgrd,
            arguments: ["--definitions", definitionsDirectory, "--node", node, "--admin-socket", adminSocket(node),
                        "--state-dir", stateDirectory, "--log-level", logLevel],
            logPath: logPath("netmgrd-\(node)"))
        nodes[node] = process
        _ = try await process.waitUntilReady()
    }

    /// Line switch, exchange, host, then every node.
    public func startAll() async throws {
        try await startLineSwitch()
        try await startExchange()
        try await startHost()
        for node in definitions.cluster.nodes { try await startNode(node.name) }
    }

    // MARK: - Driving

    @discardableResult
    public func activate(_ targets: [String], on node: String, epoch: UInt64? = nil, timeoutSeconds: Double = 30) async throws -> AdminResponse {
        try await admin(AdminRequest(command: .activate, targets: targets, epoch: epoch, timeoutSeconds: timeoutSeconds), node: node)
    }

    @discardableResult
    public func deactivate(_ targets: [String], on node: String) async throws -> AdminResponse {
        try await admin(AdminRequest(command: .deactivate, targets: targets), node: node)
    }

    /// A node's status; `brief` leaves the LU lists out (counts only).
    public func status(of node: String, brief: Bool = false) async throws -> AdminResponse {
        let socket = adminSocket(node)
        return try await onOwnThread { try AdminConnection.exchange(AdminRequest(command: .status, brief: brief), socket: socket) }
    }

    private func admin(_ request: AdminRequest, node: String) async throws -> AdminResponse {
        let socket = adminSocket(node)
        let response = try await onOwnThread { try AdminConnection.exchange(request, socket: socket) }
        guard response.ok else {
            throw Failure(description: "\(request.command.rawValue) \(request.targets.joined(separator: " ")) on \(node): \(response.error ?? "failed")")
        }
        return response
    }

    /// SIGKILLs a node's netmgrd, as a node failure would; returns the time of the kill
    /// (seconds since 1970, taken just before the signal) once the process is gone.
    @discardableResult
    public func kill(_ node: String) async -> Double {
        let time = Date().timeIntervalSince1970
        guard let process = nodes[node] else { return time }
        process.signal(SIGKILL)
        _ = await process.waitForExit()
        return time
    }

    /// What the host journaled so far.
    public func journal() throws -> [HostJournalEntry] {
        guard FileManager.default.fileExists(atPath: journalPath) else { return [] }
        return try HostJournal.read(path: journalPath)
    }

    /// Stops every process (SIGTERM, then SIGKILL after the grace period).
    public func stopAll() async {
        for process in nodes.values { await process.stop() }
        if let host { await host.stop() }
        if let exchange { await exchange.stop() }
        if let lineSwitch { await lineSwitch.stop() }
    }
}

extension LoopbackCluster {
    /// Copies a definitions directory whose addresses are in 127.0.0.0/24 into `target`,
    /// moved to 127.0.BLOCK.0/24, so that several worlds can run side by side.
    public static func relocateDefinitions(from source: String, to target: String, block: Int,
                                           edit: (_ file: String, _ text: String) -> String = { _, text in text }) throws {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let text = try String(contentsOfFile: "\(source)/\(name)", encoding: .utf8)
                .replacingOccurrences(of: "127.0.0.", with: "127.0.\(block).")
            try edit(name, text).write(toFile: "\(target)/\(name)", atomically: true, encoding: .utf8)
        }
    }
}
