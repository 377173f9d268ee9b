import Yams

// Issue 15 part 3: printer LUs and TLS of the TN server front end. Keys: `cluster.tn-server.printers`
// (display → printer pairs for ASSOCIATE), `starttls`, map entries' `printer-lu`/`printer-pool`
// (generic printer requests), and `cluster.nodes[].tn-server-tls` (parsed by parseNodeTNServer).
// Hooks: parseTNServer calls parseTNMapPrinter and parseTNPrinters; validateTNServer's caller
// (DefinitionsValidator.validate) calls validateTNServerPrinters().
extension DefinitionsParser {
    /// A map entry's `printer-lu` or `printer-pool` (not both): what a generic printer request gets.
    func parseTNMapPrinter(_ map: inout MappingReader, _ reader: YAMLReader) -> TNGenericTarget? {
        let lu = map.string("printer-lu", expected: "the printer LU a generic printer request (IBM-3287-1, no LU named) from these clients gets")
        let pool = map.string("printer-pool", expected: "the pool of printer LUs a generic printer request from these clients gets one of")
        if lu != nil, pool != nil {
            reader.report(at: map.fields["printer-pool"]!, key: map.keyPath("printer-pool"), "is given together with printer-lu (\(map.fields["printer-lu"]!))",
                          expected: "either printer-lu or printer-pool, not both")
        }
        return pool.map { .pool($0.uppercased()) } ?? lu.map { .lu($0.uppercased()) }
    }

    /// `printers: [{ display: LU, printer: LU }]` and `starttls: off|offer`.
    func parseTNPrinters(_ section: inout MappingReader, into settings: inout TNServerSettings, _ reader: YAMLReader) {
        if let mode = section.choice("starttls", TNStartTLS.self) { settings.startTLS = mode }
        let path = section.keyPath("printers")
        section.list("printers", expected: "a list of display/printer pairs: { display: LU, printer: LU }") { element, index in
            guard var pair = MappingReader(reader, element, path: "\(path)[\(index)]", what: "a display/printer pair: { display: LU, printer: LU }") else { return }
            let display = pair.string("display", required: true, expected: "the display (terminal) LU whose emulator's pr3287 -assoc gets the printer")
            let printer = pair.string("printer", required: true, expected: "the printer LU that goes with the display LU")
            pair.finish()
            guard let display, let printer else { return }
            var result = TNPrinterAssociation(display: display.uppercased(), printer: printer.uppercased(), location: pair.location)
            result.fields = pair.fields
            settings.printers.append(result)
        }
    }
}

extension DefinitionsValidator {
    /// Kinds where the TN server needs them: `lu` and the `pool` of a map entry are terminals,
    /// `printer-lu` and `printer-pool` printers, a pool is all of one kind; each display and each
    /// printer in at most one pair, display a terminal and printer a printer; `tn-server-tls`
    /// is not another listener's endpoint.
    func validateTNServerPrinters() -> [Diagnostic] {
        guard let cluster = parsed.clusters.first else { return [] }
        var found: [Diagnostic] = []
        func report(_ location: SourceLocation, _ key: String, _ problem: String, expected: String) {
            found.append(Diagnostic(location, key: key, problem: problem, expected: expected))
        }
        for node in cluster.nodes {
            guard let listen = node.tnServerTLS else { continue }
            let key = "cluster.nodes[\(node.name)].tn-server-tls"
            let here = node.location(of: "tn-server-tls")
            for other in cluster.nodes {
                var taken: [(String, Endpoint?)] = [("lan", other.lan), ("metrics", other.metrics), ("tn-server", other.tnServer)]
                if other.name != node.name { taken.append(("tn-server-tls", other.tnServerTLS)) }
                for (what, endpoint) in taken {
                    guard let endpoint, Self.sameEndpoint(listen, endpoint) else { continue }
                    report(here, key, "\(listen) of node \(node.name) is the \(what) endpoint of node \(other.name) (\(other.location(of: what)))",
                           expected: "its own port or address (like 992 next to 23)")
                }
            }
        }
        guard let settings = cluster.tnServer else {
            if let node = cluster.nodes.first(where: { $0.tnServerTLS != nil }), !cluster.nodes.contains(where: { $0.tnServer != nil }) {
                report(node.location(of: "tn-server-tls"), "cluster.nodes[\(node.name)].tn-server-tls", "a TN server listens, but cluster.tn-server (its LU map) is missing",
                       expected: "a cluster.tn-server section with map (and pools) saying which LUs emulators get")
            }
            return found
        }
        let path = "cluster.tn-server"
        func kind(_ name: String) -> LUKind? { parsed.lus.first { $0.name == name }?.kind }
        func check(_ name: String, is wanted: LUKind, at location: SourceLocation, key: String, as role: String) {
            guard let lu = parsed.lus.first(where: { $0.name == name }) else {
                if parsed.unparsedFiles.isEmpty, !(parsed.declared["lus"]?.contains(name) ?? false) {
                    report(location, key, "LU \"\(name)\" is not defined", expected: "the name of an LU in lus:")
                }
                return
            }
            if lu.kind != wanted {
                report(location, key, "LU \(name) is a \(lu.kind.rawValue) (\(lu.location)), but \(role)", expected: "a \(wanted.rawValue) LU (lus[].kind: \(wanted.rawValue))")
            }
        }
        var poolKinds: [String: LUKind] = [:]
        for pool in settings.pools {
            let kinds = Set(pool.lus.compactMap(kind))
            if kinds.count > 1 {
                report(pool.location(of: "lus"), "\(path).pools[\(pool.name)].lus", "mixes terminal and printer LUs",
                       expected: "a pool of terminals (for pool:) or of printers (for printer-pool:)")
            } else if let only = kinds.first {
                poolKinds[pool.name] = only
            }
        }
        for (index, map) in settings.map.enumerated() {
            let key = "\(path).map[\(index)]"
            switch map.generic {
            case .lu(let lu)?: check(lu, is: .terminal, at: map.location(of: "lu"), key: "\(key).lu", as: "lu is what a generic display request gets")
            case .pool(let pool)?:
                if poolKinds[pool] == .printer {
                    report(map.location(of: "pool"), "\(key).pool", "pool \(pool) holds printer LUs", expected: "a pool of terminal LUs (printers go under printer-pool)")
                }
            case nil: break
            }
            switch map.printerGeneric {
            case .lu(let lu)?: check(lu, is: .printer, at: map.location(of: "printer-lu"), key: "\(key).printer-lu", as: "printer-lu is what a generic printer request gets")
            case .pool(let pool)?:
                if settings.pool(named: pool) == nil {
                    report(map.location(of: "printer-pool"), "\(key).printer-pool", "pool \"\(pool)\" is not defined",
                           expected: "one of \(settings.pools.map(\.name).joined(separator: ", ")) (cluster.tn-server.pools)")
                } else if poolKinds[pool] == .terminal {
                    report(map.location(of: "printer-pool"), "\(key).printer-pool", "pool \(pool) holds terminal LUs", expected: "a pool of printer LUs")
                }
            case nil: break
            }
        }
        var displays: [String: SourceLocation] = [:]
        var printers: [String: SourceLocation] = [:]
        for (index, pair) in settings.printers.enumerated() {
            let key = "\(path).printers[\(index)]"
            check(pair.display, is: .terminal, at: pair.location(of: "display"), key: "\(key).display", as: "display names the terminal whose printer this is")
            check(pair.printer, is: .printer, at: pair.location(of: "printer"), key: "\(key).printer", as: "printer names the printer LU")
            if let earlier = displays[pair.display] {
                report(pair.location(of: "display"), "\(key).display", "display LU \(pair.display) already has a printer (\(earlier))",
                       expected: "one printer per display LU (pr3287 -assoc must get one answer)")
            }
            if let earlier = printers[pair.printer] {
                report(pair.location(of: "printer"), "\(key).printer", "printer LU \(pair.printer) already goes with another display (\(earlier))",
                       expected: "each printer LU with at most one display LU")
            }
            displays[pair.display] = displays[pair.display] ?? pair.location(of: "display")
            printers[pair.printer] = printers[pair.printer] ?? pair.location(of: "printer")
        }
        return found
    }
}
