import NetMgrCore

extension TerminalBuilder {
    /// X.25 path: one terminal per host DTE address (what the node calls); a call that
    /// activated no LU is an attempt. Episodes are the calls with active LUs, so a failover
    /// boundary lies between the dead node's call and the standby's.
    func terminals(from calls: [X25CallFacts]) -> [Terminal] {
        var order: [String] = []
        var groups: [String: [X25CallFacts]] = [:]
        for call in calls.sorted(by: { $0.index < $1.index }) {
            if groups[call.hostAddress] == nil { order.append(call.hostAddress) }
            groups[call.hostAddress, default: []].append(call)
        }
        return order.map { x25Terminal(hostDTE: $0, calls: groups[$0] ?? []) }
    }

    private func x25Terminal(hostDTE: String, calls: [X25CallFacts]) -> Terminal {
        let resolution = resolver.resolve(hostDTE: hostDTE)
        var notes = resolution.notes
        let active = calls.filter { !$0.activeLUs.isEmpty }
        func address(_ call: X25CallFacts) -> TerminalAddress {
            .x25(dteAddress: call.terminalAddress, nodeID: call.nodeID, lus: call.activeLUs)
        }
        let episodes = active.enumerated().map { offset, call in
            Episode(
                index: offset + 1, connection: nil, link: call.index, address: address(call),
                start: call.connected ?? call.callRequested, ended: call.ended, endReason: call.endReason, endedBy: nil,
                firstData: call.firstData, lastData: call.lastData)
        }
        let attempts = calls.filter { $0.activeLUs.isEmpty }.map { call in
            var reasons = call.lus.compactMap { lu in lu.activationSense.map { "ACTLU LU \(lu.address) sense \($0)" } }
            if let cause = call.clearCause {
                reasons.append("cleared by \(call.clearedBy ?? "?"): cause \(cause) (\(call.clearCauseName ?? "?"))")
            }
            return Attempt(
                connection: nil, link: call.index, address: address(call), time: call.callRequested,
                outcome: call.connected == nil ? "call-not-connected" : "no-lu-activated", reasons: reasons)
        }
        var boundaries: [FailoverBoundary] = []
        for i in episodes.indices.dropLast() {
            let before = active[i], after = active[i + 1]
            let between = calls.filter { $0.activeLUs.isEmpty && $0.index > before.index && $0.index < after.index }
            boundaries.append(boundary(
                index: i + 1, before: episodes[i], after: episodes[i + 1],
                lastDataBefore: before.lastData ?? episodes[i].start,
                firstDataAfter: after.firstData ?? after.firstBound ?? episodes[i + 1].start,
                closed: before.endReason == "capture-end" ? nil : before.ended, bound: after.firstBound,
                between: between.count, reasons: between.map { "call \($0.index): no LU activated" },
                promise: resolution.promise, resource: resolution.resource))
        }
        if let resource = resolution.resource, let line = resolver.line(of: resource) {
            notes += definitionNotes(line: line, resource: resource, episodes: episodes)
            if let defined = line.x25.dteAddress {
                for episode in episodes where episode.address.dteAddress != defined {
                    notes.append("episode \(episode.index): calling DTE address \(episode.address.dteAddress ?? "?") is not the line's dte-address \(defined) (line \(line.name))")
                }
            }
        }
        return Terminal(
            kind: "x25", name: "calls to DTE \(hostDTE)", host: nil, lu: nil, station: nil,
            promise: resolution.promise, episodes: episodes, attempts: attempts, boundaries: boundaries, notes: notes)
    }
}
