import NetMgrCore

/// Groups connection and link facts into terminals, splits each into episodes at every
/// new bind, and judges each boundary against the terminal's promise.
struct TerminalBuilder {
    let resolver: PromiseResolver

    // MARK: IP path

    /// One terminal per (host endpoint, LU name), split further when several terminals
    /// used one name at once (a pool or a Hercules terminal group); connections that
    /// never named an LU and never bound are left out (they stay in the connection list).
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
        return order.flatMap { key -> [Terminal] in
            let pool = key.lu.map { resolver.isPool(host: key.host, name: $0) } ?? false
            let single = key.lu.map { resolver.isSingleLU(host: key.host, name: $0) } ?? false
            let users = single ? [groups[key]!] : Self.users(of: groups[key]!, pool: pool)
            guard users.count > 1 else { return [ipTerminal(host: key.host, lu: key.lu, connections: groups[key]!)] }
            return users.enumerated().map { index, connections in
                ipTerminal(host: key.host, lu: key.lu, connections: connections, user: (index + 1, users.count, pool))
            }
        }
    }

    /// Splits the connections of one name into its concurrent users, by time and client
    /// address. A bound connection continues the chain of an earlier one unless that one
    /// was still alive at the new bind: the terminal sent on it afterwards, or later closed
    /// it in order (FIN from the terminal); for a pool the definitions name, also when it
    /// was still open at the end of the capture. A dead node's connection (reset, closed by
    /// the host, or silent) is the earlier side of a failover, not another user. Among the
    /// chains it may continue, one whose last connection closed before the bind is
    /// preferred, then one from the same client address, then the one that ended first.
    /// Attempts join the chain of their client address.
    static func users(of connections: [ConnectionFacts], pool: Bool) -> [[ConnectionFacts]] {
        var chains: [[ConnectionFacts]] = []
        var pending: [ConnectionFacts] = []  // attempts before any bind
        func alive(_ earlier: ConnectionFacts, at time: ReportTime) -> Bool {
            guard let bound = earlier.bound, bound <= time, earlier.endReason == .captureEnd || earlier.ended > time else { return false }
            if let last = earlier.lastFromClient, last > time { return true }
            if earlier.endReason == .fin && earlier.endedBy == .client { return true }
            return pool && earlier.endReason == .captureEnd
        }
        for connection in connections {
            guard let bound = connection.bound else {
                if let index = chains.lastIndex(where: { $0.last { $0.isBound }?.client.address == connection.client.address }) {
                    chains[index].append(connection)
                } else if chains.isEmpty {
                    pending.append(connection)
                } else {
                    chains[chains.count - 1].append(connection)
                }
                continue
            }
            let free = chains.indices.filter { index in
                guard let last = chains[index].last(where: \.isBound) else { return true }
                return !alive(last, at: bound)
            }
            // Closed before the bind first (a chain whose last connection is merely silent
            // may be another user), then the same client address, then the first to end.
            let best = free.min { a, b in
                func rank(_ index: Int) -> (Int, Int, ReportTime) {
                    guard let last = chains[index].last(where: \.isBound) else { return (0, 0, bound) }
                    return (last.endReason != .captureEnd && last.ended <= bound ? 0 : 1, last.client.address == connection.client.address ? 0 : 1, last.ended)
                }
                return rank(a) < rank(b)
            }
            if let index = best {
                chains[index].append(connection)
            } else {
                chains.append(pending + [connection])
                pending = []
            }
        }
        if !pending.isEmpty { chains.append(pending) }
        return chains
    }

    private func ipTerminal(host: EndpointFact, lu: String?, connections: [ConnectionFacts],
                            user: (index: Int, of: Int, pool: Bool)? = nil) -> Terminal {
        let resolution = resolver.resolve(host: host, lu: lu)
        var notes = resolution.notes
        if let user, let lu {
            notes.append("\(user.of) terminals used \(user.pool ? "pool" : "the name") \(lu) at once; this is user \(user.index), its connections told apart by time and client address")
        }
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
                outcome: c.closedWithoutInput ? "closed-without-input"
                    : !c.rejects.isEmpty ? "rejected" : (c.endReason == .captureEnd ? "open-at-capture-end" : "closed-before-bind"),
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
            kind: "ip", name: "\(lu ?? "(unnamed LU)") at \(host)" + (user.map { ", user \($0.index) of \($0.of)" } ?? ""), host: host, lu: lu, station: nil,
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
    func definitionNotes(line: Line, resource: Resource, episodes: [Episode]) -> [String] {
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

    func boundary(
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
