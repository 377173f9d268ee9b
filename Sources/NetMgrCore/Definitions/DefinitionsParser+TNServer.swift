import Yams

// The TN3270E server front end (issue 15 part 2): `cluster.tn-server:` (the LU map, pools
// and timers) and `cluster.nodes[].tn-server: ADDRESS:PORT` (where a node listens; off when
// absent). Hooks: parseCluster calls parseTNServer, parseNode calls parseNodeTNServer,
// DefinitionsValidator.validate calls validateTNServer().
extension DefinitionsParser {
    static let tnServerListenExpected = "where this node's TN server listens for emulators, ADDRESS:PORT with an IP address literal"

    /// `cluster.nodes[].tn-server`: nil when absent or invalid (then reported with the node and key).
    func parseNodeTNServer(_ entry: inout MappingReader, node name: String?, _ reader: YAMLReader, key field: String = "tn-server") -> Endpoint? {
        parseListenEndpoint(&entry, field: field, owner: "\(field) of \(name.map { "node \($0)" } ?? "this node")",
                            expected: Self.tnServerListenExpected, example: "10.0.9.11:2323", reader)
    }

    /// `cluster.tn-server`: nil when absent (no TN server anywhere) or not a mapping.
    func parseTNServer(_ entry: inout MappingReader, _ reader: YAMLReader) -> TNServerSettings? {
        guard let node = entry.value("tn-server") else { return nil }
        guard var section = MappingReader(reader, node, path: entry.keyPath("tn-server"),
                                          what: "the TN server's settings: keep-lu, probe-interval, probe-timeout, negotiation-timeout, pools, map, printers, starttls, vip, takeover") else { return nil }
        var settings = TNServerSettings(location: section.location)
        if let value = section.integer("keep-lu", in: TNServerSettings.keepLURange, what: "seconds an LU stays reserved for its last client address after a disconnect (0: not kept)") {
            settings.keepLUSeconds = value
        }
        if let mode = section.choice("takeover", TNTakeover.self) { settings.takeover = mode }
        if let value = section.integer("probe-interval", in: TNServerSettings.probeIntervalRange, what: "seconds of silence before an emulator is probed with TIMING-MARK (0: never)") {
            settings.probeIntervalSeconds = value
        }
        if let value = section.integer("probe-timeout", in: TNServerSettings.probeTimeoutRange, what: "seconds a probed emulator has to answer") {
            settings.probeTimeoutSeconds = value
        }
        if let value = section.integer("negotiation-timeout", in: TNServerSettings.negotiationTimeoutRange, what: "seconds an emulator has to finish the telnet negotiation") {
            settings.negotiationTimeoutSeconds = value
        }
        let poolsPath = section.keyPath("pools")
        section.list("pools", expected: "a list of pools: name, lus") { element, index in
            guard var pool = MappingReader(reader, element, path: "\(poolsPath)[\(index)]", what: "a pool: name, lus") else { return }
            let name = pool.string("name", required: true, expected: "the pool's name, which an emulator may also ask for")
            if let name { pool.rename("\(poolsPath)[\(name)]") }
            if let name, !Self.isLUName(name.uppercased()) {
                reader.report(at: pool.fields["name"]!, key: pool.keyPath("name"), "\"\(name)\" is not a pool name",
                              expected: "1 to 8 characters A-Z, 0-9, @, #, $, not starting with a digit")
            }
            let lus = pool.stringList("lus", required: true, expected: "the LUs of the pool (of tnetos resources)")
            pool.finish()
            guard let name else { return }
            var result = TNPool(name: name.uppercased(), lus: lus.map { $0.0.uppercased() }, location: pool.location)
            result.fields = pool.fields
            for (offset, lu) in lus.enumerated() { result.fields["lus[\(offset)]"] = lu.1 }
            settings.pools.append(result)
        }
        let mapPath = section.keyPath("map")
        section.list("map", expected: "a list of client mappings: clients, lus, lu or pool") { element, index in
            guard var map = MappingReader(reader, element, path: "\(mapPath)[\(index)]", what: "a client mapping: clients, lus, lu or pool") else { return }
            var blocks: [AddressBlock] = []
            var clientLocations: [String: SourceLocation] = [:]
            for (offset, (text, location)) in map.stringList("clients", required: true, expected: "the client addresses: address blocks such as 10.1.0.0/16, or single addresses").enumerated() {
                guard let block = AddressBlock(parsing: text) else {
                    reader.report(at: location, key: "\(map.keyPath("clients"))[\(offset)]", "\"\(text)\" is not an address block",
                                  expected: "an IP address with an optional prefix length, such as 10.1.0.0/16, 10.1.2.3 or 0.0.0.0/0")
                    continue
                }
                clientLocations["clients[\(offset)]"] = location
                blocks.append(block)
            }
            let lus = map.stringList("lus", expected: "the LUs these clients may ask for by name")
            let lu = map.string("lu", expected: "the LU a generic request from these clients gets")
            let pool = map.string("pool", expected: "the pool a generic request from these clients gets an LU of")
            if lu != nil, pool != nil {
                reader.report(at: map.fields["pool"]!, key: map.keyPath("pool"), "is given together with lu (\(map.fields["lu"]!))",
                              expected: "either lu (one LU) or pool (any LU of a pool) for generic requests, not both")
            }
            let printerGeneric = parseTNMapPrinter(&map, reader)  // issue 15 part 3: printer-lu, printer-pool
            if lus.isEmpty, lu == nil, pool == nil, printerGeneric == nil, map.fields["lus"] == nil {
                reader.report(at: map.location, key: map.keyPath("lus"), "is missing, and so are lu and pool: this mapping offers nothing",
                              expected: "lus (by name), lu or pool (for generic requests)")
            }
            map.finish()
            let generic: TNGenericTarget? = pool.map { .pool($0.uppercased()) } ?? lu.map { .lu($0.uppercased()) }
            var result = TNClientMap(clients: blocks, lus: lus.map { $0.0.uppercased() }, generic: generic, location: map.location)
            result.printerGeneric = printerGeneric
            result.fields = map.fields.merging(clientLocations) { a, _ in a }
            for (offset, entry) in lus.enumerated() { result.fields["lus[\(offset)]"] = entry.1 }
            settings.map.append(result)
        }
        parseTNPrinters(&section, into: &settings, reader)  // issue 15 part 3: printers, starttls
        settings.vip = parseTNServerVIP(&section, reader)  // issue 15 part 3: DefinitionsParser+TNServerVIP.swift
        section.finish()
        settings.fields = section.fields
        return settings
    }
}

extension DefinitionsValidator {
    /// Node listeners must not collide with other listeners; every LU the TN server offers must
    /// be a terminal LU of a tnetos resource or an SNA LU of an SDLC, X.25 or switched resource, in at
    /// most one pool; pool names are unique and no LU's name; mappings name existing pools.
    func validateTNServer() -> [Diagnostic] {
        guard let cluster = parsed.clusters.first else { return [] }
        var found: [Diagnostic] = []
        func report(_ location: SourceLocation, _ key: String, _ problem: String, expected: String) {
            found.append(Diagnostic(location, key: key, problem: problem, expected: expected))
        }
        for node in cluster.nodes {
            guard let listen = node.tnServer else { continue }
            let key = "cluster.nodes[\(node.name)].tn-server"
            for other in cluster.nodes {
                if Self.sameEndpoint(listen, other.lan) {
                    let whose = other.name == node.name ? "its own lan endpoint" : "the lan endpoint of node \(other.name) (\(other.location(of: "lan")))"
                    report(node.location(of: "tn-server"), key, "\(listen) of node \(node.name) is \(whose)", expected: "another port or address than where clients connect")
                }
                if let metrics = other.metrics, Self.sameEndpoint(listen, metrics) {
                    report(node.location(of: "tn-server"), key, "\(listen) of node \(node.name) is the metrics endpoint of node \(other.name) (\(other.location(of: "metrics")))",
                           expected: "another port or address than the metrics endpoint")
                }
                if other.name != node.name, let theirs = other.tnServer, Self.sameEndpoint(listen, theirs) {
                    report(node.location(of: "tn-server"), key, "\(listen) is also the tn-server of node \(other.name) (\(other.location(of: "tn-server")))",
                           expected: "each node's own address")
                }
            }
        }
        let listening = cluster.nodes.contains { $0.tnServer != nil }
        guard let settings = cluster.tnServer else {
            if listening, let node = cluster.nodes.first(where: { $0.tnServer != nil }) {
                report(node.location(of: "tn-server"), "cluster.nodes[\(node.name)].tn-server", "a TN server listens, but cluster.tn-server (its LU map) is missing",
                       expected: "a cluster.tn-server section with map (and pools) saying which LUs emulators get")
            }
            return found
        }
        let path = "cluster.tn-server"
        found += validateTNServerVIP(settings, cluster)  // issue 15 part 3: DefinitionsParser+TNServerVIP.swift
        /// An LU the TN server may offer: defined, a terminal, on a tnetos or SNA resource.
        func checkLU(_ name: String, at location: SourceLocation, key: String) {
            guard let lu = parsed.lus.first(where: { $0.name == name }) else {
                if parsed.unparsedFiles.isEmpty, !(parsed.declared["lus"]?.contains(name) ?? false) {
                    report(location, key, "LU \"\(name)\" is not defined", expected: "the name of an LU in lus:")
                }
                return
            }
            if let resource = parsed.resources.first(where: { $0.name == lu.resource }),
               let line = parsed.lines.first(where: { $0.name == resource.line }), !line.procedure.servesTNServerLUs {
                report(location, key, "LU \(name) belongs to resource \(resource.name) on \(line.procedure.rawValue) line \(line.name)",
                       expected: "an LU of a tnetos resource or an SNA LU 2 of an hdlc-leased, hdlc-packet, hdlc-public or hdlc-isdn resource (basic-mode BDLC terminals are not 3270 LUs)")
            } else if lu.kind == .printer, let resource = parsed.resources.first(where: { $0.name == lu.resource }),
                      let line = parsed.lines.first(where: { $0.name == resource.line }), line.procedure.carriesSNA {
                report(location, key, "LU \(name) is a printer on \(line.procedure.rawValue) resource \(resource.name) (\(lu.location))",
                       expected: "a printer LU of a tnetos resource (SNA printers, LU 1 and LU 3, are not mapped by the TN server)")
            }
        }
        var poolOf: [String: String] = [:]
        var poolNames: [String: SourceLocation] = [:]
        for pool in settings.pools {
            let key = "\(path).pools[\(pool.name)]"
            if let earlier = poolNames[pool.name] {
                report(pool.location(of: "name"), "\(key).name", "pool \"\(pool.name)\" is already defined at \(earlier)", expected: "a pool name used once")
            }
            poolNames[pool.name] = pool.location(of: "name")
            if let lu = parsed.lus.first(where: { $0.name == pool.name }) {
                report(pool.location(of: "name"), "\(key).name", "pool \"\(pool.name)\" has the name of LU \(lu.name) (\(lu.location))",
                       expected: "a pool name that is no LU's name (an emulator asking for it would be ambiguous)")
            }
            if pool.lus.isEmpty {
                report(pool.location(of: "lus"), "\(key).lus", "is empty", expected: "at least one LU")
            }
            for (offset, lu) in pool.lus.enumerated() {
                let location = pool.location(of: "lus[\(offset)]")
                checkLU(lu, at: location, key: "\(key).lus[\(offset)]")
                if let other = poolOf[lu] {
                    report(location, "\(key).lus[\(offset)]", "LU \(lu) is already in pool \(other)",
                           expected: "each LU in at most one pool (both nodes must rank a pool's LUs the same way)")
                } else {
                    poolOf[lu] = pool.name
                }
            }
        }
        for (index, map) in settings.map.enumerated() {
            let key = "\(path).map[\(index)]"
            for (offset, lu) in map.lus.enumerated() { checkLU(lu, at: map.location(of: "lus[\(offset)]"), key: "\(key).lus[\(offset)]") }
            switch map.generic {
            case .lu(let lu)?: checkLU(lu, at: map.location(of: "lu"), key: "\(key).lu")
            case .pool(let pool)? where settings.pool(named: pool) == nil:
                report(map.location(of: "pool"), "\(key).pool", "pool \"\(pool)\" is not defined",
                       expected: "one of \(settings.pools.map(\.name).joined(separator: ", ")) (cluster.tn-server.pools)")
            default: break
            }
        }
        return found
    }
}

extension Procedure {
    /// Lines whose terminal LUs the TN server can offer to emulators: tnetos LUs (TN3270
    /// towards the host) and SNA LU 2s on SDLC, QLLC (X.25) and switched SDLC lines, whose
    /// BIND, chains and UNBIND the TN server maps to TN3270E records. Not BDLC (basic mode).
    public var servesTNServerLUs: Bool {
        switch self {
        case .tnetos, .hdlcLeased, .hdlcPacket, .hdlcPublic, .hdlcISDN: return true
        case .bdlc: return false
        }
    }

    /// The LU is an SNA LU (BIND, FMD RUs, UNBIND through netmgrd's PU 2).
    public var carriesSNA: Bool {
        switch self {
        case .hdlcLeased, .hdlcPacket, .hdlcPublic, .hdlcISDN: return true
        case .tnetos, .bdlc: return false
        }
    }
}
