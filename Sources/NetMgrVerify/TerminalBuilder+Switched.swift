import NetMgrCore

extension TerminalBuilder {
    /// Switched path: one terminal per resource when the definitions tell which line the calls
    /// belong to (by XID node id), else per XID node id (what the host's switched major node
    /// matches its PU by). Episodes are the calls that activated LUs; a call that did not is an
    /// attempt; a boundary lies between consecutive calls of one terminal.
    func terminals(fromSwitched calls: [SwitchedCallFacts]) -> [Terminal] {
        var order: [String] = []
        var groups: [String: [SwitchedCallFacts]] = [:]
        var resources: [String: Resource] = [:]
        for call in calls.sorted(by: { $0.index < $1.index }) {
            var key = "xid:" + (call.nodeID ?? "unseen")
            if let resource = resolver.switchedResource(kind: call.kind, nodeID: call.nodeID) {
                key = "resource:" + resource.name
                resources[key] = resource
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(call)
        }
        return order.map { key in
            switchedTerminal(key: key, resource: resources[key], calls: groups[key] ?? [])
        }
    }

    private func switchedTerminal(key: String, resource: Resource?, calls: [SwitchedCallFacts]) -> Terminal {
        let kind = calls.first?.kind ?? "dialup"
        let resolution = resource.map { resolver.resolve(switched: $0) } ?? PromiseResolver.Resolution(promise: resolver.expected(), resource: nil, notes: [])
        var notes = resolution.notes
        let active = calls.filter { !$0.lus.isEmpty }
        func address(_ call: SwitchedCallFacts) -> TerminalAddress {
            .switched(kind: call.kind, number: call.terminalNumber, station: call.station, nodeID: call.nodeID, lus: call.lus)
        }
        let episodes = active.enumerated().map { offset, call in
            Episode(
                index: offset + 1, connection: nil, link: call.index, address: address(call),
                start: call.connected ?? call.setUp, ended: call.ended, endReason: call.endReason, endedBy: nil,
                firstData: call.firstData, lastData: call.lastData)
        }
        let attempts = calls.filter { $0.lus.isEmpty }.map { call in
            var reasons: [String] = []
            if let result = call.modemResult { reasons.append(result) }
            if let cause = call.cause { reasons.append("cause \(cause) (\(call.causeName ?? "?"))") }
            return Attempt(
                connection: nil, link: call.index, address: address(call), time: call.setUp,
                outcome: call.connected == nil ? "call-not-connected" : "no-lu-activated", reasons: reasons)
        }
        let definedNodeID = resource.flatMap { resolver.line(of: $0) }?.nodeID?.description
        var boundaries: [FailoverBoundary] = []
        for i in episodes.indices.dropLast() {
            let before = active[i], after = active[i + 1]
            let between = calls.filter { $0.lus.isEmpty && $0.index > before.index && $0.index < after.index }
            var b = boundary(
                index: i + 1, before: episodes[i], after: episodes[i + 1],
                lastDataBefore: before.lastData ?? episodes[i].start,
                firstDataAfter: after.firstData ?? after.firstBound ?? episodes[i + 1].start,
                closed: before.endReason == "capture-end" ? nil : before.ended, bound: after.firstBound,
                between: between.count, reasons: between.map { "call \($0.index): " + ($0.modemResult ?? $0.causeName ?? "no LU activated") },
                promise: resolution.promise, resource: resolution.resource)
            // △ on ISDN means a different calling number and the same (defined) PU: another
            // number with another XID is not the terminal the host's switched major node knows.
            if b.verdict == .kept, resolution.promise?.expected == .different {
                if before.terminalNumber == after.terminalNumber {
                    b.verdict = .broken
                    b.explanation = "promised a different calling number, but the host saw \(after.terminalNumber ?? "?") before and after"
                } else if let defined = definedNodeID, after.nodeID != defined {
                    b.verdict = .broken
                    b.explanation = "the calling number changed, but XID node id \(after.nodeID ?? "unseen") after the boundary is not the defined \(defined)"
                } else if before.nodeID != after.nodeID {
                    b.notes.append("XID node id \(before.nodeID ?? "?") → \(after.nodeID ?? "?")")
                }
            }
            boundaries.append(b)
        }
        if let resource = resolution.resource, let line = resolver.line(of: resource) {
            notes += definitionNotes(line: line, resource: resource, episodes: episodes)
        }
        let name: String
        if let resource {
            name = "\(kind == "isdn" ? "ISDN" : "dial-up") calls of resource \(resource.name)"
        } else {
            name = "\(kind == "isdn" ? "ISDN" : "dial-up") calls with XID \(key.hasPrefix("xid:") ? String(key.dropFirst(4)) : "?")"
        }
        return Terminal(
            kind: kind, name: name, host: nil, lu: nil, station: calls.compactMap(\.station).first,
            promise: resolution.promise, episodes: episodes, attempts: attempts, boundaries: boundaries, notes: notes)
    }
}

extension PromiseResolver {
    /// The resource of switched calls: of the resources on `hdlc-public` (dial-up) or
    /// `hdlc-isdn` lines, the one whose line has this XID node id; else the only one. Nil
    /// without definitions or when none fits.
    func switchedResource(kind: String, nodeID: String?) -> Resource? {
        guard let definitions else { return nil }
        let procedure: Procedure = kind == "isdn" ? .hdlcISDN : .hdlcPublic
        let candidates = definitions.resources.filter { definitions.line(named: $0.line)?.procedure == procedure }
        if let nodeID {
            let byNode = candidates.filter { definitions.line(named: $0.line)?.nodeID?.description.uppercased() == nodeID.uppercased() }
            if byNode.count == 1 { return byNode[0] }
        }
        return candidates.count == 1 ? candidates[0] : nil
    }

    func resolve(switched resource: Resource) -> Resolution {
        guard let definitions else { return Resolution(promise: expected(), resource: nil) }
        return Resolution(promise: fact(definitions.promise(for: resource), source: "definitions"), resource: resource)
    }
}
