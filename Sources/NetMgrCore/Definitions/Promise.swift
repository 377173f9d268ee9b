/// What a failover promises the host will see: the seed's ○ and △ (§1.3.2).
public enum FailoverPromise: String, Sendable, Codable {
    /// ○ — the host sees the same terminal address after a failover.
    case same
    /// △ — the host sees a different terminal and the session continues as that terminal.
    case different

    public var symbol: String { self == .same ? "○" : "△" }
}

/// A resource's promise with the addresses the host will see from each node.
public struct ResourcePromise: Sendable {
    public var resource: String
    public var procedure: Procedure
    public var promise: FailoverPromise
    /// The terminal address the host sees when each node is active, by node name.
    public var addressByNode: [(node: String, address: String)]
    /// One sentence saying why.
    public var reason: String
}

extension Definitions {
    /// The source address a TnETOS resource uses when `node` is active.
    public func sourceAddress(of resource: Resource, on node: ClusterNode) -> IPAddress? {
        switch resource.ownAddress {
        case .vip(let name)?: return vip(named: name)?.vip.address
        case .nodeAddress?: return node.address
        case nil: return nil
        }
    }

    public func promise(for resource: Resource) -> ResourcePromise {
        let line = self.line(named: resource.line)
        let procedure = line?.procedure ?? .tnetos
        let nodes = cluster.nodes
        func perNode(_ address: (ClusterNode) -> String) -> [(node: String, address: String)] { nodes.map { ($0.name, address($0)) } }

        switch procedure {
        case .tnetos:
            let addresses = perNode { sourceAddress(of: resource, on: $0)?.text ?? "?" }
            // The promise is about the address; which LU of a pool the host gives is its choice.
            let pools = Set(lus(of: resource.name).filter { $0.hostKind == .pool }.map(\.hostLUName)).sorted()
            let poolNote = pools.isEmpty ? "" : "; LUs of pool \(pools.joined(separator: ", ")) get any free LU of it"
            if case .vip(let name)? = resource.ownAddress {
                return ResourcePromise(resource: resource.name, procedure: procedure, promise: .same, addressByNode: addresses,
                                       reason: "source address is VIP \(name), which moves with the group" + poolNote)
            }
            return ResourcePromise(resource: resource.name, procedure: procedure, promise: .different, addressByNode: addresses,
                                   reason: "own address none: each node connects from its real address" + poolNote)
        case .hdlcLeased:
            var parts: [String] = []
            if let station = line?.stationAddress { parts.append("station \(hex(station))") }
            if let id = line?.nodeID { parts.append("XID \(id)") }
            parts.append("LUs \(lus(of: resource.name).map { String($0.address) }.joined(separator: ","))")
            let terminal = parts.joined(separator: ", ")
            return ResourcePromise(resource: resource.name, procedure: procedure, promise: .same, addressByNode: perNode { _ in terminal },
                                   reason: "\(line?.switchUnit?.description ?? "the line switch") moves the line to the active node")
        case .hdlcPacket:
            var parts: [String] = ["calling DTE \(line?.x25.dteAddress ?? "?")"]
            if let id = line?.nodeID { parts.append("XID \(id)") }
            parts.append("LUs \(lus(of: resource.name).map { String($0.address) }.joined(separator: ","))")
            let terminal = parts.joined(separator: ", ")
            let how = line?.isXOTOnly == true
                ? "each node calls over XOT"
                : "\(line?.switchUnit?.description ?? "the line switch") moves the access line"
            return ResourcePromise(resource: resource.name, procedure: procedure, promise: .same, addressByNode: perNode { _ in terminal },
                                   reason: "\(how) and calls with the same calling DTE address, XID node id and LU addresses")
        case .hdlcPublic:
            let terminal = switchedTerminal(callingNumber: line?.switched.number, line: line, resource: resource)
            let how = line?.switched.call == .in ? "the host calls the line's number" : "the active node calls from the line"
            return ResourcePromise(resource: resource.name, procedure: procedure, promise: .same, addressByNode: perNode { _ in terminal },
                                   reason: "\(line?.switchUnit?.description ?? "the line switch") moves the line and its modem; \(how), so the number, XID node id and LU addresses stay")
        case .hdlcISDN:
            let how = line?.switched.call == .in ? "the host calls each node's own number" : "each node calls from its own ISDN number"
            return ResourcePromise(resource: resource.name, procedure: procedure, promise: .different,
                                   addressByNode: perNode { switchedTerminal(callingNumber: line?.perNode[$0.name]?.isdnNumber, line: line, resource: resource) },
                                   reason: "\(how) (its own terminal adapter): the host sees the other number after failover")
        case .bdlc:
            return ResourcePromise(resource: resource.name, procedure: procedure, promise: .different,
                                   addressByNode: perNode { line?.perNode[$0.name]?.bdlcAddress.map { "station \(hex($0))" } ?? "?" },
                                   reason: "each node is its own basic-mode station on its own line: the host polls a different station after failover")
        }
    }
}

extension Definitions {
    /// `calling number 0312340001, XID 05D00003, LUs 2,3`: what identifies a switched terminal.
    fileprivate func switchedTerminal(callingNumber: String?, line: Line?, resource: Resource) -> String {
        var parts = ["calling number \(callingNumber ?? "?")"]
        if let id = line?.nodeID { parts.append("XID \(id)") }
        parts.append("LUs \(lus(of: resource.name).map { String($0.address) }.joined(separator: ","))")
        return parts.joined(separator: ", ")
    }
}

func hex(_ value: UInt8) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return "0x" + (text.count < 2 ? "0" + text : text)
}
