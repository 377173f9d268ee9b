import NetMgrCore

extension TerminalBuilder {
    /// X.25 path: one terminal per (host DTE, resource) when the definitions tell which
    /// resource placed a call, else per (host DTE, calling DTE); without definitions per
    /// host DTE (the calls cannot tell two terminals from one whose address changed). A call
    /// that activated no LU is an attempt. Episodes are the calls with active LUs, so a
    /// failover boundary lies between the dead node's call and the standby's.
    func terminals(from calls: [X25CallFacts]) -> [Terminal] {
        struct Key: Hashable {
            var host: String
            var resource: String?
            var calling: String?
        }
        var order: [Key] = []
        var groups: [Key: [X25CallFacts]] = [:]
        var resources: [String: Resource] = [:]
        for call in calls.sorted(by: { $0.index < $1.index }) {
            var key = Key(host: call.hostAddress)
            if resolver.definitions != nil {
                if let resource = resolver.x25Resource(hostDTE: call.hostAddress, terminalDTE: call.terminalAddress, nodeID: call.nodeID) {
                    key.resource = resource.name
                    resources[resource.name] = resource
                } else {
                    key.calling = call.terminalAddress
                }
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(call)
        }
        let perHost = Dictionary(grouping: order, by: \.host).mapValues(\.count)
        return order.map { key in
            var name = "calls to DTE \(key.host)"
            if perHost[key.host, default: 0] > 1 {
                if let resource = key.resource { name += " for \(resource)" } else if let calling = key.calling { name += " from DTE \(calling)" }
            }
            return x25Terminal(hostDTE: key.host, name: name, resource: key.resource.flatMap { resources[$0] }, calls: groups[key] ?? [])
        }
    }

    private func x25Terminal(hostDTE: String, name: String, resource: Resource?, calls: [X25CallFacts]) -> Terminal {
        let resolution = resource.map { resolver.resolve(x25: $0) } ?? resolver.resolve(hostDTE: hostDTE)
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
            kind: "x25", name: name, host: nil, lu: nil, station: nil,
            promise: resolution.promise, episodes: episodes, attempts: attempts, boundaries: boundaries, notes: notes)
    }
}
