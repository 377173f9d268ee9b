/// What the nodes must agree on for authorisation and licensing: the `clients:` grants,
/// and each node's `max-clients` (the seed requires the licence count on both nodes equal).
extension DefinitionsComparison {
    static func compareClients(_ a: Definitions, _ b: Definitions) -> [DefinitionsDifference] {
        var differences: [DefinitionsDifference] = []
        let bNodes = Dictionary(b.cluster.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for node in a.cluster.nodes {
            guard let twin = bNodes[node.name], node.maxClients != twin.maxClients else { continue }
            differences.append(DefinitionsDifference(
                key: "cluster.nodes[\(node.name)].max-clients",
                this: (node.maxClients.map(String.init) ?? "(none: unlimited)", node.location(of: "max-clients")),
                other: (twin.maxClients.map(String.init) ?? "(none: unlimited)", twin.location(of: "max-clients"))))
        }
        switch (a.cluster.clients, b.cluster.clients) {
        case (nil, nil):
            break
        case (let grants?, nil):
            differences.append(DefinitionsDifference(key: "cluster.clients", this: ("\(grants.count) identities", a.cluster.location(of: "clients")),
                                                     other: ("(none: every application may open everything)", b.cluster.location)))
        case (nil, let grants?):
            differences.append(DefinitionsDifference(key: "cluster.clients", this: ("(none: every application may open everything)", a.cluster.location),
                                                     other: ("\(grants.count) identities", b.cluster.location(of: "clients"))))
        case (let left?, let right?):
            let rightByIdentity = Dictionary(right.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
            let leftIdentities = Set(left.map(\.identity))
            for grant in left {
                let key = "cluster.clients[\(grant.identity)]"
                guard let twin = rightByIdentity[grant.identity] else {
                    differences.append(DefinitionsDifference(key: key, this: ("defined", grant.location), other: nil))
                    continue
                }
                let fields: [(String, (ClientGrant) -> String)] = [
                    ("resources", { $0.resources.joined(separator: ", ") }),
                    ("lus", { $0.lus?.joined(separator: ", ") ?? "(every LU)" }),
                ]
                for (field, value) in fields where value(grant) != value(twin) {
                    differences.append(DefinitionsDifference(key: "\(key).\(field)", this: (value(grant), grant.location(of: field)),
                                                             other: (value(twin), twin.location(of: field))))
                }
            }
            for grant in right where !leftIdentities.contains(grant.identity) {
                differences.append(DefinitionsDifference(key: "cluster.clients[\(grant.identity)]", this: nil, other: ("defined", grant.location)))
            }
        }
        return differences
    }
}
