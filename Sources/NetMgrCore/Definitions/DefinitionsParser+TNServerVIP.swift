import Yams

// Issue 15 part 3: `cluster.tn-server.vip: ADDRESS:PORT`, a LAN-side VIP that every node
// with `tn-server:` also listens on (bound with IP_FREEBIND, so both nodes listen before the
// VIP is theirs; the node that holds it, e.g. by keepalived, gets the emulators). Hooks:
// parseTNServer calls parseTNServerVIP, validateTNServer calls validateTNServerVIP.
extension DefinitionsParser {
    static let tnServerVIPExpected = "the LAN-side VIP emulators connect to, ADDRESS:PORT with an IP address literal, e.g. 10.0.9.10:23"

    /// `cluster.tn-server.vip`: nil when absent or invalid (then reported with its key).
    func parseTNServerVIP(_ section: inout MappingReader, _ reader: YAMLReader) -> Endpoint? {
        guard let text = section.string("vip", expected: Self.tnServerVIPExpected) else { return nil }
        let location = section.fields["vip"]!
        let key = section.keyPath("vip")
        switch Endpoint.parse(text) {
        case .success(let endpoint):
            guard let address = IPAddress(endpoint.host) else {
                reader.report(at: location, key: key, "\"\(endpoint.host)\" is not an IP address (the TN server's VIP)", expected: Self.tnServerVIPExpected)
                return nil
            }
            if address.isUnspecified {
                reader.report(at: location, key: key, "\(text) is the any-address, not a VIP", expected: "the VIP's own address; each node's tn-server: is where it listens on its own address")
                return nil
            }
            return endpoint
        case .failure(.missingPort):
            reader.report(at: location, key: key, "\"\(text)\" has no port (the TN server's VIP)", expected: Self.tnServerVIPExpected)
        case .failure(.badPort(let port)):
            reader.report(at: location, key: key, "port \"\(port)\" is not valid (the TN server's VIP)", expected: "a port from 1 to 65535")
        case .failure(.badHost(let host)):
            reader.report(at: location, key: key, "\"\(host)\" is not an IP address (the TN server's VIP)", expected: Self.tnServerVIPExpected)
        }
        return nil
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
