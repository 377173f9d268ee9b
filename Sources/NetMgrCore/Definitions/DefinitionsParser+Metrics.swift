import Yams

// `cluster.nodes[].metrics: ADDRESS:PORT` (issue 18): where the node's netmgrd serves
// `GET /metrics` for Prometheus; off when absent. Hooks: parseNode calls
// parseNodeMetrics before `entry.finish()`; DefinitionsValidator.validate calls validateMetrics().
extension DefinitionsParser {
    static let metricsExpected = "where netmgrd serves Prometheus metrics, ADDRESS:PORT with an IP address literal (a management address)"

    /// The endpoint, or nil when absent or invalid (then reported, naming the node and the key).
    func parseNodeMetrics(_ entry: inout MappingReader, node name: String?, _ reader: YAMLReader) -> Endpoint? {
        parseListenEndpoint(&entry, field: "metrics", owner: "metrics of \(name.map { "node \($0)" } ?? "this node")",
                            expected: Self.metricsExpected, example: "10.0.9.11:9301 or [::1]:9301", reader)
    }
}

extension DefinitionsValidator {
    /// A node's metrics endpoint must not be a LAN endpoint (its own or another node's):
    /// one of the two listeners could not bind, or clients would reach the wrong one.
    func validateMetrics() -> [Diagnostic] {
        guard let cluster = parsed.clusters.first else { return [] }
        var found: [Diagnostic] = []
        for node in cluster.nodes {
            guard let metrics = node.metrics else { continue }
            for other in cluster.nodes where Self.sameEndpoint(metrics, other.lan) {
                let whose = other.name == node.name ? "its own lan endpoint" : "the lan endpoint of node \(other.name) (\(other.location(of: "lan")))"
                found.append(Diagnostic(node.location(of: "metrics"), key: "cluster.nodes[\(node.name)].metrics",
                                        problem: "\(metrics) of node \(node.name) is \(whose)",
                                        expected: "another port or address than where clients connect"))
            }
        }
        return found
    }

    /// The same port on the same address (IP literals compared as addresses).
    static func sameEndpoint(_ a: Endpoint, _ b: Endpoint) -> Bool {
        guard a.port == b.port else { return false }
        if let x = IPAddress(a.host), let y = IPAddress(b.host) { return x == y }
        return a.host.lowercased() == b.host.lowercased()
    }
}
