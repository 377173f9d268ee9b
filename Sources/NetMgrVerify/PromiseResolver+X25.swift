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
