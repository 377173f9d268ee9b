import Foundation
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators

/// Per LU: what the host saw before and after the failover, and what happened to its messages.
struct LUOutcome {
    let resource: String
    let lu: LU
    let promise: FailoverPromise
    let before: String?
    let after: String?
    let sent: Int
    let acked: Int
    let delivered: Int
    let lost: Int
    let duplicated: Int
    /// Kill → first message the host accepted on this LU afterwards, in seconds.
    let failoverTime: Double?

    var promiseKept: Bool {
        guard let before, let after else { return false }
        return promise == .same ? before == after : before != after
    }
}

struct DemoOutcome {
    var lus: [LUOutcome]
    var succeeded: Bool { lus.allSatisfy(\.promiseKept) && lus.allSatisfy { $0.lost == 0 } }
}

/// Everything the demo observed, and how it is told.
struct DemoStory {
    let cluster: LoopbackCluster
    var start: Double = 0
    var killTime: Double = 0
    var notes: [(time: Double, text: String)] = []
    var ledger = DeliveryLedger()
    var clientEvents: [(time: Double, text: String)] = []
    var journal: [HostJournalEntry] = []
    /// Why the host's traffic was not captured, when it was not.
    var captureSkipped: String?

    init(cluster: LoopbackCluster) {
        self.cluster = cluster
    }

    mutating func note(_ text: String, at time: Double = Date().timeIntervalSince1970) { notes.append((time, text)) }

    /// The journal entries that concern an LU: by host LU name on TN3270, by line
    /// station and LU local address on SDLC, by access line and LU local address on X.25,
    /// by XID node id and LU local address on dial-up and ISDN calls.
    func entries(for lu: LU, resource: Resource) -> [HostJournalEntry] {
        let definitions = cluster.definitions
        let line = definitions.line(named: resource.line)
        if line?.procedure == .hdlcLeased {
            let unit = line?.switchUnit?.description
            return journal.filter { $0.path == "sdlc" && $0.luAddress == Int(lu.address) && (unit == nil || $0.line == nil || $0.line == unit) }
        }
        if line?.procedure == .bdlc {
            // Each node's own line: "BSC1 line 1", "BSC1 line 2", ...
            return journal.filter { $0.path == "bdlc" && $0.luAddress == Int(lu.address) && ($0.line?.hasPrefix(resource.line + " line ") ?? false) }
        }
        if line?.procedure == .hdlcPacket {
            // The calling DTE, node id and LU address of the call on this access line.
            let unit = line?.switchUnit?.description
            return journal.filter { $0.path == "x25" && $0.luAddress == Int(lu.address) && (unit == nil || $0.line == nil || $0.line == unit) }
        }
        if let procedure = line?.procedure, procedure.isSwitchedCall {
            // The host's switched major node finds the PU by its XID node id, whichever number called.
            let path = procedure == .hdlcPublic ? "dialup" : "isdn"
            let id = line?.nodeID?.description
            return journal.filter { $0.path == path && $0.luAddress == Int(lu.address) && (id == nil || $0.nodeId == nil || $0.nodeId == id) }
        }
        return journal.filter { $0.path == "tn3270" && $0.lu == lu.hostLUName }
    }

    func evaluate() -> DemoOutcome {
        let definitions = cluster.definitions
        var outcomes: [LUOutcome] = []
        for resource in definitions.resources where definitions.group(carrying: resource.name) != nil {
            let promise = definitions.promise(for: resource).promise
            for lu in definitions.lus(of: resource.name) {
                let entries = entries(for: lu, resource: resource)
                let binds = entries.filter { $0.event == .bind }
                let before = binds.last { $0.time < killTime }?.terminalAddress
                let after = binds.first { $0.time > killTime }?.terminalAddress
                let messages = entries.filter { $0.event == .message }
                // The journal names the LU as the host knows it; the ledger as the client does.
                var ledger = self.ledger
                ledger.journaled(messages, as: lu.name)
                let tally = ledger.tally(lu: lu.name)
                // Where a different terminal is promised, the first message from it: a block the
                // dead node had already put on its own line can still reach the host just after
                // the kill.
                let firstAfter = messages.first { $0.time > killTime && (promise == .same || $0.terminalAddress != before) }?.time
                outcomes.append(LUOutcome(
                    resource: resource.name, lu: lu, promise: promise, before: before, after: after,
                    sent: tally.sent, acked: tally.acked, delivered: tally.delivered, lost: tally.lost,
                    duplicated: tally.duplicated, failoverTime: firstAfter.map { $0 - killTime }))
            }
        }
        return DemoOutcome(lus: outcomes)
    }

    func render(_ outcome: DemoOutcome) -> String {
        var out = "\n"

        // Timeline, relative to the kill.
        var timeline = notes + clientEvents
        for lu in outcome.lus {
            guard let resource = cluster.definitions.resource(named: lu.resource) else { continue }
            let entries = entries(for: lu.lu, resource: resource).filter { $0.time > killTime }
            if let bind = entries.first(where: { $0.event == .bind }) {
                timeline.append((bind.time, "host: \(lu.lu.name) bound to \(bind.terminalAddress)"))
            }
            if let message = entries.first(where: { $0.event == .message }) {
                timeline.append((message.time, "host: first message accepted on \(lu.lu.name) after the failover"))
            }
        }
        out += "Timeline (seconds from the kill)\n"
        for event in timeline.sorted(by: { $0.time < $1.time }) where event.time >= killTime - 0.5 {
            out += String(format: "  %+8.3f  ", event.time - killTime) + event.text + "\n"
        }

        out += "\nWhat the host saw, from its journal (○ same terminal promised, △ different terminal promised)\n"
        var seen = TextTable(["", "RESOURCE", "LU", "BEFORE THE FAILOVER", "AFTER THE FAILOVER", "VERDICT"])
        for lu in outcome.lus {
            let verdict = lu.after == nil ? "BROKEN: not bound again"
                : lu.promiseKept ? (lu.promise == .same ? "kept: same terminal" : "kept: different terminal")
                : "BROKEN: \(lu.promise == .same ? "the address changed" : "the address did not change")"
            seen.add([lu.promise.symbol, lu.resource, lu.lu.name, lu.before ?? "(none)", lu.after ?? "(none)", verdict])
        }
        out += seen.render(indent: "  ") + "\n"

        out += "\nMessages (sent by the client; accepted = acked to the client; delivered = in the host's journal)\n"
        var messages = TextTable(["RESOURCE", "LU", "SENT", "ACCEPTED", "DELIVERED", "LOST", "DUPLICATED"])
        for lu in outcome.lus where lu.lu.kind == .terminal {
            messages.add([lu.resource, lu.lu.name, "\(lu.sent)", "\(lu.acked)", "\(lu.delivered)", "\(lu.lost)", "\(lu.duplicated)"])
        }
        let terminals = outcome.lus.filter { $0.lu.kind == .terminal }
        messages.add(["total", "", "\(terminals.map(\.sent).reduce(0, +))", "\(terminals.map(\.acked).reduce(0, +))",
                      "\(terminals.map(\.delivered).reduce(0, +))", "\(terminals.map(\.lost).reduce(0, +))", "\(terminals.map(\.duplicated).reduce(0, +))"])
        out += messages.render(indent: "  ") + "\n"
        out += "  A duplicate is a message the killed node had delivered but not yet acknowledged; the client sent it again.\n"

        out += "\nFailover time: kill → first message the host accepted on the same LU\n"
        var times = TextTable(["RESOURCE", "LUS", "P50", "MAX"])
        for resource in Set(terminals.map(\.resource)).sorted() {
            let values = terminals.filter { $0.resource == resource }.compactMap(\.failoverTime).sorted()
            guard !values.isEmpty else {
                times.add([resource, "0", "-", "-"])
                continue
            }
            times.add([resource, "\(values.count)", Self.milliseconds(values[(values.count - 1) / 2]), Self.milliseconds(values.last!)])
        }
        out += times.render(indent: "  ") + "\n"

        let broken = outcome.lus.filter { !$0.promiseKept }.count
        let lost = terminals.map(\.lost).reduce(0, +)
        out += "\n" + (outcome.succeeded
            ? "Result: every promise kept, 0 messages lost."
            : "Result: \(broken) promise(s) broken, \(lost) message(s) lost.") + "\n"
        return out
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
}
