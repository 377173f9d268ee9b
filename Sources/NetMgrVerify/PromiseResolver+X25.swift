import NetMgrCore

extension PromiseResolver {
    /// The resource of X.25 calls to the host at `hostDTE` (its `host: dte:DIGITS`); when
    /// several resources call that host, the one on an hdlc-packet line.
    func resolve(hostDTE: String) -> Resolution {
        var notes: [String] = []
        if let definitions {
            var resources = definitions.resources.filter { resource in
                if case .dte(let digits) = resource.host { return digits == hostDTE }
                return false
            }
            if resources.count > 1 {
                let packetLines = resources.filter { definitions.line(named: $0.line)?.procedure == .hdlcPacket }
                if !packetLines.isEmpty { resources = packetLines }
            }
            if resources.count == 1 {
                return Resolution(promise: fact(definitions.promise(for: resources[0]), source: "definitions"), resource: resources[0])
            }
            if resources.isEmpty {
                notes.append("no resource in the definitions has host dte:\(hostDTE)")
            } else {
                notes.append("several resources call host dte:\(hostDTE): \(resources.map(\.name).joined(separator: ", "))")
            }
        }
        return Resolution(promise: expected(), resource: nil, notes: notes)
    }
}

extension PromiseResolver {
    /// The resource that placed a call to `hostDTE` from `terminalDTE` with QXID `nodeID`,
    /// from the definitions: the only X.25 resource that calls that host (whatever address
    /// it called from: after a failover a changed calling DTE must stay the same terminal,
    /// so that the broken promise is reported), or of several the one whose line has that
    /// dte-address, else that node-id. Nil without definitions or when none fits.
    func x25Resource(hostDTE: String, terminalDTE: String, nodeID: String?) -> Resource? {
        guard let definitions else { return nil }
        var resources = definitions.resources.filter { resource in
            if case .dte(let digits) = resource.host { return digits == hostDTE }
            return false
        }
        if resources.count > 1 {
            let packetLines = resources.filter { definitions.line(named: $0.line)?.procedure == .hdlcPacket }
            if !packetLines.isEmpty { resources = packetLines }
        }
        if resources.count == 1 { return resources[0] }
        let byAddress = resources.filter { definitions.line(named: $0.line)?.x25.dteAddress == terminalDTE }
        if byAddress.count == 1 { return byAddress[0] }
        guard let nodeID else { return nil }
        let byNode = resources.filter { definitions.line(named: $0.line)?.nodeID?.description.uppercased() == nodeID.uppercased() }
        return byNode.count == 1 ? byNode[0] : nil
    }

    /// The promise of an X.25 resource the calls were tied to.
    func resolve(x25 resource: Resource) -> Resolution {
        guard let definitions else { return Resolution(promise: expected(), resource: nil) }
        return Resolution(promise: fact(definitions.promise(for: resource), source: "definitions"), resource: resource)
    }
}
