import Yams

// Issue 15 part 3: `cluster.tn-server.vip: ADDRESS:PORT`, a LAN-side VIP that every node
// with `tn-server:` also listens on (bound with IP_FREEBIND, so both nodes listen before the
// VIP is theirs; the node that holds it, e.g. by keepalived, gets the emulators). Hooks:
// parseTNServer calls parseTNServerVIP, validateTNServer calls validateTNServerVIP.
extension DefinitionsParser {
    static let tnServerVIPExpected = "the LAN-side VIP emulators connect to, ADDRESS:PORT with an IP address literal, e.g. 10.0.9.10:23"

    /// `cluster.tn-server.vip`: nil when absent or invalid (then reported with its key).
    func parseTNServerVIP(_ section: inout MappingReader, _ reader: YAMLReader) -> Endpoint? {
        guard let endpoint = parseListenEndpoint(&section, field: "vip", owner: "the TN server's VIP", expected: Self.tnServerVIPExpected,
                                                 example: "10.0.9.10:23", reader) else { return nil }
        if IPAddress(endpoint.host)?.isUnspecified == true, let location = section.fields["vip"] {
            reader.report(at: location, key: section.keyPath("vip"), "\(endpoint) is the any-address, not a VIP",
                          expected: "the VIP's own address; each node's tn-server: is where it listens on its own address")
            return nil
        }
        return endpoint
    }
}

private extension IPAddress {
    /// 0.0.0.0 or ::.
    var isUnspecified: Bool {
        switch self {
        case .v4(let value): value == 0
        case .v6(let high, let low): high == 0 && low == 0
        }
    }
}

extension DefinitionsValidator {
    /// The VIP must not be any node's lan, metrics or tn-server endpoint, and some node must
    /// run a TN server (else nothing listens on it).
    func validateTNServerVIP(_ settings: TNServerSettings, _ cluster: Cluster) -> [Diagnostic] {
        guard let vip = settings.vip else { return [] }
        let key = "cluster.tn-server.vip"
        let location = settings.location(of: "vip")
        var found: [Diagnostic] = []
        for node in cluster.nodes {
            var clashes: [(String, Endpoint?)] = [("lan", node.lan), ("metrics", node.metrics), ("tn-server", node.tnServer)]
            clashes = clashes.filter { $0.1.map { Self.sameEndpoint(vip, $0) } ?? false }
            for (what, _) in clashes {
                found.append(Diagnostic(location, key: key, problem: "\(vip) is the \(what) endpoint of node \(node.name) (\(node.location(of: what)))",
                                        expected: "an address:port of its own (the VIP moves between the nodes; their own endpoints do not)"))
            }
        }
        if !cluster.nodes.contains(where: { $0.tnServer != nil }) {
            found.append(Diagnostic(location, key: key, problem: "\(vip) is given, but no node has tn-server: (no TN server runs, so nothing listens on the VIP)",
                                    expected: "tn-server: ADDRESS:PORT on the nodes that serve emulators"))
        }
        return found
    }
}
