import NetMgrCore
import NetMgrProtocol

/// What a definitions reload did, resource by resource (for the log).
struct ReloadOutcome: Sendable, Equatable {
    var taken: [String] = []
    var added: [String] = []
    var removed: [String] = []
    /// Changes left out, each with why.
    var refused: [String] = []
}

extension Router {
    /// Takes a new, already validated definitions set (SIGHUP): changes to standby
    /// resources apply at once (their next activation uses them); changes to resources
    /// that are active, activating or deactivating are refused and their old facts kept,
    /// so nothing running is pulled from under a host session.
    @discardableResult
    func reload(_ new: Definitions) -> ReloadOutcome {
        var outcome = ReloadOutcome()
        let old = definitions
        guard new.node(named: node.name) != nil else {
            outcome.refused = ["node \(node.name) is not in the new definitions; nothing was taken"]
            logger.error("definitions reload refused: this node, \(node.name), is not in the new definitions")
            return outcome
        }
        func busy(_ name: String) -> Bool { resources[name].map { $0.machine.state != .standby } ?? false }
        let anyBusy = resourceOrder.contains(where: busy)

        var merged = new
        if Self.nodeFacts(old) != Self.nodeFacts(new) {
            merged.cluster.name = old.cluster.name
            merged.cluster.nodes = old.cluster.nodes
            outcome.refused.append("cluster name and nodes: a change takes a restart of netmgrd (its listener, peer connections and own address)")
        }
        if old.cluster.lineSwitch != new.cluster.lineSwitch, anyBusy {
            merged.cluster.lineSwitch = old.cluster.lineSwitch
            outcome.refused.append("line-switch: unchanged while resources are active (\(resourceOrder.filter(busy).joined(separator: ", ")))")
        }
        for name in resourceOrder where busy(name) && Self.facts(of: name, in: old) != Self.facts(of: name, in: merged) {
            Self.restore(name, from: old, into: &merged)
            outcome.refused.append("\(name): changed, but it is \(resources[name]!.machine.state); deactivate it and reload again")
        }
        for (section, names) in Self.duplicateNames(merged) {
            let text = "the reload moves \(section) \(names.joined(separator: ", ")) between a busy and a standby resource"
            outcome.refused = [text + "; nothing was taken"]
            logger.error("definitions reload refused: \(text)")
            return outcome
        }

        for name in resourceOrder where merged.resource(named: name) == nil {
            let runtime = resources[name]!
            if runtime.lus.values.contains(where: { $0.owner != nil }) {
                outcome.refused.append("\(name): removed, but clients have sessions on it; kept")
                Self.restore(name, from: old, into: &merged)
            }
        }
        for name in resourceOrder where merged.resource(named: name) == nil {
            resources[name] = nil
            outcome.removed.append(name)
        }
        resourceOrder.removeAll { resources[$0] == nil }
        for resource in merged.resources {
            let group = merged.group(carrying: resource.name)?.name ?? "-"
            let fresh = ResourceRuntime(resource: resource, group: group, lus: merged.lus(of: resource.name))
            guard let current = resources[resource.name] else {
                resources[resource.name] = fresh
                resourceOrder.append(resource.name)
                outcome.added.append(resource.name)
                broadcast(.resource(name: resource.name, state: .standby, epoch: 0, node: node.name))
                continue
            }
            guard Self.facts(of: resource.name, in: old) != Self.facts(of: resource.name, in: merged) else { continue }
            // Standby here: keep what the cluster taught it (epochs) and the client sessions.
            fresh.machine = current.machine
            for (name, lu) in fresh.lus {
                guard let previous = current.lus[name] else { continue }
                lu.owner = previous.owner
                lu.lastOwnerName = previous.lastOwnerName
                lu.generation = previous.generation
                lu.hostSequence = previous.hostSequence
            }
            for (name, lu) in current.lus where fresh.lus[name] == nil {
                // The LU is gone: its session must end where the client can see it.
                guard let owner = lu.owner else { continue }
                owner.connection.sessions[owner.session] = nil
                owner.connection.send(.error(session: owner.session, code: .unknownLU, sequence: 0,
                                             message: "LU \(name) of \(resource.name) was removed from the definitions by a reload"))
                owner.connection.send(.closed(session: owner.session))
                metrics.sessions(delta: -1)
            }
            resources[resource.name] = fresh
            outcome.taken.append(resource.name)
        }
        outcome.refused += tnServer?.reload(&merged) ?? []  // issue 15 part 3: TNServer+Reload.swift
        definitions = merged
        closeUnauthorisedSessions()

        if !outcome.taken.isEmpty || !outcome.added.isEmpty || !outcome.removed.isEmpty {
            logger.notice("definitions reloaded: changed \(Self.list(outcome.taken)), added \(Self.list(outcome.added)), removed \(Self.list(outcome.removed))")
        } else if outcome.refused.isEmpty {
            logger.notice("definitions reloaded: nothing changed")
        }
        for refusal in outcome.refused { logger.warning("definitions reload: refused \(refusal)") }
        return outcome
    }

    private static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: " ") }

    /// Everything about a resource that its host side depends on, locations left out.
    static func facts(of name: String, in definitions: Definitions) -> String {
        guard let resource = definitions.resource(named: name) else { return "" }
        let group = definitions.group(carrying: name)
        return [
            factsText(resource),
            factsText(definitions.lus(of: name)),
            factsText(definitions.line(named: resource.line) as Any),
            group?.name ?? "-", factsText(group?.vip as Any),
            nodeFacts(definitions), factsText(definitions.cluster.lineSwitch as Any),
        ].joined(separator: "\n")
    }

    static func nodeFacts(_ definitions: Definitions) -> String {
        definitions.cluster.name + factsText(definitions.cluster.nodes)
    }

    /// A value's contents by reflection, without source locations, dictionaries sorted:
    /// moving an entry within a file is not a change, and new keys are compared too.
    static func factsText(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        guard !mirror.children.isEmpty else { return String(describing: value) }
        var parts = mirror.children.compactMap { child -> String? in
            guard child.label != "location", child.label != "fields" else { return nil }
            return "\(child.label ?? ""):\(factsText(child.value))"
        }
        if mirror.displayStyle == .dictionary || mirror.displayStyle == .set { parts.sort() }
        return "\(mirror.subjectType)(\(parts.joined(separator: ",")))"
    }

    /// Puts `name`'s old resource, LUs, line and group back into `merged`.
    private static func restore(_ name: String, from old: Definitions, into merged: inout Definitions) {
        guard let resource = old.resource(named: name) else { return }
        merged.resources.removeAll { $0.name == name }
        merged.resources.append(resource)
        merged.lus.removeAll { $0.resource == name }
        merged.lus += old.lus(of: name)
        if let line = old.line(named: resource.line) {
            merged.lines.removeAll { $0.name == line.name }
            merged.lines.append(line)
        }
        if let group = old.group(carrying: name) {
            merged.cluster.groups.removeAll { $0.name == group.name || $0.resources.contains(name) }
            merged.cluster.groups.append(group)
        }
    }

    private static func duplicateNames(_ definitions: Definitions) -> [(String, [String])] {
        func duplicates(_ names: [String]) -> [String] {
            Dictionary(grouping: names, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        }
        return [
            ("resources", duplicates(definitions.resources.map(\.name))),
            ("LUs", duplicates(definitions.lus.map(\.name))),
            ("lines", duplicates(definitions.lines.map(\.name))),
            ("groups", duplicates(definitions.cluster.groups.map(\.name))),
        ].filter { !$0.1.isEmpty }
    }
}
