import NetMgrCore

/// Groups connection and link facts into terminals, splits each into episodes at every
/// new bind, and judges each boundary against the terminal's promise.
struct TerminalBuilder {
    let resolver: PromiseResolver

    // MARK: IP path

    /// One terminal per (host endpoint, LU name); connections that never named an LU
    /// and never bound are left out (they stay in the connection list).
    func terminals(from connections: [ConnectionFacts]) -> [Terminal] {
        struct Key: Hashable {
            var host: EndpointFact
            var lu: String?
        }
        var order: [Key] = []
        var groups: [Key: [ConnectionFacts]] = [:]
        for connection in connections.sorted(by: { ($0.opened, $0.id) < ($1.opened, $1.id) }) {
            let lu = connection.luName?.uppercased()
            guard lu != nil || connection.isBound else { continue }
            let key = Key(host: connection.host, lu: lu)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(connection)
        }
        return order.map { ipTerminal(host: $0.host, lu: $0.lu, connections: groups[$0]!) }
    }

    private func ipTerminal(host: EndpointFact, lu: String?, connections: [ConnectionFacts]) -> Terminal {
        let resolution = resolver.resolve(host: host, lu: lu)
        var notes = resolution.notes
        let bound = connections.filter(\.isBound).sorted { ($0.bound!, $0.id) < ($1.bound!, $1.id) }
        let episodes = bound.enumerated().map { offset, c in
            Episode(
                index: offset + 1, connection: c.id, link: nil, address: .ip(c.client.address, port: c.client.port),
                start: c.bound!, ended: c.ended, endReason: c.endReason.rawValue, endedBy: c.endedBy,
                firstData: c.firstRecord, lastData: c.lastRecord)
        }
        let attempts = connections.filter { !$0.isBound }.map { c in
            Attempt(
                connection: c.id, link: nil, address: .ip(c.client.address, port: c.client.port), time: c.opened,
                outcome: !c.rejects.isEmpty ? "rejected" : (c.endReason == .captureEnd ? "open-at-capture-end" : "closed-before-bind"),
                reasons: c.rejects.map(\.reason))
        }
        var boundaries: [FailoverBoundary] = []
        if lu == nil {
            if episodes.count > 1 {
                notes.append("the LU was never named on the wire (basic TN3270 without @LU): connections cannot be tied to one terminal, so no boundaries are judged")
            }
        } else {
            for i in episodes.indices.dropLast() {
                let before = bound[i], after = bound[i + 1]
                let between = connections.filter { !$0.isBound && $0.opened > before.bound! && $0.opened <= after.bound! }
                boundaries.append(boundary(
                    index: i + 1, before: episodes[i], after: episodes[i + 1],
                    lastDataBefore: before.lastRecord ?? before.bound!, firstDataAfter: after.firstRecord ?? after.bound!,
                    closed: before.endReason == .captureEnd ? nil : before.ended, bound: after.bound,
                    between: between.count, reasons: between.flatMap { $0.rejects.map(\.reason) }
                        + between.filter { $0.rejects.isEmpty }.map { _ in "closed before bind" },
                    promise: resolution.promise, resource: resolution.resource))
            }
        }
        if let last = bound.last {
            let late = connections.filter { !$0.isBound && $0.opened > last.bound! }
            if !late.isEmpty {
                let reasons = Set(late.flatMap { $0.rejects.map(\.reason) }).sorted()
                notes.append("\(late.count) attempt(s) after the last bind did not get the LU\(reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))")")
            }
        } else if !attempts.isEmpty {
            notes.append("the LU was never granted: \(attempts.count) attempt(s)")
        }
        return Terminal(
            kind: "ip", name: "\(lu ?? "(unnamed LU)") at \(host)", host: host, lu: lu, station: nil,
            promise: resolution.promise, episodes: episodes, attempts: attempts, boundaries: boundaries, notes: notes)
    }

    // MARK: Line path

    /// One terminal per station address; a link that activated no LU is an attempt.
    func terminals(from links: [SDLCLinkFacts]) -> [Terminal] {
        var order: [Int] = []
        var groups: [Int: [SDLCLinkFacts]] = [:]
        for link in links.sorted(by: { $0.index < $1.index }) {
            if groups[link.stationAddress] == nil { order.append(link.stationAddress) }
            groups[link.stationAddress, default: []].append(link)
        }
        return order.map { lineTerminal(station: $0, links: groups[$0]!) }
    }

    private func lineTerminal(station: Int, links: [SDLCLinkFacts]) -> Terminal {
        let resolution = resolver.resolve(station: station)
        var notes = resolution.notes
        let active = links.filter { !$0.activeLUs.isEmpty }
        func address(_ link: SDLCLinkFacts) -> TerminalAddress {
            .sdlc(station: link.station, nodeID: link.nodeID, lus: link.activeLUs)
        }
        let episodes = active.enumerated().map { offset, link in
            Episode(
                index: offset + 1, connection: nil, link: link.index, address: address(link),
                start: link.established ?? link.contactStarted ?? link.lus.compactMap(\.firstData).min() ?? link.ended,
                ended: link.ended, endReason: link.endReason.rawValue, endedBy: nil,
                firstData: link.firstData, lastData: link.lastData)
        }
        let attempts = links.filter { $0.activeLUs.isEmpty }.map { link in
            Attempt(
                connection: nil, link: link.index, address: address(link),
                time: link.established ?? link.contactStarted ?? link.ended, outcome: "no-lu-activated",
                reasons: link.lus.compactMap { lu in lu.activationSense.map { "ACTLU LU \(lu.address) sense \($0)" } })
        }
        var boundaries: [FailoverBoundary] = []
        for i in episodes.indices.dropLast() {
            let before = active[i], after = active[i + 1]
            let between = links.filter { $0.activeLUs.isEmpty && $0.index > before.index && $0.index < after.index }
            boundaries.append(boundary(
                index: i + 1, before: episodes[i], after: episodes[i + 1],
                lastDataBefore: before.lastData ?? episodes[i].start, firstDataAfter: after.firstData ?? after.firstBound ?? episodes[i + 1].start,
                closed: before.endReason == .captureEnd ? nil : before.ended, bound: after.firstBound,
                between: between.count, reasons: between.map { "link \($0.index): no LU activated" },
                promise: resolution.promise, resource: resolution.resource))
        }
        if let resource = resolution.resource, let line = resolver.line(of: resource) {
            notes += definitionNotes(line: line, resource: resource, episodes: episodes)
        }
        let hex = SDLCStationState.hex(UInt8(truncatingIfNeeded: station))
        return Terminal(
            kind: "sdlc", name: "station \(hex)", host: nil, lu: nil, station: hex,
            promise: resolution.promise, episodes: episodes, attempts: attempts, boundaries: boundaries, notes: notes)
    }

    /// Where what the host saw differs from what the definitions say the line carries.
    private func definitionNotes(line: Line, resource: Resource, episodes: [Episode]) -> [String] {
        var notes: [String] = []
        let definedLUs = resolver.lus(of: resource).map { Int($0.address) }.sorted()
        for episode in episodes {
            if let defined = line.nodeID?.description, let seen = episode.address.nodeID, defined != seen {
                notes.append("episode \(episode.index): XID node id \(seen) is not the defined \(defined) (line \(line.name))")
            }
            let seen = episode.address.lus ?? []
            if !definedLUs.isEmpty, seen != definedLUs {
                notes.append("episode \(episode.index): active LUs \(seen.map(String.init).joined(separator: ",")) differ from the defined \(definedLUs.map(String.init).joined(separator: ",")) (resource \(resource.name))")
            }
        }
        return notes
    }

    // MARK: Boundaries

    private func boundary(
        index: Int, before: Episode, after: Episode, lastDataBefore: ReportTime, firstDataAfter: ReportTime,
        closed: ReportTime?, bound: ReportTime?, between: Int, reasons: [String], promise: PromiseFact?, resource: Resource?
    ) -> FailoverBoundary {
        let (differences, unknown) = before.address.compare(with: after.address)
        let same = differences.isEmpty && unknown.isEmpty
        var notes: [String] = unknown.map { "unknown: \($0)" }
        var overlap = false
        var closeToBind: Double?
        if let bound {
            if let closed, closed <= bound {
                closeToBind = bound.seconds(since: closed)
            } else {
                overlap = true
                notes.append(closed == nil
                    ? "the earlier \(before.connection != nil ? "connection" : "link") was still open at the end of the capture"
                    : "the earlier \(before.connection != nil ? "connection" : "link") closed \(format(closed!.seconds(since: bound))) s after the new bind")
            }
        }
        let verdict: Verdict
        let explanation: String
        switch promise?.expected {
        case nil:
            verdict = .unchecked
            explanation = same ? "the host saw the same address; no promise to check" : "the host saw a different address; no promise to check"
        case .same?:
            if !differences.isEmpty {
                verdict = .broken
                explanation = "promised the same terminal, but the host saw \(differences.joined(separator: "; "))"
            } else if !unknown.isEmpty {
                verdict = .undetermined
                explanation = "promised the same terminal; what was seen matches, but the capture lacks the \(unknown.joined(separator: ", "))"
            } else {
                verdict = .kept
                explanation = "the host saw the same terminal (\(after.address)) before and after"
            }
        case .different?:
            if !differences.isEmpty {
                verdict = .kept
                explanation = "the host saw a different terminal: \(differences.joined(separator: "; "))"
            } else if !unknown.isEmpty {
                verdict = .undetermined
                explanation = "promised a different terminal; what was seen matches, and the capture lacks the \(unknown.joined(separator: ", "))"
            } else if let ip = after.address.ip, let node = resolver.node(withAddress: ip), resource?.ownAddress == .nodeAddress {
                verdict = .notFailover
                explanation = "both connections came from \(node)'s real address \(ip): the same node reconnected, not a failover"
            } else {
                verdict = .broken
                explanation = "promised a different terminal, but the host saw the same address \(after.address) before and after"
            }
        }
        if let resource, let vip = resolver.vipAddress(of: resource) {
            for (side, address) in [("before", before.address), ("after", after.address)] where address.ip != nil && address.ip != vip.address {
                let owner = resolver.node(withAddress: address.ip!).map { " (\($0)'s real address)" } ?? ""
                notes.append("\(side): source address \(address.ip!)\(owner) is not \(vip.name) \(vip.address)")
            }
        }
        return FailoverBoundary(
            index: index, before: before.address, after: after.address, sameAddress: same, differences: differences,
            lastDataBefore: lastDataBefore, firstDataAfter: firstDataAfter,
            dataOutageSeconds: firstDataAfter.seconds(since: lastDataBefore),
            closed: closed, bound: bound, closeToBindSeconds: closeToBind, overlap: overlap,
            attemptsBetween: between, reasonsBetween: reasons, verdict: verdict, explanation: explanation, notes: notes)
    }
}

func format(_ seconds: Double) -> String {
    let millis = (seconds * 1000).rounded()
    let sign = millis < 0 ? "-" : ""
    let value = abs(Int64(millis))
    let fraction = String(value % 1000)
    return "\(sign)\(value / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}
