/// Checks what no single entry can check alone: unique names, references between
/// entries, addresses that must not collide, and what each procedure allows.
struct DefinitionsValidator {
    let parsed: DefinitionsParser
    private(set) var diagnostics: [Diagnostic] = []
    /// What is allowed but probably not meant (a grant that names nothing); `check` prints them.
    var warnings: [Diagnostic] = []

    init(_ parsed: DefinitionsParser) {
        self.parsed = parsed
    }

    mutating func report(_ location: SourceLocation, _ key: String, _ problem: String, expected: String? = nil) {
        diagnostics.append(Diagnostic(location, key: key, problem: problem, expected: expected))
    }

    /// Whether an entry of that name was written; a file that failed to parse may hold
    /// any name, so then nothing is reported as undefined.
    private func declared(_ section: String, _ name: String) -> Bool {
        !parsed.unparsedFiles.isEmpty || (parsed.declared[section]?.contains(name) ?? false)
    }

    mutating func validate() {
        validateCluster()
        diagnostics += validateTLS()
        diagnostics += validateMetrics()
        diagnostics += validateTNServer()
        diagnostics += validateTNServerPrinters()  // issue 15 part 3
        validateLines()
        validateResources()
        validateLUs()
        validateClients()
    }

    /// Reports each name used by more than one entry, at every later entry.
    private mutating func checkUnique<T: Located>(_ items: [T], key: String, path: (T) -> String, value: (T) -> String?, what: String) {
        var first: [String: SourceLocation] = [:]
        for item in items {
            guard let v = value(item) else { continue }
            if let earlier = first[v] {
                report(item.location(of: key), "\(path(item)).\(key)", "\(what) \"\(v)\" is already used at \(earlier)", expected: "a \(what) used once")
            } else {
                first[v] = item.location(of: key)
            }
        }
    }

    // MARK: - Cluster

    private mutating func validateCluster() {
        guard let cluster = parsed.clusters.first else {
            guard parsed.unparsedFiles.isEmpty else { return }
            let file = parsed.firstFile ?? "(definitions)"
            report(SourceLocation(file: file, line: 1, column: 1), "cluster", "no file defines the cluster section", expected: "a cluster: section with nodes and groups")
            return
        }
        for extra in parsed.clusters.dropFirst() {
            report(extra.location, "cluster", "is defined a second time; the first is at \(cluster.location)", expected: "one cluster section per definitions set")
        }
        if (parsed.declared["nodes"]?.count ?? 0) < 2 {
            report(cluster.location(of: "nodes"), "cluster.nodes", "has \(cluster.nodes.count) node(s)", expected: "at least two nodes, an active and a standby")
        }
        checkUnique(cluster.nodes, key: "name", path: { "cluster.nodes[\($0.name)]" }, value: { $0.name }, what: "node name")
        checkUnique(cluster.nodes, key: "address", path: { "cluster.nodes[\($0.name)]" }, value: { $0.address.text }, what: "node address")
        checkUnique(cluster.nodes, key: "lan", path: { "cluster.nodes[\($0.name)]" }, value: { $0.lan.description }, what: "LAN endpoint")
        checkUnique(cluster.groups, key: "name", path: { "cluster.groups[\($0.name)]" }, value: { $0.name }, what: "group name")

        let vips = cluster.groups.compactMap { group in group.vip.map { (vip: $0, group: group) } }
        var vipNames: [String: SourceLocation] = [:]
        var vipAddresses: [String: SourceLocation] = [:]
        for (vip, group) in vips {
            let path = "cluster.groups[\(group.name)].vip"
            if let earlier = vipNames[vip.name] {
                report(vip.location(of: "name"), "\(path).name", "VIP name \"\(vip.name)\" is already used at \(earlier)", expected: "a VIP name used once")
            }
            vipNames[vip.name] = vipNames[vip.name] ?? vip.location(of: "name")
            if let earlier = vipAddresses[vip.address.text] {
                report(vip.location(of: "address"), "\(path).address", "VIP address \(vip.address) is already used at \(earlier)", expected: "one address per VIP")
            }
            vipAddresses[vip.address.text] = vipAddresses[vip.address.text] ?? vip.location(of: "address")
            if let node = cluster.nodes.first(where: { $0.address == vip.address || $0.lan.host == vip.address.text }) {
                report(vip.location(of: "address"), "\(path).address", "VIP \(vip.address) is node \(node.name)'s own address (\(node.location(of: "address")))",
                       expected: "an address no node owns, that moves with the group")
            }
        }

        var carriedBy: [String: (group: String, location: SourceLocation)] = [:]
        for group in cluster.groups {
            for (offset, member) in group.resources.enumerated() {
                let location = group.location(of: "resources[\(offset)]")
                let key = "cluster.groups[\(group.name)].resources"
                if !declared("resources", member) {
                    report(location, key, "resource \"\(member)\" is not defined", expected: "the name of a resource in a resources: list")
                } else if let other = carriedBy[member] {
                    report(location, key, "resource \"\(member)\" is already carried by group \(other.group) (\(other.location))", expected: "each resource in exactly one failover group")
                } else {
                    carriedBy[member] = (group.name, location)
                }
            }
        }
    }

    // MARK: - Lines

    private mutating func validateLines() {
        checkUnique(parsed.lines, key: "name", path: { "lines[\($0.name)]" }, value: { $0.name }, what: "line name")
        checkUnique(parsed.lines, key: "switch", path: { "lines[\($0.name)]" }, value: { $0.switchUnit?.description }, what: "line switch unit")
        for line in parsed.lines {
            let path = "lines[\(line.name)]"
            let procedure = line.procedure.rawValue
            if let unit = line.switchUnit, !line.procedure.isSwitchable {
                report(line.location(of: "switch"), "\(path).switch", "\(procedure) lines are not moved by a line switch device, but \(unit) is given",
                       expected: "no switch on \(procedure) (only hdlc-leased, hdlc-packet and hdlc-public are switched)")
            }
            if line.procedure.isSwitchable, line.switchUnit == nil, line.fields["switch"] == nil, !(line.procedure == .hdlcPacket && line.isXOTOnly) {
                report(line.location, "\(path).switch", "is missing: a \(procedure) line can only reach the host from the standby node through a line switch device",
                       expected: "a line switch unit such as \"COM1 Unit1 Line1\"")
            }
            if line.procedure.hasSDLCStation {
                if line.stationAddress == nil, line.fields["station-address"] == nil {
                    report(line.location, "\(path).station-address", "is missing", expected: "the SDLC station address the host polls, 1 to 254")
                }
                if line.nodeID == nil, line.fields["node-id"] == nil {
                    report(line.location, "\(path).node-id", "is missing", expected: "the XID node id (IDBLK+IDNUM), 8 hex digits such as 05D00001")
                }
            } else {
                for key in ["station-address", "node-id"] where line.fields[key] != nil && !(key == "node-id" && line.procedure == .hdlcPacket) {
                    report(line.location(of: key), "\(path).\(key)", "applies to hdlc-leased, hdlc-public and hdlc-isdn lines only, this line is \(procedure)",
                           expected: "no \(key) on a \(procedure) line")
                }
            }
            validateSwitchedCall(line, path: path)
            if line.procedure != .bdlc {
                for key in ["coding", "poll-timeout"] where line.fields[key] != nil {
                    report(line.location(of: key), "\(path).\(key)", "applies to bdlc lines only, this line is \(procedure)", expected: "no \(key) on a \(procedure) line")
                }
            }
            if line.procedure == .hdlcPacket {
                if line.x25.dteAddress == nil, line.fields["dte-address"] == nil {
                    report(line.location, "\(path).dte-address", "is missing",
                           expected: "the node's own X.121 address (the calling DTE address the host knows), 1 to 15 digits such as 44200001")
                }
                if line.nodeID == nil, line.fields["node-id"] == nil {
                    report(line.location, "\(path).node-id", "is missing", expected: "the XID node id (IDBLK+IDNUM) sent in QXID, 8 hex digits such as 05D00002")
                }
                if !line.isXOTOnly, X25LineSettings.switchedFrameLength(packetSize: line.x25.packetSize) > X25LineSettings.switchedLineMaximumFrameLength {
                    let fitting = X25LineSettings.packetSizes.filter { X25LineSettings.switchedFrameLength(packetSize: $0) <= X25LineSettings.switchedLineMaximumFrameLength }.last ?? 16
                    report(line.location(of: "packet-size"), "\(path).packet-size",
                           "\(line.x25.packetSize) does not fit the HDLC line: a full DATA packet makes a \(X25LineSettings.switchedFrameLength(packetSize: line.x25.packetSize))-byte LAPB frame, the line takes at most \(X25LineSettings.switchedLineMaximumFrameLength)",
                           expected: "at most \(fitting) on a line through the line switch (4096 only when every node uses xot:HOST:PORT)")
                }
            } else {
                for key in X25LineSettings.keys where line.fields[key] != nil {
                    report(line.location(of: key), "\(path).\(key)", "applies to hdlc-packet lines only, this line is \(procedure)", expected: "no \(key) on a \(procedure) line")
                }
            }
            for (nodeName, facts) in line.perNode.sorted(by: { $0.key < $1.key }) {
                let nodePath = "\(path).nodes.\(nodeName)"
                if !declared("nodes", nodeName) {
                    report(facts.location(of: "(node)"), nodePath, "node \"\(nodeName)\" is not defined", expected: "a node name from cluster.nodes")
                }
                if facts.isdnNumber != nil, line.procedure != .hdlcISDN {
                    report(facts.location(of: "isdn-number"), "\(nodePath).isdn-number", "applies to hdlc-isdn lines only, this line is \(procedure)", expected: "no isdn-number")
                }
                if facts.bdlcAddress != nil, line.procedure != .bdlc {
                    report(facts.location(of: "bdlc-address"), "\(nodePath).bdlc-address", "applies to bdlc lines only, this line is \(procedure)", expected: "no bdlc-address")
                }
                // The basic-mode rule: poll character = address (bit 0x20 clear), select
                // character = address | 0x20, neither a control character in either coding.
                if let address = facts.bdlcAddress, line.procedure == .bdlc, address < 0x40 || address & 0x20 != 0 {
                    report(facts.location(of: "bdlc-address"), "\(nodePath).bdlc-address", "\(hex(address)) cannot be a basic-mode station address",
                           expected: "0x40-0x5F, 0x80-0x9F or 0xC0-0xDF (at least 0x40, bit 0x20 clear: the select character sets it)")
                }
                if line.procedure == .bdlc, let address = facts.bdlcAddress,
                   let twin = line.perNode.first(where: { $0.key < nodeName && $0.value.bdlcAddress == address }) {
                    report(facts.location(of: "bdlc-address"), "\(nodePath).bdlc-address", "\(hex(address)) is also node \(twin.key)'s address",
                           expected: "a different station address per node (the host tells the nodes apart by it)")
                }
                if facts.device != nil, line.procedure == .tnetos {
                    report(facts.location(of: "device"), "\(nodePath).device", "tnetos lines use the node's TCP/IP stack, not a device", expected: "no device")
                }
                if let device = facts.device, device.lowercased().hasPrefix("xot:") {
                    if line.procedure != .hdlcPacket {
                        report(facts.location(of: "device"), "\(nodePath).device", "XOT carries X.25 only, this line is \(procedure)", expected: "a serial device or tcp:HOST:PORT")
                    } else if case .failure = Endpoint.parse(String(device.dropFirst(4))) {
                        report(facts.location(of: "device"), "\(nodePath).device", "\"\(device)\" is not xot:HOST:PORT", expected: "xot:HOST:PORT, such as xot:192.0.2.1:1998")
                    } else if line.switchUnit != nil {
                        report(facts.location(of: "device"), "\(nodePath).device", "XOT reaches the packet network over TCP, but the line has switch: \(line.switchUnit!)",
                               expected: "either a line switch with tcp:/serial devices, or xot:HOST:PORT devices without switch")
                    }
                }
            }
            let required: (key: String, present: (LineNodeFacts) -> Bool, what: String)?
            switch line.procedure {
            case .hdlcISDN: required = ("isdn-number", { $0.isdnNumber != nil }, "the node's own ISDN number")
            case .bdlc: required = ("bdlc-address", { $0.bdlcAddress != nil }, "the node's BDLC station address")
            case .hdlcLeased, .hdlcPacket, .hdlcPublic: required = ("device", { $0.device != nil }, "the node's port on the line switch: a serial device, or tcp:HOST:PORT")
            case .tnetos: required = nil
            }
            // A BDLC node reaches the host over its own line, so it needs its own device too.
            if line.procedure == .bdlc {
                for node in parsed.clusters.first?.nodes ?? [] {
                    let facts = line.perNode[node.name]
                    if facts?.device == nil, facts?.fields["device"] == nil {
                        report(facts?.location ?? line.location(of: "nodes"), "\(path).nodes.\(node.name).device", "is missing",
                               expected: "the node's own line to the host: tcp:HOST:PORT (each BDLC node has its own line and station address)")
                    }
                }
            }
            if let required {
                for node in parsed.clusters.first?.nodes ?? [] {
                    let facts = line.perNode[node.name]
                    if facts.map(required.present) != true, facts?.fields[required.key] == nil {
                        report(facts?.location ?? line.location(of: "nodes"), "\(path).nodes.\(node.name).\(required.key)", "is missing", expected: required.what)
                    }
                }
            }
        }
    }

    /// The call keys of `hdlc-public` and `hdlc-isdn` lines, and the devices they call through.
    private mutating func validateSwitchedCall(_ line: Line, path: String) {
        let procedure = line.procedure.rawValue
        guard line.procedure.isSwitchedCall else {
            for key in SwitchedLineSettings.keys where line.fields[key] != nil {
                report(line.location(of: key), "\(path).\(key)", "applies to hdlc-public and hdlc-isdn lines only, this line is \(procedure)", expected: "no \(key) on a \(procedure) line")
            }
            return
        }
        if line.procedure == .hdlcPublic {
            if line.switched.number == nil, line.fields["number"] == nil {
                report(line.location, "\(path).number", "is missing: the host's caller id shows the line's own number",
                       expected: "the line's subscriber number, digits such as \"0312340001\" (the same on both nodes: the line switch moves the line)")
            }
        } else {
            for key in SwitchedLineSettings.publicOnlyKeys where line.fields[key] != nil {
                let why = key == "number" ? "an ISDN node calls from its own number (nodes.NODE.isdn-number)" : "the ISDN call is signalled on the D channel, without a modem"
                report(line.location(of: key), "\(path).\(key)", "applies to hdlc-public lines only: \(why)", expected: "no \(key) on an hdlc-isdn line")
            }
        }
        if line.fields["answer-rings"] != nil, line.switched.call == .out {
            report(line.location(of: "answer-rings"), "\(path).answer-rings", "is given, but the line calls out (call: \(line.switched.call.rawValue))",
                   expected: "call: in, or no answer-rings")
        }
        for (nodeName, facts) in line.perNode.sorted(by: { $0.key < $1.key }) {
            guard let device = facts.device?.lowercased() else { continue }
            let allowed = line.procedure == .hdlcPublic ? ["tcp:", "tty:"] : ["tcp:"]
            guard !allowed.contains(where: { device.hasPrefix($0) }), !device.hasPrefix("xot:") else { continue }
            report(facts.location(of: "device"), "\(path).nodes.\(nodeName).device", "\"\(facts.device ?? "")\" cannot carry a \(procedure) call",
                   expected: line.procedure == .hdlcPublic
                       ? "the modem's serial port, tty:/dev/ttyS0@9600, or tcp:HOST:PORT for a simulated line"
                       : "the node's basic-rate interface, tcp:HOST:PORT")
        }
        // An ISDN node calls through its own interface: each node needs one.
        if line.procedure == .hdlcISDN {
            for node in parsed.clusters.first?.nodes ?? [] {
                let facts = line.perNode[node.name]
                if facts?.device == nil, facts?.fields["device"] == nil {
                    report(facts?.location ?? line.location(of: "nodes"), "\(path).nodes.\(node.name).device", "is missing",
                           expected: "the node's own basic-rate interface, tcp:HOST:PORT (ISDN lines are not switched)")
                }
            }
            var seen: [String: String] = [:]
            for (nodeName, facts) in line.perNode.sorted(by: { $0.key < $1.key }) {
                guard let number = facts.isdnNumber else { continue }
                if let twin = seen[number] {
                    report(facts.location(of: "isdn-number"), "\(path).nodes.\(nodeName).isdn-number", "\(number) is also node \(twin)'s number",
                           expected: "each node's own ISDN number (the host tells the nodes apart by it)")
                }
                seen[number] = nodeName
            }
        }
    }

    // MARK: - Resources

    private mutating func validateResources() {
        checkUnique(parsed.resources, key: "name", path: { "resources[\($0.name)]" }, value: { $0.name }, what: "resource name")
        let cluster = parsed.clusters.first
        for resource in parsed.resources {
            let path = "resources[\(resource.name)]"
            let carrying = cluster?.groups.first { $0.resources.contains(resource.name) }
            // A group that failed to parse may carry it: only report when every group was read.
            let allGroupsRead = cluster?.groups.count == (parsed.declared["groups"]?.count ?? 0)
            if cluster != nil, carrying == nil, allGroupsRead {
                report(resource.location(of: "name"), "\(path)", "is not carried by any failover group",
                       expected: "its name in the resources list of one group in cluster.groups")
            }
            guard let line = parsed.lines.first(where: { $0.name == resource.line }) else {
                if !declared("lines", resource.line) {
                    report(resource.location(of: "line"), "\(path).line", "line \"\(resource.line)\" is not defined", expected: "the name of a line in a lines: list")
                }
                continue
            }
            let procedure = line.procedure
            // What the host address must look like on each procedure.
            let hostOK: Bool
            let hostExpected: String
            switch procedure {
            case .tnetos:
                if case .tcp = resource.host { hostOK = true } else { hostOK = false }
                hostExpected = "the host's TN3270 server as HOST:PORT"
            case .hdlcPacket:
                if case .dte = resource.host { hostOK = true } else { hostOK = false }
                hostExpected = "the host's X.121 address as dte:DIGITS"
            case .hdlcPublic, .hdlcISDN:
                if case .number = resource.host { hostOK = true } else { hostOK = false }
                hostExpected = "the host's number as tel:DIGITS"
            case .hdlcLeased:
                hostOK = resource.host == .line
                hostExpected = "no host: a leased line leads to the host by itself"
            case .bdlc:
                if case .tcp = resource.host { hostOK = false } else if case .dte = resource.host { hostOK = false } else { hostOK = true }
                hostExpected = "no host, or tel:DIGITS on a dialled BDLC line"
            }
            if !hostOK {
                let problem = resource.host == .line ? "is missing for a \(procedure.rawValue) resource" : "\"\(resource.host)\" does not fit a \(procedure.rawValue) line"
                report(resource.location(of: "host"), "\(path).host", problem, expected: hostExpected)
            }

            switch (procedure, resource.ownAddress) {
            case (.tnetos, nil):
                report(resource.location, "\(path).own-address", "is missing", expected: "a VIP name (same terminal after failover) or none (each node's real address)")
            case (.tnetos, .vip(let name)?):
                if let cluster, let owner = cluster.groups.first(where: { $0.vip?.name == name }) {
                    if let carrying, carrying.name != owner.name {
                        report(resource.location(of: "own-address"), "\(path).own-address",
                               "VIP \(name) belongs to group \(owner.name), but the resource is carried by group \(carrying.name), so the VIP would not move with it",
                               expected: carrying.vip.map { "\($0.name), the VIP of group \(carrying.name), or none" } ?? "none, or a VIP on group \(carrying.name)")
                    }
                } else if !declared("vips", name) {
                    let known = cluster?.groups.compactMap { $0.vip?.name } ?? []
                    report(resource.location(of: "own-address"), "\(path).own-address", "VIP \"\(name)\" is not defined",
                           expected: known.isEmpty ? "none (no group defines a VIP)" : "one of \(known.joined(separator: ", ")), or none")
                }
            case (.tnetos, .nodeAddress?):
                break
            case (_, .vip(let name)?):
                let why = procedure.isSwitchable
                    ? "a \(procedure.rawValue) resource keeps its terminal address through the line switch, not through an IP address"
                    : "a \(procedure.rawValue) resource cannot inherit an address: after failover the host sees the other node's \(procedure == .hdlcISDN ? "calling number" : "station address") (a different terminal)"
                report(resource.location(of: "own-address"), "\(path).own-address", "VIP \(name) is promised, but \(why)", expected: "no own-address on a \(procedure.rawValue) resource")
            case (_, .nodeAddress?):
                report(resource.location(of: "own-address"), "\(path).own-address", "applies to tnetos resources only, this one is on a \(procedure.rawValue) line", expected: "no own-address")
            case (_, nil):
                break
            }
            if procedure != .tnetos {
                for key in ["terminal-type", "dialect", "max-negotiations", "tls"] where resource.fields[key] != nil {
                    report(resource.location(of: key), "\(path).\(key)", "applies to tnetos resources only, this one is on a \(procedure.rawValue) line", expected: "no \(key)")
                }
            }
        }
    }

    // MARK: - LUs

    private mutating func validateLUs() {
        checkUnique(parsed.lus, key: "name", path: { "lus[\($0.name)]" }, value: { $0.name }, what: "LU name")
        var addresses: [String: [UInt8: (String, SourceLocation)]] = [:]
        var hostNames: [String: [String: (String, SourceLocation)]] = [:]
        for lu in parsed.lus {
            let path = "lus[\(lu.name)]"
            if !declared("resources", lu.resource) {
                report(lu.location(of: "resource"), "\(path).resource", "resource \"\(lu.resource)\" is not defined", expected: "the name of a resource in a resources: list")
            }
            if let (other, location) = addresses[lu.resource]?[lu.address] {
                report(lu.location(of: "address"), "\(path).address", "LU local address \(lu.address) is already used on resource \(lu.resource) by \(other) (\(location))",
                       expected: "a local address used once per resource")
            } else {
                addresses[lu.resource, default: [:]][lu.address] = (lu.name, lu.location(of: "address"))
            }
            let hostKey = lu.hostKind == .pool ? "host-pool" : (lu.hostName == nil ? "name" : "host-lu")
            if lu.hostKind != .pool {
                if let (other, location) = hostNames[lu.resource]?[lu.hostLUDescription] {
                    report(lu.location(of: hostKey), "\(path).\(hostKey)",
                           "host LU \(lu.hostLUDescription) is already used on resource \(lu.resource) by \(other) (\(location))",
                           expected: "each host LU or device once per resource; several LUs may share a pool only as host-pool")
                } else {
                    hostNames[lu.resource, default: [:]][lu.hostLUDescription] = (lu.name, lu.location(of: hostKey))
                }
            }
            if lu.hostKind != .name, let resource = parsed.resources.first(where: { $0.name == lu.resource }),
               let line = parsed.lines.first(where: { $0.name == resource.line }) {
                if line.procedure != .tnetos {
                    report(lu.location(of: hostKey), "\(path).\(hostKey)", "applies to LUs of tnetos resources only, \(lu.resource) is on a \(line.procedure.rawValue) line",
                           expected: lu.hostKind == .pool ? "no host-pool" : "an LU name as host-lu")
                } else if lu.hostKind == .device, resource.dialect != .tn3270 {
                    report(lu.location(of: hostKey), "\(path).\(hostKey)",
                           "device \(lu.hostLUDescription) can only be asked for by the basic TN3270 terminal type (TYPE@DEVNUM), but resource \(resource.name) uses \(resource.dialect.rawValue) (\(resource.location(of: "name")))",
                           expected: "dialect: tn3270 on resource \(resource.name), or an LU name as host-lu")
                }
            }
        }
        validateHostLUsPerHost()
    }

    /// Two resources at one host endpoint cannot both bind the same LU or device; a pool
    /// they may share, but a name is either a pool or one LU at a host, not both.
    private mutating func validateHostLUsPerHost() {
        var resourceHost: [String: String] = [:]
        for resource in parsed.resources {
            if case .tcp(let endpoint) = resource.host { resourceHost[resource.name] = endpoint.description.uppercased() }
        }
        struct Use {
            var lu: LU
            var key: String
        }
        var single: [String: [String: Use]] = [:]
        var pools: [String: [String: Use]] = [:]
        for lu in parsed.lus {
            guard let host = resourceHost[lu.resource] else { continue }
            let key = lu.hostKind == .pool ? "host-pool" : (lu.hostName == nil ? "name" : "host-lu")
            let use = Use(lu: lu, key: key)
            let name = lu.hostLUName.uppercased()
            let path = "lus[\(lu.name)].\(key)"
            if lu.hostKind == .pool {
                if let other = single[host]?[name] {
                    report(lu.location(of: key), path, "pool \(name) at \(host) is also the single host LU of \(other.lu.name) (\(other.lu.location(of: other.key)))",
                           expected: "a name that is either a pool or one LU at a host")
                }
                pools[host, default: [:]][name] = pools[host]?[name] ?? use
            } else {
                if let other = single[host]?[lu.hostLUDescription.uppercased()], other.lu.resource != lu.resource {
                    report(lu.location(of: key), path,
                           "host LU \(lu.hostLUDescription) at \(host) is already used by \(other.lu.name) of resource \(other.lu.resource) (\(other.lu.location(of: other.key)))",
                           expected: "each host LU or device bound by one resource only")
                } else if lu.hostKind == .name, let other = pools[host]?[name] {
                    report(lu.location(of: key), path, "host LU \(name) at \(host) is also a pool, of \(other.lu.name) (\(other.lu.location(of: other.key)))",
                           expected: "a name that is either a pool or one LU at a host")
                }
                if single[host]?[lu.hostLUDescription.uppercased()] == nil { single[host, default: [:]][lu.hostLUDescription.uppercased()] = use }
            }
        }
    }
}
