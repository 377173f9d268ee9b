import ArgumentParser
import Foundation
import Logging
import NIOCore
import NetMgrCore
import NetMgrSimulators
import ServiceLifecycle

/// `netmgr sim line-switch`: the line switch device simulator (回線切替装置).
struct SimLineSwitchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "line-switch",
        abstract: "Run a simulated line switch device: each line's host side connected to exactly one node, recorded to pcap.",
        discussion: """
            Lines come from --definitions (every line with a switch unit; node ports from each \
            node's device, the control address from cluster.line-switch) and --host-port, or \
            from --control, --host-port and --node-port alone. The control interface is line-based \
            text (docs/LINE-SWITCH.md): SWITCH "COM1 Unit1 Line1" node-b EPOCH 7, STATUS, HELP, QUIT; \
            with a key (--key, or cluster.line-switch's key) a SWITCH must end in TIME, NONCE and MAC. \
            Prints "ready: line-switch HOST:PORT" (the control address) once every port listens. \
            Stops on SIGTERM or SIGINT. Exit codes: 0 stopped cleanly, 1 runtime failure (a port \
            in use, the capture cannot be written), 2 unusable input (unreadable or invalid \
            definitions, a line without a host port), 64 bad command line.
            """
    )

    @Option(help: ArgumentHelp("The definitions directory: lines with switch units, node devices, cluster.line-switch.", valueName: "dir"))
    var definitions: String?

    @Option(name: .customLong("host-port"), help: ArgumentHelp(
        "Where the host side of a line listens. Repeatable.", valueName: "\"COMn Unitm Linek\"=HOST:PORT"))
    var hostPorts: [String] = []

    @Option(name: .customLong("node-port"), help: ArgumentHelp(
        "Where a node's end of a line listens, without --definitions. Repeatable.", valueName: "\"COMn Unitm Linek\":NODE=HOST:PORT"))
    var nodePorts: [String] = []

    @Option(help: ArgumentHelp("The control interface address (default: cluster.line-switch).", valueName: "host:port"))
    var control: String?

    @Option(help: ArgumentHelp("Record every host-side frame of every SDLC line to this pcap file (LINKTYPE_SDLC).", valueName: "file"))
    var capture: String?

    @Option(name: .customLong("capture-x25"), help: ArgumentHelp(
        "Record the X.25 lines' LAPB frames to this pcap file (LINKTYPE_SITA; default with --capture: FILE-x25.pcap beside it).",
        valueName: "file"))
    var captureX25: String?

    /// The X.25 lines' capture: as given, else beside the SDLC one.
    private var x25CapturePath: String? {
        captureX25 ?? capture.map { LineSwitchConfiguration.x25CapturePath(besides: $0) }
    }

    @Option(help: ArgumentHelp(
        "The shared HMAC-SHA256 key file SWITCH requests must be signed with (default: cluster.line-switch's key; none: unauthenticated).",
        valueName: "file"))
    var key: String?

    @OptionGroup var logging: LoggingOption

    func validate() throws {
        _ = try parsedHostPorts()
        _ = try parsedNodePorts()
        if let control, case .failure(let error) = Endpoint.parse(control) {
            throw ValidationError("--control \(control): \(error); expected HOST:PORT")
        }
        if definitions == nil {
            guard control != nil else { throw ValidationError("without --definitions, --control HOST:PORT is required") }
            guard !nodePorts.isEmpty else { throw ValidationError("without --definitions, give each node's port with --node-port") }
        } else if !nodePorts.isEmpty {
            throw ValidationError("--node-port is for use without --definitions; with them, node ports come from each node's device")
        }
        guard !hostPorts.isEmpty else { throw ValidationError("give each line's host side with --host-port \"COMn Unitm Linek\"=HOST:PORT") }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "netmgr.sim.line-switch")
        let configuration = try makeConfiguration(logger: logger)
        do {
            try configuration.validate()
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        let service = LineSwitchService(configuration: configuration, logger: logger) { device in
            let address = device.controlAddress
            let host = address.ipAddress ?? "?"
            FileHandle.standardOutput.write(Data("ready: line-switch \(host.contains(":") ? "[\(host)]" : host):\(address.port ?? 0)\n".utf8))
        }
        try await runSimulatorServices([service], logger: logger)
    }

    private func makeConfiguration(logger: Logger) throws -> LineSwitchConfiguration {
        var configuration = try makeLines(logger: logger)
        if let key {
            do {
                configuration.key = try LineSwitchConfiguration.readKey(path: key)
            } catch {
                printError("error: --key: \(error)")
                throw Exit.unreadable
            }
        }
        return configuration
    }

    private func makeLines(logger: Logger) throws -> LineSwitchConfiguration {
        let hosts = try parsedHostPorts()
        let controlEndpoint = try control.map { try Endpoint.parse($0).get() }
        guard let directory = definitions else {
            var lines: [LineSwitchConfiguration.Line] = []
            for (unit, endpoint) in hosts {
                let nodes = try parsedNodePorts().filter { $0.unit == unit }.map { LineSwitchConfiguration.NodePort(node: $0.node, endpoint: $0.endpoint) }
                lines.append(LineSwitchConfiguration.Line(unit: unit, hostPort: endpoint, nodePorts: nodes))
            }
            for port in try parsedNodePorts() where hosts[port.unit] == nil {
                printError("error: --node-port \"\(port.unit)\":\(port.node): no --host-port for line \(port.unit)")
                throw Exit.unreadable
            }
            return LineSwitchConfiguration(control: controlEndpoint!, lines: lines, capturePath: capture, x25CapturePath: x25CapturePath)
        }
        let definitions = try loadValidDefinitions(directory, for: "the line switch simulator")
        do {
            let (from, skipped) = try LineSwitchConfiguration.from(
                definitions: definitions, hostPorts: hosts, control: controlEndpoint, capturePath: capture)
            var configuration = from
            configuration.x25CapturePath = x25CapturePath
            for line in skipped { logger.notice("not switching \(line)") }
            return configuration
        } catch {
            printError("error: \(directory): \(error)")
            throw Exit.unreadable
        }
    }

    private func parsedHostPorts() throws -> [LineSwitchUnit: Endpoint] {
        var result: [LineSwitchUnit: Endpoint] = [:]
        for text in hostPorts {
            let (unit, endpoint) = try parseLineSwitchUnitPort(text, option: "--host-port")
            guard result[unit] == nil else { throw ValidationError("--host-port \"\(unit)\" is given twice") }
            result[unit] = endpoint
        }
        return result
    }

    private func parsedNodePorts() throws -> [(unit: LineSwitchUnit, node: String, endpoint: Endpoint)] {
        try nodePorts.map { text in
            guard let equals = text.firstIndex(of: "="), let colon = text[..<equals].lastIndex(of: ":") else {
                throw ValidationError("--node-port \(text): expected \"COMn Unitm Linek\":NODE=HOST:PORT")
            }
            let unitText = String(text[..<colon])
            let node = String(text[text.index(after: colon)..<equals])
            guard let unit = LineSwitchUnit(parsing: unitText) else {
                throw ValidationError("--node-port \(text): \"\(unitText)\" is not a line switch unit; expected COMn Unitm Linek")
            }
            guard !node.isEmpty else { throw ValidationError("--node-port \(text): the node name is empty") }
            var endpointText = String(text[text.index(after: equals)...])
            if endpointText.lowercased().hasPrefix("tcp:") { endpointText.removeFirst(4) }
            guard case .success(let endpoint) = Endpoint.parse(endpointText) else {
                throw ValidationError("--node-port \(text): \"\(endpointText)\" is not HOST:PORT")
            }
            return (unit, node, endpoint)
        }
    }
}
