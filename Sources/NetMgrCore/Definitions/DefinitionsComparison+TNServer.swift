/// Issue 15 part 3: what both nodes' `cluster.tn-server` must agree on, so that an emulator
/// returning after a failover gets the same LU from the other node: the map (which entry
/// decides for an address, what it offers by name and generically), the pools (the LUs a
/// pool ranks; their written order does not matter, rendezvous hashing ranks them), keep-lu,
/// the VIP, STARTTLS and the printer pairs. The probe and negotiation timers are compared only when asked (a reload's
/// log), as a difference there does not change which LU anyone gets.
public enum TNServerSettingsComparison {
    public static func differences(_ a: TNServerSettings?, _ b: TNServerSettings?, timers: Bool = false) -> [DefinitionsDifference] {
        let section = "cluster.tn-server"
        switch (a, b) {
        case (nil, nil):
            return []
        case let (a?, nil):
            return [DefinitionsDifference(key: section, this: ("defined", a.location), other: nil)]
        case let (nil, b?):
            return [DefinitionsDifference(key: section, this: nil, other: ("defined", b.location))]
        case let (a?, b?):
            var found: [DefinitionsDifference] = []
            func field(_ key: String, _ x: String, _ xAt: SourceLocation, _ y: String, _ yAt: SourceLocation) {
                if x != y { found.append(DefinitionsDifference(key: key, this: (x, xAt), other: (y, yAt))) }
            }
            func setting(_ name: String, _ value: (TNServerSettings) -> String) {
                field("\(section).\(name)", value(a), a.location(of: name), value(b), b.location(of: name))
            }
            setting("keep-lu") { "\($0.keepLUSeconds) s" }
            setting("vip") { $0.vip?.description ?? "(none)" }
            setting("starttls") { $0.startTLS.rawValue }
            setting("takeover") { $0.takeover.rawValue }
            // Printer pairs as a set: ASSOCIATE gives a display's printer on whichever node.
            let pairs = { (settings: TNServerSettings) in list(settings.printers.map { "\($0.display)→\($0.printer)" }.sorted()) }
            setting("printers") { pairs($0) }
            if timers {
                setting("probe-interval") { "\($0.probeIntervalSeconds) s" }
                setting("probe-timeout") { "\($0.probeTimeoutSeconds) s" }
                setting("negotiation-timeout") { "\($0.negotiationTimeoutSeconds) s" }
            }
            // Pools by name.
            for pool in a.pools {
                let key = "\(section).pools[\(pool.name)]"
                guard let twin = b.pool(named: pool.name) else {
                    found.append(DefinitionsDifference(key: key, this: ("defined (\(list(pool.lus)))", pool.location), other: nil))
                    continue
                }
                if Set(pool.lus) != Set(twin.lus) {
                    field("\(key).lus", list(pool.lus), pool.location(of: "lus"), list(twin.lus), twin.location(of: "lus"))
                }
            }
            for pool in b.pools where a.pool(named: pool.name) == nil {
                found.append(DefinitionsDifference(key: "\(section).pools[\(pool.name)]", this: nil, other: ("defined (\(list(pool.lus)))", pool.location)))
            }
            // Map entries by position: the first written wins a tie, so the order is part of the map.
            for index in 0..<max(a.map.count, b.map.count) {
                let key = "\(section).map[\(index)]"
                guard index < a.map.count else {
                    found.append(DefinitionsDifference(key: key, this: nil, other: (describe(b.map[index]), b.map[index].location)))
                    continue
                }
                guard index < b.map.count else {
                    found.append(DefinitionsDifference(key: key, this: (describe(a.map[index]), a.map[index].location), other: nil))
                    continue
                }
                let x = a.map[index], y = b.map[index]
                if Set(x.clients) != Set(y.clients) {
                    field("\(key).clients", list(x.clients.map(\.description)), x.location(of: "clients"), list(y.clients.map(\.description)), y.location(of: "clients"))
                }
                if Set(x.lus) != Set(y.lus) {
                    field("\(key).lus", list(x.lus), x.location(of: "lus"), list(y.lus), y.location(of: "lus"))
                }
                if x.printerGeneric != y.printerGeneric {
                    field("\(key).printer-lu or printer-pool", x.printerGeneric?.description ?? "(none)", x.location,
                          y.printerGeneric?.description ?? "(none)", y.location)
                }
                if x.generic != y.generic {
                    field("\(key).\(genericKey(x.generic, y.generic))", x.generic?.description ?? "(none)", x.location(of: genericKey(x.generic, nil)),
                          y.generic?.description ?? "(none)", y.location(of: genericKey(y.generic, nil)))
                }
            }
            return found
        }
    }

    private static func list(_ items: [String]) -> String { "[\(items.joined(separator: ", "))]" }

    private static func describe(_ entry: TNClientMap) -> String {
        "clients \(list(entry.clients.map(\.description))), lus \(list(entry.lus)), generic \(entry.generic?.description ?? "(none)")"
    }

    private static func genericKey(_ x: TNGenericTarget?, _ y: TNGenericTarget?) -> String {
        switch (x, y) {
        case (.lu?, .lu?), (.lu?, nil), (nil, .lu?): "lu"
        case (.pool?, .pool?), (.pool?, nil), (nil, .pool?): "pool"
        default: "lu or pool"
        }
    }
}

extension DefinitionsComparison {
    /// The hook `compare` calls: both nodes must give a returning emulator the same LU.
    static func compareTNServer(_ a: Definitions, _ b: Definitions) -> [DefinitionsDifference] {
        TNServerSettingsComparison.differences(a.cluster.tnServer, b.cluster.tnServer)
    }
}
