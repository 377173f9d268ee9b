import Yams

/// `cluster.clients` (which application identities may open which resources and LUs) and
/// `cluster.nodes[].max-clients` (the access licence count).
extension DefinitionsParser {
    /// Reads `clients:` from the cluster mapping; nil when it is absent.
    func parseClients(_ entry: inout MappingReader, _ reader: YAMLReader) -> [ClientGrant]? {
        guard entry.value("clients") != nil else { return nil }
        var grants: [ClientGrant] = []
        entry.list("clients", expected: "a list of client identities, each with identity, resources and optionally lus") { node, index in
            if let grant = parseClientGrant(node, index, reader) { grants.append(grant) }
        }
        return grants
    }

    private func parseClientGrant(_ node: Node, _ index: Int, _ reader: YAMLReader) -> ClientGrant? {
        guard var entry = MappingReader(reader, node, path: "cluster.clients[\(index)]", what: "a client: identity, resources, lus") else { return nil }
        let identity = entry.string("identity", required: true,
                                    expected: "the application's identity: its certificate's netmgr:client:NAME (or CN); with tls: off its HELLO client name")
        if let identity { entry.rename("cluster.clients[\(identity)]") }
        let resources = entry.stringList("resources", expected: "a list of resource names or patterns (* and ?) this identity may open")
        var lus: [(String, SourceLocation)]?
        if entry.value("lus") != nil {
            lus = entry.stringList("lus", expected: "a list of LU names or patterns (* and ?); leave out for every LU of the resources")
        }
        entry.finish()
        guard let identity else { return nil }
        var grant = ClientGrant(identity: identity, resources: resources.map(\.0), lus: lus?.map(\.0), location: entry.location)
        grant.fields = entry.fields
        for (offset, resource) in resources.enumerated() { grant.fields["resources[\(offset)]"] = resource.1 }
        for (offset, lu) in (lus ?? []).enumerated() { grant.fields["lus[\(offset)]"] = lu.1 }
        return grant
    }

    /// Reads a node's `max-clients`.
    func parseMaxClients(_ entry: inout MappingReader) -> Int? {
        entry.integer("max-clients", in: ClientLimits.maxClientsRange,
                      what: "how many client identities this node serves at once (the access licence count), the same on every node")
    }
}
