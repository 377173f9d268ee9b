/// `cluster.clients` and `max-clients`: identities once each, patterns that name something,
/// and the same licence count on every node.
extension DefinitionsValidator {
    mutating func validateClients() {
        guard let cluster = parsed.clusters.first else { return }
        validateMaxClients(cluster.nodes)
        guard let grants = cluster.clients else { return }
        var first: [String: SourceLocation] = [:]
        for grant in grants {
            let path = "cluster.clients[\(grant.identity)]"
            if let earlier = first[grant.identity] {
                report(grant.location(of: "identity"), "\(path).identity", "identity \"\(grant.identity)\" already has an entry at \(earlier)",
                       expected: "one entry per identity, listing all it may open")
            } else {
                first[grant.identity] = grant.location(of: "identity")
            }
            // A file that did not parse may define anything: no "matches nothing" then.
            guard parsed.unparsedFiles.isEmpty else { continue }
            let resourceNames = parsed.resources.map(\.name)
            var granted: [String] = []
            for (offset, pattern) in grant.resources.enumerated() {
                let matched = resourceNames.filter { NamePattern.matches(pattern, $0) }
                granted += matched
                if matched.isEmpty {
                    warn(grant.location(of: "resources[\(offset)]"), "\(path).resources",
                         NamePattern.isPattern(pattern) ? "pattern \"\(pattern)\" matches no resource" : "resource \"\(pattern)\" is not defined",
                         expected: "the name of a resource in a resources: list, or a pattern (* ?) that matches one")
                }
            }
            guard let lus = grant.lus else { continue }
            let luNames = parsed.lus.filter { granted.contains($0.resource) }.map(\.name)
            for (offset, pattern) in lus.enumerated() where !luNames.contains(where: { NamePattern.matches(pattern, $0) }) {
                warn(grant.location(of: "lus[\(offset)]"), "\(path).lus",
                     "\(NamePattern.isPattern(pattern) ? "pattern \"\(pattern)\" matches" : "\"\(pattern)\" is") no LU of the resources this identity may open (\(granted.isEmpty ? "none" : granted.joined(separator: ", ")))",
                     expected: "LU names or patterns of those resources")
            }
        }
    }

    /// The licence count is the cluster's, not a node's: a failover must not change how
    /// many clients are served, so every node carries the same `max-clients` (or none does).
    private mutating func validateMaxClients(_ nodes: [ClusterNode]) {
        guard let reference = nodes.first(where: { $0.maxClients != nil }) else { return }
        for node in nodes where node.maxClients != reference.maxClients {
            let value = node.maxClients.map(String.init) ?? "absent"
            report(node.location(of: "max-clients"), "cluster.nodes[\(node.name)].max-clients",
                   "is \(value), but node \(reference.name) has \(reference.maxClients!) (\(reference.location(of: "max-clients")))",
                   expected: "the same max-clients on every node (the access licence count must not change with a failover)")
        }
    }

    private mutating func warn(_ location: SourceLocation, _ key: String, _ problem: String, expected: String? = nil) {
        var diagnostic = Diagnostic(location, key: key, problem: problem, expected: expected)
        diagnostic.isWarning = true
        warnings.append(diagnostic)
    }
}
