import Yams

/// Turns the YAML documents of a definitions directory into the model, recording every
/// problem in the documents themselves (types, missing and unknown keys, bad values).
/// Relations between entries are checked afterwards by `DefinitionsValidator`.
struct DefinitionsParser {
    var clusters: [Cluster] = []
    var lines: [Line] = []
    var resources: [Resource] = []
    var lus: [LU] = []
    /// Every entry name that was written, even when the entry itself had errors, so
    /// that references to it do not produce a second, misleading error.
    var declared: [String: Set<String>] = [:]
    var diagnostics: [Diagnostic] = []
    /// Where each section (cluster, lines, ...) was first written, to locate "missing" errors.
    var firstFile: String?
    /// Files that are not valid YAML: names they define are unknown, so references
    /// are not reported as undefined while any of these remain.
    var unparsedFiles: [String] = []

    static let sections = ["cluster", "lines", "resources", "lus"]

    mutating func parse(file: String, text: String) {
        if firstFile == nil { firstFile = file }
        let reader = YAMLReader(file: file)
        defer { diagnostics += reader.diagnostics }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            unparsedFiles.append(file)
            let location = Self.location(of: error, file: file)
            reader.report(at: location, key: "(document)", Self.describe(error),
                          expected: Self.expectedYAML(text, at: location))
            return
        } catch {
            unparsedFiles.append(file)
            reader.report(at: SourceLocation(file: file, line: 1, column: 1), key: "(document)", "\(error)", expected: "valid YAML")
            return
        }
        guard let root else { return }  // an empty file defines nothing
        guard var top = MappingReader(reader, root, path: "", what: "a mapping with the sections \(Self.sections.joined(separator: ", "))") else { return }
        if let node = top.value("cluster") { parseCluster(node, reader) }
        top.list("lines", expected: "a list of lines") { node, index in parseLine(node, index, reader) }
        top.list("resources", expected: "a list of resources") { node, index in parseResource(node, index, reader) }
        top.list("lus", expected: "a list of LUs") { node, index in parseLU(node, index, reader) }
        top.finish()
    }

    // MARK: - Entries

    private mutating func entryName(_ entry: inout MappingReader, section: String, index: Int) -> (name: String, path: String)? {
        let name = entry.string("name", required: true, expected: "the \(section) entry's name")
        if let name { declared[section, default: []].insert(name) }
        return name.map { ($0, "\(section)[\($0)]") }
    }

    private mutating func parseCluster(_ node: Node, _ reader: YAMLReader) {
        guard var entry = MappingReader(reader, node, path: "cluster", what: "a mapping with name, nodes and groups") else { return }
        let name = entry.string("name", required: true, expected: "the cluster's name") ?? "cluster"
        var nodes: [ClusterNode] = []
        entry.list("nodes", required: true, expected: "a list of the cluster's nodes") { node, index in
            if let parsed = parseNode(node, index, reader) { nodes.append(parsed) }
        }
        var groups: [FailoverGroup] = []
        entry.list("groups", required: true, expected: "a list of failover groups") { node, index in
            if let parsed = parseGroup(node, index, reader) { groups.append(parsed) }
        }
        let access = parseClusterAccess(&entry, reader)  // line-switch (HOST:PORT or {address, key}), admin-group
        let clients = parseClients(&entry, reader)
        let tls = parseClusterTLS(&entry, reader)
        let tnServer = parseTNServer(&entry, reader)  // issue 15: DefinitionsParser+TNServer.swift
        entry.finish()
        var cluster = Cluster(name: name, nodes: nodes, groups: groups, lineSwitch: nil, location: entry.location)
        cluster.clients = clients
        cluster.fields = entry.fields
        cluster.tls = tls
        cluster.tnServer = tnServer
        access.apply(to: &cluster)
        clusters.append(cluster)
    }


    private mutating func parseNode(_ node: Node, _ index: Int, _ reader: YAMLReader) -> ClusterNode? {
        guard var entry = MappingReader(reader, node, path: "cluster.nodes[\(index)]", what: "a node: name, address, lan") else { return nil }
        let named = entryName(&entry, section: "nodes", index: index)
        let path = named?.path ?? "cluster.nodes[\(index)]"
        entry = entry.renamed("cluster.\(path)")
        let address = entry.string("address", required: true, expected: "the node's real IP address").flatMap {
            ipAddress($0, at: entry.fields["address"]!, key: entry.keyPath("address"), reader, what: "the node's real IP address")
        }
        var lan: Endpoint?
        if let text = entry.string("lan", required: true, expected: "where clients reach netmgrd, HOST:PORT") {
            lan = endpoint(text, at: entry.fields["lan"]!, key: entry.keyPath("lan"), reader, what: "where clients reach netmgrd, HOST:PORT")
        }
        let admin = entry.string("admin-socket", expected: "the path of the admin Unix socket")
        let maxClients = parseMaxClients(&entry)
        let tls = parseNodeTLS(&entry, node: named?.name, reader)
        let metrics = parseNodeMetrics(&entry, node: named?.name, reader)
        let tnServer = parseNodeTNServer(&entry, node: named?.name, reader)  // issue 15
        let tnServerTLS = parseNodeTNServer(&entry, node: named?.name, reader, key: "tn-server-tls")  // issue 15 part 3
        entry.finish()
        guard let named, let address, let lan else { return nil }
        var result = ClusterNode(name: named.name, address: address, lan: lan, adminSocket: admin, location: entry.location)
        result.maxClients = maxClients
        result.fields = entry.fields
        result.tls = tls
        result.metrics = metrics
        result.tnServer = tnServer
        result.tnServerTLS = tnServerTLS
        return result
    }

    private mutating func parseGroup(_ node: Node, _ index: Int, _ reader: YAMLReader) -> FailoverGroup? {
        guard var entry = MappingReader(reader, node, path: "cluster.groups[\(index)]", what: "a failover group: name, vip, resources") else { return nil }
        let named = entryName(&entry, section: "groups", index: index)
        entry = entry.renamed("cluster.\(named?.path ?? "groups[\(index)]")")
        var vip: VIP?
        if let vipNode = entry.value("vip"), var vipEntry = MappingReader(reader, vipNode, path: entry.keyPath("vip"), what: "a VIP: name and address") {
            let vipName = vipEntry.string("name", required: true, expected: "the VIP's name, which resources use as own-address")
            if let vipName { declared["vips", default: []].insert(vipName) }
            let address = vipEntry.string("address", required: true, expected: "the VIP's IP address").flatMap {
                ipAddress($0, at: vipEntry.fields["address"]!, key: vipEntry.keyPath("address"), reader, what: "the VIP's IP address")
            }
            vipEntry.finish()
            if let vipName, let address {
                vip = VIP(name: vipName, address: address, location: vipEntry.location)
                vip?.fields = vipEntry.fields
            }
        }
        let members = entry.stringList("resources", required: true, expected: "a list of resource names")
        entry.finish()
        guard let named else { return nil }
        var group = FailoverGroup(name: named.name, vip: vip, resources: members.map(\.0), location: entry.location)
        group.fields = entry.fields
        for (offset, member) in members.enumerated() { group.fields["resources[\(offset)]"] = member.1 }
        return group
    }

    private mutating func parseLine(_ node: Node, _ index: Int, _ reader: YAMLReader) {
        guard var entry = MappingReader(reader, node, path: "lines[\(index)]", what: "a line: name, procedure, ...") else { return }
        let named = entryName(&entry, section: "lines", index: index)
        entry = entry.renamed(named?.path ?? "lines[\(index)]")
        let procedure = entry.choice("procedure", Procedure.self, required: true)
        var unit: LineSwitchUnit?
        if let text = entry.string("switch", expected: "a line switch unit such as \"COM1 Unit1 Line1\"") {
            unit = LineSwitchUnit(parsing: text)
            if unit == nil {
                reader.report(at: entry.fields["switch"]!, key: entry.keyPath("switch"), "\"\(text)\" is not a line switch unit", expected: "\"COMn Unitm Linek\", e.g. \"COM1 Unit1 Line1\"")
            }
        }
        let station = entry.integer("station-address", in: 1...254, what: "the SDLC station address the host polls")
        let coding = entry.choice("coding", LineCoding.self)
        let pollTimeout = entry.integer("poll-timeout", in: Line.pollTimeoutRange, what: "seconds without a poll before a BDLC station takes the line for dead")
        var nodeID: XIDNodeID?
        if let text = entry.string("node-id", expected: "the XID node id, 8 hex digits IDBLK+IDNUM such as 05D00001") {
            nodeID = XIDNodeID(parsing: text)
            if nodeID == nil {
                reader.report(at: entry.fields["node-id"]!, key: entry.keyPath("node-id"), "\"\(text)\" is not an XID node id", expected: "8 hex digits, IDBLK (3) then IDNUM (5), such as 05D00001")
            }
        }
        let x25 = parseX25Settings(&entry, reader)
        let switched = parseSwitchedSettings(&entry, reader)
        var perNode: [String: LineNodeFacts] = [:]
        if let nodesNode = entry.value("nodes"), let nodesEntry = MappingReader(reader, nodesNode, path: entry.keyPath("nodes"), what: "per-node facts keyed by node name") {
            if case .mapping(let mapping) = nodesNode {
                for (key, value) in mapping {
                    guard let nodeName = key.string else { continue }
                    guard var facts = MappingReader(reader, value, path: nodesEntry.keyPath(nodeName), what: "this node's facts: device, isdn-number, bdlc-address") else { continue }
                    let device = facts.string("device", expected: "the node's device: a serial port path, tcp:HOST:PORT for a simulated line, or xot:HOST:PORT for X.25 over TCP")
                    var isdn = facts.string("isdn-number", expected: "the node's own ISDN number")
                    if let text = isdn {
                        isdn = SwitchedLineSettings.dialledDigits(text)
                        if isdn == nil {
                            reader.report(at: facts.fields["isdn-number"] ?? facts.location, key: facts.keyPath("isdn-number"),
                                          "\"\(text)\" is not a telephone number",
                                          expected: "1 to \(SwitchedLineSettings.maximumDialledDigits) ASCII digits, optionally separated by -, no +")
                        }
                    }
                    let bdlc = facts.integer("bdlc-address", in: 1...254, what: "the node's BDLC station address")
                    facts.finish()
                    var result = LineNodeFacts(device: device, isdnNumber: isdn, bdlcAddress: bdlc.map(UInt8.init), location: reader.location(value))
                    result.fields = facts.fields
                    result.fields["(node)"] = reader.location(key)
                    perNode[nodeName] = result
                }
            }
        }
        entry.finish()
        guard let named, let procedure else { return }
        var line = Line(
            name: named.name, procedure: procedure, switchUnit: unit, stationAddress: station.map(UInt8.init),
            nodeID: nodeID, perNode: perNode, location: entry.location)
        line.coding = coding ?? .ascii
        line.pollTimeoutSeconds = pollTimeout ?? Line.defaultPollTimeoutSeconds
        line.x25 = x25
        line.switched = switched
        line.fields = entry.fields
        lines.append(line)
    }

    /// The `hdlc-packet` keys; on other procedures the validator reports them as misplaced.
    private func parseX25Settings(_ entry: inout MappingReader, _ reader: YAMLReader) -> X25LineSettings {
        var settings = X25LineSettings()
        if let text = entry.string("dte-address", expected: "the node's own X.121 address, 1 to 15 digits such as 44200001") {
            if X25LineSettings.isX121Address(text) {
                settings.dteAddress = text
            } else {
                reader.report(at: entry.fields["dte-address"]!, key: entry.keyPath("dte-address"), "\"\(text)\" is not an X.121 address",
                              expected: "1 to 15 decimal digits, such as 44200001 (quoted if it starts with 0)")
            }
        }
        if let size = entry.integer("packet-size", in: 16...4096, what: "the X.25 packet size in bytes, a power of two") {
            if X25LineSettings.packetSizes.contains(size) {
                settings.packetSize = size
            } else {
                reader.report(at: entry.fields["packet-size"]!, key: entry.keyPath("packet-size"), "\(size) is not a power of two",
                              expected: "one of \(X25LineSettings.packetSizes.map(String.init).joined(separator: ", "))")
            }
        }
        if let window = entry.integer("packet-window", in: X25LineSettings.windowRange, what: "the X.25 packet window (modulo 8)") {
            settings.packetWindow = window
        }
        if let text = entry.string("lapb-t1", expected: "the LAPB retransmission timer T1, such as 3s or 500ms") {
            if let milliseconds = X25LineSettings.milliseconds(parsing: text), X25LineSettings.lapbT1Range.contains(milliseconds) {
                settings.lapbT1Milliseconds = milliseconds
            } else {
                reader.report(at: entry.fields["lapb-t1"]!, key: entry.keyPath("lapb-t1"), "\"\(text)\" is not a T1 duration",
                              expected: "a duration from 100ms to 60s, such as 3s or 500ms")
            }
        }
        if let n2 = entry.integer("lapb-n2", in: X25LineSettings.lapbN2Range, what: "the LAPB maximum number of retransmissions N2") {
            settings.lapbN2 = n2
        }
        if let k = entry.integer("lapb-window", in: X25LineSettings.windowRange, what: "the LAPB window k (modulo 8)") {
            settings.lapbWindow = k
        }
        if let channel = entry.integer("logical-channel", in: X25LineSettings.logicalChannelRange, what: "the X.25 logical channel number of the call") {
            settings.logicalChannel = channel
        }
        return settings
    }

    /// The `hdlc-public` / `hdlc-isdn` call keys; on other procedures the validator reports them as misplaced.
    private func parseSwitchedSettings(_ entry: inout MappingReader, _ reader: YAMLReader) -> SwitchedLineSettings {
        var settings = SwitchedLineSettings()
        if let text = entry.string("number", expected: "the line's own subscriber number, digits such as \"0312340001\"") {
            if SwitchedLineSettings.isTelephoneNumber(text) {
                settings.number = text
            } else {
                reader.report(at: entry.fields["number"] ?? entry.location, key: entry.keyPath("number"), "\"\(text)\" is not a telephone number",
                              expected: "1 to 20 digits, optionally after a +, such as \"0312340001\" (quoted if it starts with 0)")
            }
        }
        if let dial = entry.choice("dial", DialCommandSet.self) { settings.dial = dial }
        if let call = entry.choice("call", CallDirection.self) { settings.call = call }
        if let rings = entry.integer("answer-rings", in: SwitchedLineSettings.answerRingsRange,
                                     what: "the rings before the modem answers a call-in (0: netmgrd answers each RING)") {
            settings.answerRings = rings
        }
        if let limit = entry.integer("redial-limit", in: SwitchedLineSettings.redialLimitRange, what: "call attempts that may fail in a row before the resource gives up") {
            settings.redialLimit = limit
        }
        if let delay = entry.integer("redial-delay", in: SwitchedLineSettings.redialDelayRange, what: "seconds before the first redial (doubling up to 60)") {
            settings.redialDelaySeconds = delay
        }
        if let timeout = entry.integer("connect-timeout", in: SwitchedLineSettings.connectTimeoutRange, what: "seconds from dialling or the first ring to the connection") {
            settings.connectTimeoutSeconds = timeout
        }
        return settings
    }

    private mutating func parseResource(_ node: Node, _ index: Int, _ reader: YAMLReader) {
        guard var entry = MappingReader(reader, node, path: "resources[\(index)]", what: "a resource: name, line, host, own-address, ...") else { return }
        let named = entryName(&entry, section: "resources", index: index)
        entry = entry.renamed(named?.path ?? "resources[\(index)]")
        let line = entry.string("line", required: true, expected: "the name of the line this resource uses")
        var host: HostAddress? = .line
        if let text = entry.string("host", expected: "the host's address: HOST:PORT, tel:NUMBER or dte:ADDRESS") {
            host = hostAddress(text, at: entry.fields["host"]!, key: entry.keyPath("host"), reader)
        }
        var own: OwnAddress?
        if let text = entry.string("own-address", expected: "a VIP name, or none for the node's real address") {
            own = text.lowercased() == "none" ? OwnAddress.nodeAddress : .vip(text)
        }
        let terminalType = entry.string("terminal-type", expected: "a 3270 terminal type such as IBM-3278-2") ?? "IBM-3278-2"
        if let location = entry.fields["terminal-type"], !Self.isTerminalType(terminalType) {
            reader.report(at: location, key: entry.keyPath("terminal-type"), "\"\(terminalType)\" is not a 3270 terminal type", expected: "IBM-3278-n, IBM-3279-n or IBM-3287-1, optionally with -E, without @LU (netmgr adds it)")
        }
        let dialect = entry.choice("dialect", TNDialect.self) ?? .tn3270e
        let maxNegotiations = entry.integer("max-negotiations", in: Resource.maxNegotiationsRange,
                                            what: "how many LU negotiations may be in flight at once towards the host")
        let tls = parseResourceTLS(&entry, reader)  // issue 14: TLS toward the host (DefinitionsParser+HostTLS.swift)
        entry.finish()
        guard let named, let line, let host else { return }
        var resource = Resource(
            name: named.name, line: line, host: host, ownAddress: own, terminalType: terminalType.uppercased(),
            dialect: dialect, location: entry.location)
        resource.maxNegotiations = maxNegotiations ?? Resource.defaultMaxNegotiations
        resource.fields = entry.fields
        resource.tls = tls
        resources.append(resource)
    }

    private mutating func parseLU(_ node: Node, _ index: Int, _ reader: YAMLReader) {
        guard var entry = MappingReader(reader, node, path: "lus[\(index)]", what: "an LU: name, address, resource, kind") else { return }
        let named = entryName(&entry, section: "lus", index: index)
        entry = entry.renamed(named?.path ?? "lus[\(index)]")
        if let named, !Self.isLUName(named.name) {
            reader.report(at: entry.fields["name"]!, key: entry.keyPath("name"), "\"\(named.name)\" is not an LU name", expected: "1 to 8 characters A-Z, 0-9, @, #, $, not starting with a digit")
        }
        let address = entry.integer("address", in: 1...254, required: true, what: "the LU local address")
        let resource = entry.string("resource", required: true, expected: "the name of the resource that owns this LU")
        let kind = entry.choice("kind", LUKind.self) ?? .terminal
        let host = hostLU(&entry, reader)
        entry.finish()
        guard let named, let address, let resource else { return }
        var lu = LU(name: named.name, address: UInt8(address), resource: resource, kind: kind, hostName: host?.name, location: entry.location)
        lu.hostKind = host?.kind ?? .name
        lu.fields = entry.fields
        lus.append(lu)
    }

    /// `host-lu` (an LU name, or `@` and a device number) or `host-pool` (a pool or group name).
    private func hostLU(_ entry: inout MappingReader, _ reader: YAMLReader) -> (name: String, kind: HostLUKind)? {
        let text = entry.string("host-lu", expected: "the LU name the host knows, or \"@\" and a 3270 device number such as \"@0011\"")
        let pool = entry.string("host-pool", expected: "the name of the host's LU pool or terminal group")
        if text != nil, pool != nil {
            reader.report(at: entry.fields["host-pool"]!, key: entry.keyPath("host-pool"), "is given together with host-lu (\(entry.fields["host-lu"]!))",
                          expected: "either host-lu (one LU or device) or host-pool (any LU of a pool), not both")
            return nil
        }
        if let pool {
            guard Self.isPoolName(pool) else {
                reader.report(at: entry.fields["host-pool"]!, key: entry.keyPath("host-pool"), "\"\(pool)\" is not a pool name",
                              expected: "1 to 8 characters A-Z, 0-9, @, #, $, starting with a letter, and not a hex number (a device number is written host-lu: \"@0011\")")
                return nil
            }
            return (pool.uppercased(), .pool)
        }
        guard let text else { return nil }
        if text.hasPrefix("@") {
            let digits = text.dropFirst()
            guard (3...4).contains(digits.count), digits.allSatisfy(\.isHexDigit) else {
                reader.report(at: entry.fields["host-lu"]!, key: entry.keyPath("host-lu"), "\"\(text)\" is not a device number",
                              expected: "\"@\" and 3 or 4 hex digits, such as \"@0011\" (quoted: YAML does not allow a bare @)")
                return nil
            }
            // Four digits, as Hercules prints them: @011 and @0011 are one device.
            return (String(repeating: "0", count: 4 - digits.count) + digits.uppercased(), .device)
        }
        guard Self.isLUName(text) else {
            reader.report(at: entry.fields["host-lu"]!, key: entry.keyPath("host-lu"), "\"\(text)\" is not an LU name",
                          expected: "1 to 8 characters A-Z, 0-9, @, #, $, not starting with a digit; or \"@\" and a device number such as \"@0011\"")
            return nil
        }
        return (text, .name)
    }

    // MARK: - Values

    private func ipAddress(_ text: String, at location: SourceLocation, key: String, _ reader: YAMLReader, what: String) -> IPAddress? {
        if let address = IPAddress(text) { return address }
        reader.report(at: location, key: key, "\"\(text)\" is not an IP address", expected: "\(what), an IPv4 or IPv6 literal")
        return nil
    }

    private func endpoint(_ text: String, at location: SourceLocation, key: String, _ reader: YAMLReader, what: String) -> Endpoint? {
        switch Endpoint.parse(text) {
        case .success(let endpoint): return endpoint
        case .failure(.missingPort): reader.report(at: location, key: key, "\"\(text)\" has no port", expected: "\(what), HOST:PORT")
        case .failure(.badPort(let port)): reader.report(at: location, key: key, "port \"\(port)\" is not valid", expected: "a port from 1 to 65535")
        case .failure(.badHost(let host)): reader.report(at: location, key: key, "\"\(host)\" is not a host name or address", expected: what)
        }
        return nil
    }

    private func hostAddress(_ text: String, at location: SourceLocation, key: String, _ reader: YAMLReader) -> HostAddress? {
        let lower = text.lowercased()
        for (prefix, make) in [("tel:", HostAddress.number), ("dte:", HostAddress.dte)] where lower.hasPrefix(prefix) {
            let value = String(text.dropFirst(prefix.count))
            let digits = prefix == "dte:" ? ((1...15).contains(value.count) && value.allSatisfy(\.isNumber) ? value : nil)
                : SwitchedLineSettings.dialledDigits(value)
            guard let digits else {
                reader.report(at: location, key: key, "\"\(text)\" is not a valid \(prefix == "tel:" ? "telephone number" : "X.121 DTE address")",
                              expected: prefix == "tel:" ? "tel: followed by 1 to \(SwitchedLineSettings.maximumDialledDigits) ASCII digits, optionally separated by -, no +"
                                  : "dte: followed by 1 to 15 digits")
                return nil
            }
            return make(digits)
        }
        return endpoint(text, at: location, key: key, reader, what: "the host's TN3270 server, HOST:PORT").map(HostAddress.tcp)
    }

    static func isLUName(_ name: String) -> Bool {
        guard (1...8).contains(name.count), let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isUppercase || $0.isNumber)) || "@#$".contains($0) }
    }

    /// An LU name that cannot be read as a device number (Hercules takes a hex suffix as one).
    static func isPoolName(_ name: String) -> Bool {
        isLUName(name.uppercased()) && name.first!.isLetter && !name.allSatisfy(\.isHexDigit)
    }

    static func isTerminalType(_ type: String) -> Bool {
        let upper = type.uppercased()
        guard !upper.contains("@") else { return false }
        return ["IBM-3278-", "IBM-3279-", "IBM-3287-", "IBM-DYNAMIC"].contains { upper.hasPrefix($0) }
    }

    // MARK: - YAML syntax errors

    static func location(of error: YamlError, file: String) -> SourceLocation {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourceLocation(file: file, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(_, let context):
            return SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
        default:
            return SourceLocation(file: file, line: 1, column: 1)
        }
    }

    /// Whether the text at a 1-based line and column is a bare `@` (YAML reserves it).
    /// What a syntax error at `location` expected: YAML reserves a bare '@', which is how a
    /// Hercules device number is written, so say how to write one there.
    static func expectedYAML(_ text: String, at location: SourceLocation) -> String {
        startsWithAt(text, location) ? "valid YAML; a device number must be quoted: host-lu: \"@0011\"" : "valid YAML"
    }

    private static func startsWithAt(_ text: String, _ location: SourceLocation) -> Bool {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return false }
        let line = lines[location.line - 1]
        guard location.column >= 1, location.column <= line.count else { return false }
        return line[line.index(line.startIndex, offsetBy: location.column - 1)] == "@"
    }

    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return "YAML syntax: \(problem)"
        case .duplicatedKeysInMapping(let keys, _):
            return "the key(s) \(keys.map { "\"\($0)\"" }.joined(separator: ", ")) appear twice in one mapping"
        default:
            return "YAML: \(error)"
        }
    }
}

extension MappingReader {
    /// The same reader with a key path that names the entry (`lines[LEASED1]`) rather than its index.
    func renamed(_ path: String) -> MappingReader {
        var copy = self
        copy.rename(path)
        return copy
    }
}
