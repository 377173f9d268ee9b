import NetMgrCore

extension TerminalBuilder {
    /// BDLC path: one terminal per resource (from the definitions: the resource whose line
    /// has a node with the station's `bdlc-address`); without definitions, the stations
    /// whose blocks name a common LU local address are taken for one terminal. Each stretch
    /// of a station's activity that carried text blocks is an episode (the others are
    /// attempts), in order of their first block; a boundary lies between consecutive
    /// episodes. Fills in each station's line, node and resource from the definitions.
    func terminals(fromBasicMode stations: inout [BasicModeStationFacts]) -> [Terminal] {
        var owners: [Int: PromiseResolver.BasicModeOwner] = [:]
        for i in stations.indices {
            let owner = resolver.basicModeOwner(station: stations[i].stationAddress, line: stations[i].line)
            owners[stations[i].index] = owner
            stations[i].definedLine = owner.line
            stations[i].node = owner.node
            stations[i].resource = owner.resource?.name
        }

        // Groups: by resource, else by shared LU addresses, else the station alone.
        var groups: [[BasicModeStationFacts]] = []
        var resourceGroup: [String: Int] = [:]
        for station in stations {
            if let resource = station.resource {
                if let g = resourceGroup[resource] {
                    groups[g].append(station)
                } else {
                    resourceGroup[resource] = groups.count
                    groups.append([station])
                }
                continue
            }
            let sharing = groups.indices.first { g in
                groups[g].allSatisfy { $0.resource == nil } && groups[g].contains { !Set($0.lus).isDisjoint(with: station.lus) }
            }
            if let g = sharing {
                groups[g].append(station)
            } else {
                groups.append([station])
            }
        }
        return groups.map { basicModeTerminal($0, owners: owners) }
    }

    private func basicModeTerminal(_ stations: [BasicModeStationFacts], owners: [Int: PromiseResolver.BasicModeOwner]) -> Terminal {
        let resource = stations.first?.resource.flatMap { name in resolver.definitions?.resources.first { $0.name == name } }
        let resolution = resolver.resolve(basicModeResource: resource)
        var notes: [String] = []
        for station in stations {
            for note in owners[station.index]?.notes ?? [] { notes.append("station \(station.station) on line \(station.line): \(note)") }
            // Decoded in one coding while the definitions give the other: the line is set up wrong.
            if let name = station.definedLine, let line = resolver.definitions?.line(named: name),
               station.answers > 0, line.coding.rawValue != station.coding {
                notes.append("station \(station.station) on line \(station.line) spoke \(station.coding), but the definitions give line \(name) coding: \(line.coding.rawValue)")
            }
        }
        if resource == nil, stations.count > 1 {
            notes.append("no definitions tie these stations to one resource: taken together because their blocks name the same LU local addresses")
        }

        struct Stretch {
            var station: BasicModeStationFacts
            var activity: BasicModeActivity
            var address: TerminalAddress
        }
        var stretches: [Stretch] = []
        for station in stations {
            for activity in station.activities {
                stretches.append(Stretch(
                    station: station, activity: activity,
                    address: .bdlc(station: station.station, line: station.line, node: station.node, lus: activity.lus)))
            }
        }
        let carrying = stretches.filter { $0.activity.blocks > 0 }
            .sorted { ($0.activity.firstText ?? $0.activity.start, $0.station.index) < ($1.activity.firstText ?? $1.activity.start, $1.station.index) }
        let idle = stretches.filter { $0.activity.blocks == 0 }.sorted { $0.activity.start < $1.activity.start }

        let episodes = carrying.enumerated().map { offset, s in
            Episode(
                index: offset + 1, connection: nil, link: nil, address: s.address, start: s.activity.start,
                ended: s.activity.ended, endReason: s.activity.endReason, endedBy: nil,
                firstData: s.activity.firstText, lastData: s.activity.lastText, station: s.station.index)
        }
        let attempts = idle.map { s in
            Attempt(
                connection: nil, link: nil, address: s.address, time: s.activity.start, outcome: "no-text",
                reasons: ["answered \(s.activity.answers) time(s), carried no text block"])
        }
        var boundaries: [FailoverBoundary] = []
        for i in episodes.indices.dropLast() {
            let before = carrying[i], after = carrying[i + 1]
            let bound = after.activity.firstText ?? after.activity.start
            let between = idle.filter { $0.activity.start > (before.activity.firstText ?? before.activity.start) && $0.activity.start <= bound }
            var b = boundary(
                index: i + 1, before: episodes[i], after: episodes[i + 1],
                lastDataBefore: before.activity.lastText ?? before.activity.ended, firstDataAfter: bound,
                closed: before.activity.endReason == "capture-end" ? nil : before.activity.ended, bound: bound,
                between: between.count, reasons: between.map { "station \($0.station.station) line \($0.station.line): answered, no text" },
                promise: resolution.promise, resource: resolution.resource)
            if before.station.line != after.station.line {
                b.notes.append("line \(before.station.line) → \(after.station.line)")
            }
            boundaries.append(b)
        }
        if let resource {
            let defined = Set(resolver.lus(of: resource).map { Int($0.address) })
            let seen = Set(stations.flatMap(\.lus))
            let strangers = seen.subtracting(defined).sorted()
            if !defined.isEmpty, !strangers.isEmpty {
                notes.append("blocks for LU address\(strangers.count == 1 ? "" : "es") \(strangers.map(String.init).joined(separator: ",")), which resource \(resource.name) does not define")
            }
        }
        let name: String
        if let resource {
            name = "resource \(resource.name)"
        } else {
            let lus = Set(stations.flatMap(\.lus)).sorted()
            name = lus.isEmpty
                ? stations.map { "station \($0.station) line \($0.line)" }.joined(separator: ", ")
                : "LUs \(lus.map(String.init).joined(separator: ",")) (stations \(stations.map(\.station).joined(separator: ", ")))"
        }
        return Terminal(
            kind: "bdlc", name: name, host: nil, lu: nil, station: stations.count == 1 ? stations[0].station : nil,
            promise: resolution.promise, episodes: episodes, attempts: attempts, boundaries: boundaries, notes: notes)
    }
}
