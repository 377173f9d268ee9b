import NetMgrCore
import NetMgrSecurity

/// What the line switch device simulator connects: per line (keyed by its switch unit) a
/// host-side port and one port per node, plus the control address and the line capture.
public struct LineSwitchConfiguration: Sendable {
    public struct NodePort: Sendable, Hashable {
        public var node: String
        public var endpoint: Endpoint

        public init(node: String, endpoint: Endpoint) {
            self.node = node
            self.endpoint = endpoint
        }
    }

    public struct Line: Sendable {
        public var unit: LineSwitchUnit
        /// The definitions' line name, for messages (nil when given on the command line).
        public var name: String?
        /// Where the host (its SDLC primary) connects.
        public var hostPort: Endpoint
        /// Where each node's netmgrd connects (the node's `device`).
        public var nodePorts: [NodePort]
        /// The line's procedure: `.hdlcLeased` lines carry SDLC, `.hdlcPacket` lines carry
        /// LAPB (X.25); the line monitor records each kind in its own link type.
        public var procedure: Procedure

        public init(unit: LineSwitchUnit, name: String? = nil, hostPort: Endpoint, nodePorts: [NodePort], procedure: Procedure = .hdlcLeased) {
            self.unit = unit
            self.name = name
            self.hostPort = hostPort
            self.nodePorts = nodePorts
            self.procedure = procedure
        }

        /// Whether the line carries X.25 (LAPB frames) rather than SDLC.
        public var isX25: Bool { procedure == .hdlcPacket }
    }

    public var control: Endpoint
    public var lines: [Line]
    /// The pcap file (LINKTYPE_SDLC) every host-side frame of every SDLC line goes to; nil: none.
    public var capturePath: String?
    /// The pcap file (LINKTYPE_SITA, LAPB) the X.25 lines' frames go to; nil: none. Opened
    /// only when some line carries X.25.
    public var x25CapturePath: String?
    /// The shared HMAC key SWITCH requests must be signed with (docs/LINE-SWITCH.md); nil:
    /// unauthenticated, as before.
    public var key: [UInt8]?

    public init(control: Endpoint, lines: [Line], capturePath: String? = nil, x25CapturePath: String? = nil, key: [UInt8]? = nil) {
        self.control = control
        self.lines = lines
        self.capturePath = capturePath
        self.x25CapturePath = x25CapturePath
        self.key = key
    }

    /// The X.25 capture next to an SDLC one: "line.pcap" → "line-x25.pcap", "line" →
    /// "line-x25.pcap" (one pcap file holds one link type, so X.25 lines get their own).
    public static func x25CapturePath(besides sdlcPath: String) -> String {
        let stem = sdlcPath.hasSuffix(".pcap") ? String(sdlcPath.dropLast(5)) : sdlcPath
        return stem + "-x25.pcap"
    }

    /// The switched lines of a definition set: every line with a switch unit whose nodes
    /// have `tcp:` devices; the host side of each comes from `hostPorts`. Lines with a switch
    /// unit but no host port are left out (reported in `skipped`); a control address or host
    /// port that is missing is an error naming it.
    public static func from(
        definitions: Definitions, hostPorts: [LineSwitchUnit: Endpoint], control: Endpoint? = nil, capturePath: String? = nil
    ) throws(LineSwitchConfigurationError) -> (configuration: LineSwitchConfiguration, skipped: [String]) {
        guard let control = control ?? definitions.cluster.lineSwitch else {
            throw LineSwitchConfigurationError("the definitions have no cluster.line-switch control address; give --control HOST:PORT")
        }
        var lines: [Line] = []
        var skipped: [String] = []
        var serialUnits: Set<LineSwitchUnit> = []
        lineLoop: for line in definitions.lines {
            guard let unit = line.switchUnit else { continue }
            // A line whose nodes use real ports (tty:, hdlc:) is switched by real equipment.
            if let serial = definitions.cluster.nodes.lazy.compactMap({ line.perNode[$0.name]?.device }).first(where: { Self.isSerialDevice($0) }) {
                skipped.append("line \(line.name) (\(unit)): device \"\(serial)\" is a real serial port; the simulator offers TCP ports only")
                serialUnits.insert(unit)
                continue lineLoop
            }
            guard let hostPort = hostPorts[unit] else {
                skipped.append("line \(line.name) (\(unit)): no --host-port for it")
                continue
            }
            var nodePorts: [NodePort] = []
            for node in definitions.cluster.nodes {
                guard let device = line.perNode[node.name]?.device else {
                    throw LineSwitchConfigurationError("line \(line.name) (\(unit)) has no device for node \(node.name); expected nodes.\(node.name).device: \"tcp:HOST:PORT\"")
                }
                guard device.lowercased().hasPrefix("tcp:"), case .success(let endpoint) = Endpoint.parse(String(device.dropFirst(4))) else {
                    throw LineSwitchConfigurationError("line \(line.name) (\(unit)), node \(node.name): device \"\(device)\" is not tcp:HOST:PORT; the simulator offers TCP ports only")
                }
                nodePorts.append(NodePort(node: node.name, endpoint: endpoint))
            }
            lines.append(Line(unit: unit, name: line.name, hostPort: hostPort, nodePorts: nodePorts, procedure: line.procedure))
        }
        for unit in hostPorts.keys where !lines.contains(where: { $0.unit == unit }) && !serialUnits.contains(unit) {
            throw LineSwitchConfigurationError("--host-port \"\(unit)\": no line in the definitions has switch: \(unit)")
        }
        var key: [UInt8]?
        if let path = definitions.cluster.lineSwitchKey { key = try readKey(path: path) }
        return (LineSwitchConfiguration(control: control, lines: lines, capturePath: capturePath, key: key), skipped)
    }

    /// The shared key from its file (cluster.line-switch.key, or --key): refused when others
    /// may read it (SecretFile) or when it is shorter than the authenticator needs.
    public static func readKey(path: String) throws(LineSwitchConfigurationError) -> [UInt8] {
        let key: [UInt8]
        do {
            key = try SecretFile.read(path: path, what: "line switch key")
        } catch {
            throw LineSwitchConfigurationError("\(error)")
        }
        guard key.count >= LineSwitchAuthenticator.minimumKeyBytes else {
            throw LineSwitchConfigurationError("line switch key \(path): \(key.count) bytes; at least \(LineSwitchAuthenticator.minimumKeyBytes) are needed (e.g. head -c 32 /dev/urandom > \(path); chmod 600 \(path))")
        }
        return key
    }

    /// `tty:…` or `hdlc:…` (LineTransport's serial devices).
    static func isSerialDevice(_ device: String) -> Bool {
        let lower = device.drop(while: { $0 == " " || $0 == "\t" }).lowercased()
        return lower.hasPrefix("tty:") || lower.hasPrefix("hdlc:")
    }

    /// Checks that no port is used twice and every line has at least one node.
    public func validate() throws(LineSwitchConfigurationError) {
        guard !lines.isEmpty else { throw LineSwitchConfigurationError("no lines to switch") }
        var seen: [Endpoint: String] = [control: "the control interface"]
        func claim(_ endpoint: Endpoint, _ what: String) throws(LineSwitchConfigurationError) {
            if let other = seen[endpoint] { throw LineSwitchConfigurationError("\(endpoint) is used twice: by \(other) and by \(what)") }
            seen[endpoint] = what
        }
        var units: Set<LineSwitchUnit> = []
        for line in lines {
            guard units.insert(line.unit).inserted else { throw LineSwitchConfigurationError("line \(line.unit) is given twice") }
            guard !line.nodePorts.isEmpty else { throw LineSwitchConfigurationError("line \(line.unit) has no node ports") }
            try claim(line.hostPort, "the host side of \(line.unit)")
            for port in line.nodePorts { try claim(port.endpoint, "node \(port.node) on \(line.unit)") }
        }
    }
}

/// A line switch configuration that cannot be used; the text says what and where.
public struct LineSwitchConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
