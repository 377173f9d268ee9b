import NetMgrCore

extension PromiseResolver {
    /// Whose a BDLC station is, from the definitions: the bdlc line and node whose
    /// `bdlc-address` it is, and the resource on that line.
    struct BasicModeOwner {
        var line: String?
        var node: String?
        var resource: Resource?
        var notes: [String] = []
    }

    /// The host's BDLC lines as the host simulator numbers them: every bdlc line in
    /// definition order, one host line per cluster node, in node order.
    func basicModeHostLines() -> [(line: String, node: String, address: UInt8?)] {
        guard let definitions else { return [] }
        var result: [(line: String, node: String, address: UInt8?)] = []
        for line in definitions.lines where line.procedure == .bdlc {
            for node in definitions.cluster.nodes {
                result.append((line.name, node.name, line.perNode[node.name]?.bdlcAddress))
            }
        }
        return result
    }

    /// Finds the owner of `station` seen on host line `line`. The host line numbering decides
    /// when its station address matches; otherwise the one bdlc line and node with that
    /// address.
    func basicModeOwner(station: Int, line: Int) -> BasicModeOwner {
        guard let definitions else { return BasicModeOwner() }
        let text = BasicModeStationFacts.hex(station)
        var owner = BasicModeOwner()
        let numbered = basicModeHostLines()
        if line >= 1, line <= numbered.count, let address = numbered[line - 1].address, Int(address) == station {
            owner.line = numbered[line - 1].line
            owner.node = numbered[line - 1].node
        } else {
            let candidates = numbered.filter { $0.address.map(Int.init) == station }
            if candidates.count == 1 {
                owner.line = candidates[0].line
                owner.node = candidates[0].node
            } else if candidates.isEmpty {
                owner.notes.append("no bdlc line in the definitions has a node with bdlc-address \(text)")
                return owner
            } else {
                owner.notes.append("several bdlc lines have a node with bdlc-address \(text) (\(candidates.map { "\($0.line) \($0.node)" }.joined(separator: ", "))), and host line \(line) is none of them in the host's numbering")
                return owner
            }
        }
        let resources = definitions.resources.filter { $0.line == owner.line }
        if resources.count == 1 {
            owner.resource = resources[0]
        } else if resources.isEmpty {
            owner.notes.append("no resource uses bdlc line \(owner.line ?? "?")")
        } else {
            owner.notes.append("several resources use bdlc line \(owner.line ?? "?"): \(resources.map(\.name).joined(separator: ", "))")
        }
        return owner
    }

    /// The promise for a BDLC resource, or `--expect` when the definitions do not say.
    func resolve(basicModeResource resource: Resource?) -> Resolution {
        if let resource, let definitions {
            return Resolution(promise: fact(definitions.promise(for: resource), source: "definitions"), resource: resource)
        }
        return Resolution(promise: expected(), resource: nil)
    }
}
