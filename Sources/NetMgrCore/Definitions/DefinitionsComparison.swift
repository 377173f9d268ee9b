/// One thing that differs between two nodes' copies of the definitions.
public struct DefinitionsDifference: Sendable, CustomStringConvertible {
    public var key: String
    public var this: (value: String, location: SourceLocation)?
    public var other: (value: String, location: SourceLocation)?

    public var description: String {
        switch (this, other) {
        case let (a?, b?): return "\(key): \(a.value) (\(a.location)) but \(b.value) (\(b.location))"
        case let (a?, nil): return "\(key): \(a.value) (\(a.location)) is missing from the other copy"
        case let (nil, b?): return "\(key): missing here, but \(b.value) in the other copy (\(b.location))"
        case (nil, nil): return key
        }
    }
}

/// Compares what the seed requires to be identical on both nodes (§1.3.4): resource
/// names, LU names and local addresses, line procedures and host addresses, plus the
/// facts that make a switched line the same terminal (station address, XID node id,
/// switch unit) and each resource's own address.
public enum DefinitionsComparison {
    public static func compare(_ a: Definitions, _ b: Definitions) -> [DefinitionsDifference] {
        var differences: [DefinitionsDifference] = []

        func compareSets<T: Located>(_ section: String, _ left: [T], _ right: [T], name: (T) -> String, fields: [(String, (T) -> String)]) {
            let rightByName = Dictionary(right.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
            let leftByName = Dictionary(left.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
            for item in left {
                let key = "\(section)[\(name(item))]"
                guard let twin = rightByName[name(item)] else {
                    differences.append(DefinitionsDifference(key: key, this: ("defined", item.location), other: nil))
                    continue
                }
                for (field, value) in fields where value(item) != value(twin) {
                    differences.append(DefinitionsDifference(
                        key: "\(key).\(field)", this: (value(item), item.location(of: field)), other: (value(twin), twin.location(of: field))))
                }
            }
            for item in right where leftByName[name(item)] == nil {
                differences.append(DefinitionsDifference(key: "\(section)[\(name(item))]", this: nil, other: ("defined", item.location)))
            }
        }

        compareSets("lines", a.lines, b.lines, name: \.name, fields: [
            ("procedure", { $0.procedure.rawValue }),
            ("switch", { $0.switchUnit?.description ?? "(none)" }),
            ("station-address", { $0.stationAddress.map(hex) ?? "(none)" }),
            ("node-id", { $0.nodeID?.description ?? "(none)" }),
            ("coding", { $0.coding.rawValue }),
            ("poll-timeout", { String($0.pollTimeoutSeconds) }),
            ("number", { $0.switched.number ?? "(none)" }),
            ("dial", { $0.switched.dial.rawValue }),
            ("call", { $0.switched.call.rawValue }),
        ])
        compareSets("resources", a.resources, b.resources, name: \.name, fields: [
            ("line", { $0.line }),
            ("host", { $0.host.description }),
            ("own-address", { own in
                switch own.ownAddress {
                case .vip(let name)?: return name
                case .nodeAddress?: return "none"
                case nil: return "(none)"
                }
            }),
            ("tls", { $0.tls?.mode.rawValue ?? "off" }),
        ])
        compareSets("lus", a.lus, b.lus, name: \.name, fields: [
            ("address", { String($0.address) }),
            ("resource", { $0.resource }),
            ("host-lu", { $0.hostLUDescription }),
        ])
        differences += compareClients(a, b)
        differences += compareTNServer(a, b)  // issue 15 part 3: DefinitionsComparison+TNServer.swift
        // TLS on one node and off on the other: neither the peers nor the clients could talk to both.
        if a.cluster.tls.isOn != b.cluster.tls.isOn {
            func state(_ tls: ClusterTLS) -> String { tls.isOn ? "on" : "off" }
            differences.append(DefinitionsDifference(key: "cluster.tls", this: (state(a.cluster.tls), a.cluster.location(of: "tls")),
                                                     other: (state(b.cluster.tls), b.cluster.location(of: "tls"))))
        }
        return differences
    }
}
