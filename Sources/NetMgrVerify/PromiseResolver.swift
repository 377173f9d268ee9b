import NetMgrCore

/// Finds the promise for a terminal: from the definitions (an LU maps to its resource by
/// host LU name and host endpoint; a station by the leased line's station address), else
/// from `--expect`, else none.
struct PromiseResolver {
    let definitions: Definitions?
    let expect: FailoverPromise?
    /// Resources by host endpoint text ("127.0.0.100:2323"), and each resource's host LU
    /// names in upper case: built once, a capture may hold thousands of terminals.
    private let resourcesByHost: [String: [Resource]]
    private let hostLUNames: [String: Set<String>]
    /// Pool names (`host-pool`) by host endpoint text, upper case.
    private let poolNames: [String: Set<String>]
    /// The other LU names (one LU each), the same way.
    private let singleLUNames: [String: Set<String>]
    /// Each resource's LUs in definition order (`Definitions.lus(of:)` without a scan each time).
    private let lusByResource: [String: [LU]]

    init(definitions: Definitions?, expect: FailoverPromise?) {
        self.definitions = definitions
        self.expect = expect
        var byHost: [String: [Resource]] = [:]
        var names: [String: Set<String>] = [:]
        for resource in definitions?.resources ?? [] {
            guard case .tcp(let endpoint) = resource.host, let address = IPAddress(endpoint.host) else { continue }
            byHost[EndpointFact(address: address.description, port: endpoint.port).description, default: []].append(resource)
        }
        var pools: [String: Set<String>] = [:]
        var singles: [String: Set<String>] = [:]
        var byResource: [String: [LU]] = [:]
        for lu in definitions?.lus ?? [] {
            names[lu.resource, default: []].insert(lu.hostLUName.uppercased())
            byResource[lu.resource, default: []].append(lu)
        }
        for (host, resources) in byHost {
            for resource in resources {
                for lu in byResource[resource.name] ?? [] {
                    if lu.hostKind == .pool {
                        pools[host, default: []].insert(lu.hostLUName.uppercased())
                    } else {
                        singles[host, default: []].insert(lu.hostLUName.uppercased())
                    }
                }
            }
        }
        resourcesByHost = byHost
        hostLUNames = names
        poolNames = pools
        singleLUNames = singles
        lusByResource = byResource
    }

    struct Resolution {
        var promise: PromiseFact?
        var resource: Resource?
        var notes: [String] = []
    }

    func resolve(host: EndpointFact, lu: String?) -> Resolution {
        var notes: [String] = []
        if let definitions {
            let atHost = resourcesByHost[host.description] ?? []
            var chosen: Resource?
            if let lu {
                let byLU = atHost.filter { hostLUNames[$0.name]?.contains(lu.uppercased()) == true }
                if byLU.count == 1 {
                    chosen = byLU[0]
                } else if byLU.isEmpty && atHost.count == 1 {
                    chosen = atHost[0]
                    notes.append("LU \(lu) is not in the definitions; resource \(atHost[0].name) is the only one at \(host)")
                } else if byLU.isEmpty && !atHost.isEmpty {
                    notes.append("LU \(lu) is not in the definitions of any resource at \(host) (\(atHost.map(\.name).joined(separator: ", ")))")
                } else if byLU.count > 1 {
                    notes.append("\(lu) at \(host) is a pool of several resources (\(byLU.map(\.name).joined(separator: ", "))): the capture does not say whose terminal this is")
                }
            } else if atHost.count == 1 {
                chosen = atHost[0]
            }
            if let chosen {
                return Resolution(promise: fact(definitions.promise(for: chosen), source: "definitions"), resource: chosen, notes: notes)
            }
            if atHost.isEmpty { notes.append("no resource in the definitions has host \(host)") }
        }
        return Resolution(promise: expected(), resource: nil, notes: notes)
    }

    func resolve(station: Int) -> Resolution {
        var notes: [String] = []
        if let definitions {
            // A line switch's monitor sees the SDLC of every switched SDLC line: leased, and
            // public (dial-up) lines between their modem dialogues.
            let lines = definitions.lines.filter {
                [.hdlcLeased, .hdlcPublic].contains($0.procedure) && $0.stationAddress.map(Int.init) == station
            }
            let resources = definitions.resources.filter { resource in lines.contains { $0.name == resource.line } }
            if resources.count == 1 {
                return Resolution(promise: fact(definitions.promise(for: resources[0]), source: "definitions"), resource: resources[0])
            }
            if resources.isEmpty {
                notes.append("no hdlc-leased or hdlc-public line in the definitions has station address \(SDLCStationState.hex(UInt8(truncatingIfNeeded: station)))")
            } else {
                notes.append("several resources use station address \(SDLCStationState.hex(UInt8(truncatingIfNeeded: station))): \(resources.map(\.name).joined(separator: ", "))")
            }
        }
        return Resolution(promise: expected(), resource: nil, notes: notes)
    }

    /// Whether the definitions give `name` as a pool (`host-pool`) at this host.
    func isPool(host: EndpointFact, name: String) -> Bool {
        poolNames[host.description]?.contains(name.uppercased()) ?? false
    }

    /// Whether the definitions give `name` as one LU (not a pool) at this host. A host grants
    /// such an LU to one terminal at a time, so all its connections are one terminal's, even
    /// where a failed node closes its old connection after the new one is bound.
    func isSingleLU(host: EndpointFact, name: String) -> Bool {
        singleLUNames[host.description]?.contains(name.uppercased()) ?? false
    }

    /// The cluster node whose real address this is.
    func node(withAddress address: String) -> String? {
        definitions?.cluster.nodes.first { IPAddress($0.address.text)?.description == address }?.name
    }

    /// The VIP a resource's own address names, as text.
    func vipAddress(of resource: Resource) -> (name: String, address: String)? {
        guard case .vip(let name)? = resource.ownAddress, let vip = definitions?.vip(named: name)?.vip,
            let address = IPAddress(vip.address.text)
        else { return nil }
        return (name, address.description)
    }

    /// The line a station's resource is on.
    func line(of resource: Resource) -> Line? { definitions?.line(named: resource.line) }

    func lus(of resource: Resource) -> [LU] { lusByResource[resource.name] ?? [] }

    func expected() -> PromiseFact? {
        guard let expect else { return nil }
        return PromiseFact(
            expected: expect, symbol: expect.symbol, source: "expect", resource: nil, procedure: nil,
            reason: expect == .same ? "--expect same: the host must see the same terminal address after a failover"
                : "--expect different: the host must see a different terminal address after a failover",
            addressByNode: nil)
    }

    func fact(_ promise: ResourcePromise, source: String) -> PromiseFact {
        PromiseFact(
            expected: promise.promise, symbol: promise.promise.symbol, source: source, resource: promise.resource,
            procedure: promise.procedure.rawValue, reason: promise.reason,
            addressByNode: promise.addressByNode.map { PromiseFact.NodeAddress(node: $0.node, address: $0.address) })
    }
}
