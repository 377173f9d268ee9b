import ArgumentParser
import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators

/// Failover time over many runs on the example cluster: kill the active netmgrd in the
/// middle of a stream, activate the other node at once (the cluster engine's part is
/// left out on loopback), and time each step from the host's journal. On dial-up and ISDN
/// resources the other node places a new call, so the exchange's call set-up time
/// (`--modem-connect-ms`, `--isdn-connect-ms`) is part of the figure.
struct FailoverBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Kill → resource active on the other node → first message the host accepts on the same LU, as p50/p99.")

    @Option(help: "Number of failovers.") var runs: Int = 20
    @Option(help: ArgumentHelp("The definitions (addresses in 127.0.0.0/24).", valueName: "dir")) var definitions: String = "Phonebook"
    @Option(help: "Milliseconds between messages on each LU.") var intervalMs: Int = 20
    @Option(help: ArgumentHelp("Where netmgr and netmgrd are (default: beside this program).", valueName: "dir")) var binaries: String?
    @Option(help: "The exchange's modem training time, answer → CONNECT, on dial-up lines (call set-up is part of the failover).")
    var modemConnectMs: Int = 1500
    @Option(help: "The exchange's ISDN set-up time, the called party's CONNECT → the caller's.")
    var isdnConnectMs: Int = 200

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard (0...60_000).contains(modemConnectMs), (0...60_000).contains(isdnConnectMs) else {
            throw ValidationError("--modem-connect-ms and --isdn-connect-ms: expected 0 to 60000 milliseconds")
        }
    }

    func run() async throws {
        let bin = binaries ?? URL(fileURLWithPath: Bundle.main.executablePath!).deletingLastPathComponent().path
        let work = NSTemporaryDirectory() + "netmgr-bench-failover-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        try LoopbackCluster.relocateDefinitions(from: definitions, to: work + "/definitions", block: 96)
        var behaviour = HostBehaviour()
        behaviour.modemConnectMilliseconds = modemConnectMs
        behaviour.isdnConnectMilliseconds = isdnConnectMs
        let cluster = try LoopbackCluster(definitionsDirectory: work + "/definitions", workDirectory: work + "/run",
                                          binaries: HarnessBinaries(directory: bin), behaviour: behaviour)
        try await cluster.stoppingAfter(measure)
    }

    private func measure(_ cluster: LoopbackCluster) async throws {
        let defs = cluster.definitions
        let nodes = defs.cluster.nodes.map(\.name)
        let groups = defs.cluster.groups.map(\.name)
        try await cluster.startAll()
        for group in groups { try await cluster.activate([group], on: nodes[0]) }
        let client = NetMgrClient(configuration: try cluster.clientConfiguration(name: "bench-failover"))
        client.start()
        let ledger = BenchLedger()
        // A refused message is lost to the application (its submit had returned): say so, and why.
        let watcher = Task {
            for await event in client.events {
                if case .messageRejected(let lu, _, let reason) = event { await ledger.rejected(lu: lu, reason: reason) }
            }
        }
        var opened: [(resource: String, session: LUSession)] = []
        for lu in defs.lus where lu.kind == .terminal {
            opened.append((lu.resource, try await client.openSession(resource: lu.resource, lu: lu.name)))
        }
        let sessions = opened
        let interval = intervalMs
        let streams = Task {
            await withTaskGroup(of: Void.self) { group in
                for (_, session) in sessions {
                    group.addTask {
                        var serial = 0
                        while !Task.isCancelled {
                            serial += 1
                            let payload = Array("\(session.lu) \(serial)".utf8)
                            if (try? await session.submit(payload)) != nil {
                                await ledger.submitted(resource: session.resource, lu: session.lu, digest: journalDigest(payload))
                            }
                            try? await Task.sleep(for: .milliseconds(interval))  // pacing
                        }
                    }
                }
            }
        }

        var activation = Samples()
        var firstAccepted: [String: Samples] = [:]
        var active = 0
        for run in 1...runs {
            try await Task.sleep(for: .milliseconds(500))  // let the stream settle between cuts
            let killed = Date().timeIntervalSince1970
            await cluster.kill(nodes[active])
            for group in groups { try await cluster.activate([group], on: nodes[1 - active]) }
            activation.add(Date().timeIntervalSince1970 - killed)
            // Every LU's first message accepted after the kill, from the host's journal.
            let lus = sessions.map { entry in defs.lus.first { $0.name == entry.session.lu }! }
            try await waitUntil(.seconds(30), what: "every LU to have a message accepted after failover \(run)") {
                Self.firstAccepted(in: (try? cluster.journal()) ?? [], after: killed, lus: lus, definitions: defs).count == lus.count
            }
            let times = Self.firstAccepted(in: try cluster.journal(), after: killed, lus: lus, definitions: defs)
            for (resource, session) in sessions { firstAccepted[resource, default: Samples()].add(times[session.lu]!) }
            try await cluster.startNode(nodes[active], logLevel: "warning")
            let slowest = times.max { $0.value < $1.value }
            progress("failover \(run)/\(runs): active on \(nodes[1 - active]) after \(format(activation.values.last! * 1000, 0)) ms; "
                     + "last LU carrying messages after \(format((slowest?.value ?? 0) * 1000, 0)) ms (\(slowest?.key ?? "-"))")
            active = 1 - active
        }
        streams.cancel()
        await streams.value
        // Everything submitted must reach the host: the delivery ledger against the journal.
        try await waitUntil(.seconds(60), what: "the host to accept every message") {
            var pending = 0
            for (_, session) in sessions { pending += (try? await session.unacknowledged()) ?? 1 }
            return pending == 0
        }
        await client.shutdown()
        watcher.cancel()
        let journal = try cluster.journal()
        var counted = await ledger.ledger
        for (_, session) in sessions {
            let lu = defs.lus.first { $0.name == session.lu }!
            counted.journaled(journal.filter { Self.isEntry($0, of: lu, defs) }, as: lu.name)
        }
        let tally = counted.tally()
        let rejections = await ledger.rejections
        progress("messages: \(tally.sent) sent, \(tally.lost) lost (\(rejections.values.reduce(0) { $0 + $1.count }) refused), \(tally.duplicated) duplicated")
        guard tally.lost == 0 else {
            let lus = counted.lus.map(\.lu).filter { counted.tally(lu: $0).lost > 0 }.map { lu in
                "\(lu) \(counted.tally(lu: lu).lost) of \(counted.tally(lu: lu).sent)"
                    + (rejections[lu].map { " (\($0.count) refused: \($0.first))" } ?? "")
            }
            throw LoopbackCluster.Failure(description: "\(tally.lost) of \(tally.sent) messages never reached the host: \(lus.joined(separator: ", "))")
        }

        var table = TextTable(["STEP", "RUNS", "P50", "P99", "MAX"])
        table.add(["kill → group active on the other node", "\(runs)", ms(activation.median), ms(activation.p99), ms(activation.percentile(100))])
        for (resource, samples) in firstAccepted.sorted(by: { $0.key < $1.key }) {
            table.add(["kill → first message accepted, \(resource)", "\(samples.values.count)", ms(samples.median), ms(samples.p99), ms(samples.percentile(100))])
        }
        print(table.render())
    }

    /// Seconds from `killed` to each LU's first message in the journal after it.
    static func firstAccepted(in journal: [HostJournalEntry], after killed: Double, lus: [LU], definitions: Definitions) -> [String: Double] {
        var times: [String: Double] = [:]
        for lu in lus {
            let first = journal.first { $0.event == .message && $0.time > killed && isEntry($0, of: lu, definitions) }
            if let first { times[lu.name] = first.time - killed }
        }
        return times
    }

    /// Whether the host's journal entry is about `lu`, as each path names its terminals.
    static func isEntry(_ entry: HostJournalEntry, of lu: LU, _ definitions: Definitions) -> Bool {
        let line = definitions.resource(named: lu.resource).flatMap { definitions.line(named: $0.line) }
        switch line?.procedure {
        case .hdlcLeased?: return entry.path == "sdlc" && entry.luAddress == Int(lu.address)
        case .bdlc?: return entry.path == "bdlc" && entry.luAddress == Int(lu.address) && (entry.line?.hasPrefix((line?.name ?? "") + " line ") ?? false)
        case .hdlcPacket?: return entry.path == "x25" && entry.luAddress == Int(lu.address)
        // The host's switched PU (XID node id) and LU address, whichever number called.
        case .hdlcPublic?: return entry.path == "dialup" && entry.luAddress == Int(lu.address) && entry.nodeId == line?.nodeID?.description
        case .hdlcISDN?: return entry.path == "isdn" && entry.luAddress == Int(lu.address) && entry.nodeId == line?.nodeID?.description
        default: return entry.path == "tn3270" && entry.lu == lu.hostLUName
        }
    }

    private func ms(_ seconds: Double) -> String { format(seconds * 1000, 0) + " ms" }
}

/// What the bench's streams submitted (the delivery ledger the demo and the testbed use).
actor BenchLedger {
    private(set) var ledger = DeliveryLedger()
    /// Per LU: how many messages the client dropped as refused, and the first reason.
    private(set) var rejections: [String: (count: Int, first: String)] = [:]
    func submitted(resource: String, lu: String, digest: String) { ledger.submitted(resource: resource, lu: lu, digest: digest) }
    func rejected(lu: String, reason: String) {
        rejections[lu] = ((rejections[lu]?.count ?? 0) + 1, rejections[lu]?.first ?? reason)
    }
}
