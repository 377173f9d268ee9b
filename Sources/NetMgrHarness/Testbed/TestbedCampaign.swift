import Foundation
import NetMgrCore
import NetMgrSimulators
#if canImport(Glibc)
import Glibc
#endif

/// How a campaign runs.
public struct CampaignOptions: Sendable {
    public var faults = 7
    public var seed: UInt64 = 1
    public var kinds: [TestbedFault] = TestbedFault.allCases
    /// The application's pace on each LU.
    public var intervalMilliseconds = 50
    /// The host's keep-alive: a connection silent this long is probed, and its LU freed
    /// when the probe goes unanswered this long (as a real TN3270 server with short
    /// keep-alives does; a cut-off or frozen node's LUs come free this way).
    public var probeIntervalMilliseconds = 1000
    public var probeTimeoutMilliseconds = 1000
    /// How long a partition, netem or freeze lasts beyond what the failover needs.
    public var disturbanceSeconds = 3.0
    public var recoveryTimeoutSeconds = 40.0
    /// How long the messages submitted before the recovery may still take to reach the
    /// host's journal after it (the LUs' backlogs drain in order behind the first message).
    public var lossPatienceSeconds = 10.0
    /// `netmgr verify` on the capture after every fault (else only at the end).
    public var verifyEachFault = true
    public var logLevel = "info"
    /// An s3270 in the client's namespace types this many lines (one every 0.2 s) into the
    /// TN server's LU through the VIP, with this script (examples/s3270); 0: none.
    public var emulatorLines = 0
    public var emulatorScript = ""

    public init() {}
}

/// What one fault did.
public struct FaultOutcome: Sendable {
    public var index: Int
    public var kind: TestbedFault
    /// The node that was active when the fault hit it, and the one active afterwards.
    public var node: String
    public var owner: String
    public var injected: Double
    /// When every LU carried a message again (from the address its promise names).
    public var recovered: Double
    /// The same, on the LUs whose promise is the VIP.
    public var recoveredVIP: Double
    /// The same, on the leased line's LUs (nil: the campaign has none).
    public var recoveredLine: Double?
    public var tally = DeliveryLedger.Tally()
    public var recoverySeconds: Double { recovered - injected }
    public var recoveryVIPSeconds: Double { recoveredVIP - injected }
    public var recoveryLineSeconds: Double? { recoveredLine.map { $0 - injected } }
}

public struct CampaignFailure: Error, CustomStringConvertible {
    public var description: String
}

/// Faults in a reproducible random order under a steady stream on every LU, each followed
/// by three checks: exactly one active owner per resource, `netmgr verify` keeps every
/// promise, no message lost. Stops at the first failure, keeping the run directory.
public final class TestbedCampaign: @unchecked Sendable {
    public let world: NamespaceWorld
    public let engine: any ClusterEngine
    public let options: CampaignOptions
    let say: @Sendable (String) -> Void

    private var journal: JSONLinesTail<HostJournalEntry>
    private var ledgerTail: JSONLinesTail<DeliveryLedger.Submission>
    private(set) var ledger = DeliveryLedger()
    /// Journal entries since the current fault was injected.
    private var recent: [HostJournalEntry] = []
    /// Host LU name → the newest message the host accepted on it (time, terminal address).
    private var lastMessage: [String: (time: Double, client: String)] = [:]
    /// The application's LUs: host LU name, definitions name, resource, the terminal
    /// address its promise names.
    private let lus: [CampaignLU]
    private let groupResources: [String]
    private var random: SplitMix64Generator
    public private(set) var outcomes: [FaultOutcome] = []
    private var checkedUntil = 0.0
    /// The emulator's LU (the TN server's mapped LU) and the host's messages on it: from the VIP, and from elsewhere.
    private let emulatorLU: String?
    private var emulatorMessages = (vip: 0, other: 0)
    private let start = Date().timeIntervalSince1970

    public init(world: NamespaceWorld, engine: any ClusterEngine, options: CampaignOptions, say: @escaping @Sendable (String) -> Void) {
        self.world = world
        self.engine = engine
        self.options = options
        self.say = say
        journal = JSONLinesTail(path: world.journalPath)
        ledgerTail = JSONLinesTail(path: world.ledgerPath)
        random = SplitMix64Generator(seed: options.seed ^ 0x5EED)
        let definitions = world.definitions
        groupResources = definitions.resources.filter { definitions.group(carrying: $0.name) != nil }.map(\.name)
        // Every terminal LU of every group resource an application uses: TnETOS and the
        // leased line (the TN server's own LUs, mapped for emulators, are not the application's).
        let mapped = Set(definitions.cluster.tnServer?.map.flatMap(\.lus) ?? [])
        var lus: [CampaignLU] = []
        for resource in definitions.resources where definitions.group(carrying: resource.name) != nil {
            for lu in definitions.lus(of: resource.name) where !mapped.contains(lu.name) {
                lus.append(CampaignLU(host: lu.hostLUName, name: lu.name, resource: resource.name,
                                      terminal: CampaignLU.terminal(of: resource, lu: lu, in: definitions)))
            }
        }
        self.lus = lus
        emulatorLU = definitions.cluster.tnServer?.map.first?.lus.first.flatMap { name in definitions.lus.first { $0.name == name }?.hostLUName }
    }

    public var sessions: [String] { lus.map { "\($0.resource)/\($0.name)" } }

    func now() -> Double { Date().timeIntervalSince1970 }
    func stamp() -> String { String(format: "[%7.2f s]", now() - start) }
    func note(_ text: String) { say("\(stamp()) \(text)") }

    // MARK: Reading what happened

    /// New journal and ledger lines.
    func poll() {
        let entries = journal.read().elements
        let names = Dictionary(lus.map { ($0.host, $0.name) }, uniquingKeysWith: { a, _ in a })
        for entry in entries {
            recent.append(entry)
            if entry.event == .message, let lu = entry.lu {
                lastMessage[lu] = (entry.time, entry.terminalAddress)
                if lu == emulatorLU {
                    if entry.client == world.topology.vip { emulatorMessages.vip += 1 } else { emulatorMessages.other += 1 }
                }
            }
            if entry.event == .message, let lu = entry.lu, let name = names[lu] { ledger.journaled(CollectionOfOne(entry), as: name) }
        }
        for submission in ledgerTail.read().elements { ledger.submitted(submission) }
    }

    /// Who holds each group resource, from the nodes that answer: node → all its group
    /// resources active; nil for a node that does not answer.
    func states() async -> [String: [String: String]?] {
        var result: [String: [String: String]?] = [:]
        for node in world.nodeNames {
            result[node] = await world.resourceStates(node).map { $0.mapValues(\.state) }
        }
        return result
    }

    /// The single node every group resource is active on, among the nodes that answer, with
    /// every other answering node standby; nil while that is not so.
    func soleOwner(_ states: [String: [String: String]?], everyNodeAnswers: Bool) -> String? {
        var owner: String?
        for (node, resources) in states {
            guard let resources else {
                if everyNodeAnswers { return nil }
                continue
            }
            let mine = groupResources.map { resources[$0] ?? "?" }
            if mine.allSatisfy({ $0 == "active" }) {
                if owner != nil { return nil }
                owner = node
            } else if !mine.allSatisfy({ $0 == "standby" }) {
                return nil
            }
        }
        return owner
    }

    /// The terminal address the host must see on `lu` while `owner` is active (the journal
    /// entry's `terminalAddress`): the VIP, the owner's own address, or the leased line's
    /// station, XID and LU address.
    func expectedAddress(_ lu: CampaignLU, owner: String) -> String {
        switch lu.terminal {
        case .vip: world.topology.vip
        case .nodeAddress: world.topology.address(of: owner) ?? "?"
        case .fixed(let address): address
        }
    }

    /// When every LU carried a message after `reference` from the address its promise names
    /// on `owner` (after binding again since `injected`, for the LUs `rebind` names): (all, VIP LUs) or nil.
    func recoveredTimes(owner: String, injected: Double, reference: Double, rebind: (CampaignLU) -> Bool) -> (all: Double, vip: Double, line: Double?)? {
        var all = reference
        var vipOnly = reference
        var lineOnly: Double?
        for lu in lus {
            let address = expectedAddress(lu, owner: owner)
            var boundAt: Double? = rebind(lu) ? nil : injected
            var at: Double?
            for entry in recent where entry.lu == lu.host && entry.time > injected && entry.terminalAddress == address {
                if entry.event == .bind, boundAt == nil { boundAt = entry.time }
                if entry.event == .message, let boundAt, entry.time > max(boundAt, reference) { at = entry.time; break }
            }
            guard let at else { return nil }
            all = max(all, at)
            if lu.terminal == .vip { vipOnly = max(vipOnly, at) }
            if lu.isLeasedLine { lineOnly = max(lineOnly ?? reference, at) }
        }
        return (all, vipOnly, lineOnly)
    }

    func luReport(owner: String?, since: Double) -> String {
        lus.map { lu in
            let entries = recent.filter { $0.lu == lu.host && $0.time > since }
            let last = entries.last.map { "\($0.event.rawValue) from \($0.terminalAddress)\($0.reason.map { " (\($0))" } ?? "")" } ?? "nothing"
            let expected = owner.map { expectedAddress(lu, owner: $0) } ?? "?"
            return "    \(lu.resource)/\(lu.name): expected from \(expected); since the fault \(entries.filter { $0.event == .message }.count) messages, last: \(last)"
        }.joined(separator: "\n")
    }

    /// Waits until exactly one node owns the group (among the nodes that answer) and every
    /// LU carried a message after `reference`; returns the owner and the times.
    func waitRecovered(from node: String, kind: TestbedFault, injected: Double, reference: Double) async throws -> (owner: String, all: Double, vip: Double, line: Double?) {
        let deadline = now() + options.recoveryTimeoutSeconds
        var owner: String?
        while now() < deadline {
            poll()
            owner = soleOwner(await states(), everyNodeAnswers: false)
            // A fault that takes the active node out is over when the other node carries the sessions.
            if kind.failsOver, owner == node { owner = nil }
            // Who binds again: every LU after a failover or a host restart, the leased line's
            // LUs after a line switch restart (the host's link went down with the line).
            if let owner, let times = recoveredTimes(owner: owner, injected: injected, reference: reference, rebind: { lu in
                owner != node || kind == .restartHost || (kind == .restartLineSwitch && lu.isLeasedLine)
            }) {
                return (owner, times.all, times.vip, times.line)
            }
            try await Task.sleep(for: .milliseconds(50))  // polling interval, bounded by the deadline
        }
        let states = await states().map { "\($0.key): \($0.value.map { $0.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", ") } ?? "does not answer")" }.sorted()
        throw CampaignFailure(description: "after \(kind.rawValue) on \(node), the sessions did not recover within \(Int(options.recoveryTimeoutSeconds)) s (owner: \(owner ?? "none or more than one"))\n  nodes:\n    \(states.joined(separator: "\n    "))\n  LUs:\n\(luReport(owner: owner, since: injected))")
    }

    /// Steady: every node answers, one owns the group and the other is standby, the engine
    /// agrees, the client holds a connection to every node, and every LU carried a message in
    /// the last second from the address its promise names; and still so, with the same
    /// owner, a second later (an engine may still move the group after a merge).
    func waitSteady(what: String) async throws -> String {
        var owners: [String] = []
        for _ in 0..<5 {
            let first = try await waitSteadyOnce(what: what)
            try await Task.sleep(for: .seconds(1))  // the second look, a second later
            let second = try await waitSteadyOnce(what: what)
            if first == second { return second }
            owners += [first, second]
        }
        throw CampaignFailure(description: "\(what): the group keeps moving between the nodes (owners seen: \(owners.joined(separator: " → ")))")
    }

    func waitSteadyOnce(what: String) async throws -> String {
        let deadline = now() + options.recoveryTimeoutSeconds
        var reason = ""
        while now() < deadline {
            poll()
            if let owner = soleOwner(await states(), everyNodeAnswers: true) {
                let stale = lus.filter { lu in
                    guard let last = lastMessage[lu.host] else { return true }
                    return now() - last.time > 1.0 || last.client != expectedAddress(lu, owner: owner)
                }
                let connected = clientConnections()
                let engineSettled = await engine.settled(owner: owner, world)
                if stale.isEmpty, connected == world.nodeNames.count, engineSettled { return owner }
                reason = !stale.isEmpty ? "no recent message from the promised address on \(stale.map(\.name).joined(separator: ", ")) (owner \(owner))"
                    : connected != world.nodeNames.count ? "the client holds \(connected) of \(world.nodeNames.count) server connections"
                    : "\(engine.name) has not settled with the group on \(owner) alone"
            } else {
                reason = "the nodes do not agree on one owner"
            }
            try await Task.sleep(for: .milliseconds(100))  // polling interval, bounded by the deadline
        }
        throw CampaignFailure(description: "\(what): the cluster did not settle within \(Int(options.recoveryTimeoutSeconds)) s: \(reason)")
    }

    func clientConnections() -> Int {
        let ports = Set(world.definitions.cluster.nodes.map(\.lan.port))
        let filter = ports.map { "dport = :\($0)" }.joined(separator: " or ")
        let text = (try? NamespaceWorld.run("ip", ["netns", "exec", world.clientNamespace, "ss", "-Htn", "state", "established", "( \(filter) )"])) ?? ""
        return text.split(separator: "\n").count
    }

    // MARK: The checks after a fault

    /// No message submitted before `cutoff` (and after the last check) is missing from the
    /// host's journal. Per LU, delivery is in order; but an LU "carries a message again" as
    /// soon as the first message of its backlog arrives, and the rest of the backlog (held
    /// by the client or netmgrd while the LU was down) follows in order over the next
    /// moments, so the window's messages get `lossPatienceSeconds` to arrive: one that is
    /// still missing then is lost.
    func checkNothingLost(until cutoff: Double, after fault: String) async throws {
        poll()
        let window = checkedUntil...max(checkedUntil, cutoff)
        var tally = ledger.tally(submittedIn: window)
        let deadline = now() + options.lossPatienceSeconds
        while tally.lost > 0, now() < deadline {
            try await Task.sleep(for: .milliseconds(100))  // polling interval, bounded by the deadline
            poll()
            tally = ledger.tally(submittedIn: window)
        }
        if tally.lost > 0 {
            let lost = ledger.lus.flatMap { ledger.lost(lu: $0.lu) }.filter { window.contains($0.time) }.prefix(5)
            throw CampaignFailure(description: "\(fault): \(tally.lost) message(s) submitted before the LUs recovered are not in the host's journal \(Int(options.lossPatienceSeconds)) s later, e.g.\n"
                + lost.map { String(format: "    %@/%@ digest %@ submitted at %.6f", $0.resource, $0.lu, $0.digest, $0.time) }.joined(separator: "\n"))
        }
        checkedUntil = window.upperBound
    }

    /// `netmgr verify` on the host cable's capture so far and on the line switch's current
    /// SDLC line capture (`netmgr verify` reads one capture at a time; the TCP capture does
    /// not see the leased line); with `final`, on the whole TCP capture and every line
    /// capture (one per start of the line switch): no promise broken.
    func verify(after what: String, final: Bool = false) throws -> String {
        let lineCaptures = final ? world.lineCapturePaths : Array(world.lineCapturePaths.suffix(1))
        let tcp = try verify(capture: world.capturePath, report: "verify.json", after: what, final: final)
        guard !lineCaptures.isEmpty else { return "verify: \(tcp) boundaries kept, 0 broken" }
        var line = 0
        for capture in lineCaptures {
            // A line switch killed mid-frame leaves its last record cut: those are read up to the cut.
            line += try verify(capture: capture, report: "verify-line.json", after: what, final: false)
        }
        return "verify: \(tcp) boundaries kept on TCP, \(line) on the leased line, 0 broken"
    }

    /// `netmgr verify` on one capture; the boundaries it kept.
    func verify(capture: String, report: String, after what: String, final: Bool) throws -> Int {
        let output = world.runDirectory + "/" + report
        let process = Process()
        process.executableURL = URL(fileURLWithPath: world.binaries.netmgr)
        process.arguments = ["verify", "--definitions", world.definitionsDirectory, "--json"] + (final ? [] : ["--accept-truncated"]) + [capture]
        FileManager.default.createFile(atPath: output, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: output) else { throw CampaignFailure(description: "cannot write \(output)") }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let data = (try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data()
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let summary = json["summary"] as? [String: Any] else {
            throw CampaignFailure(description: "\(what): netmgr verify \(capture) exited \(process.terminationStatus) without a JSON report; see \(output)")
        }
        let broken = summary["broken"] as? Int ?? -1
        let kept = summary["kept"] as? Int ?? 0
        guard broken == 0 else {
            let copy = world.runDirectory + "/" + report.replacingOccurrences(of: ".json", with: "-failed.json")
            try? FileManager.default.removeItem(atPath: copy)
            try? FileManager.default.copyItem(atPath: output, toPath: copy)
            throw CampaignFailure(description: "\(what): netmgr verify found \(broken) broken promise(s) (\(summary["message"] as? String ?? "")); report \(copy), capture \(capture)")
        }
        return kept
    }

    // MARK: The run

    /// Brings the world up, runs the faults, drains, checks everything; throws at the first
    /// failure (the caller keeps the run directory and tears the world down).
    public func run() async throws -> [FaultOutcome] {
        let schedule = TestbedFault.schedule(count: options.faults, kinds: options.kinds, seed: options.seed)
        note("campaign: \(options.faults) faults, seed \(options.seed), engine \(engine.name), \(lus.count) LU sessions every \(options.intervalMilliseconds) ms; run directory \(world.runDirectory)")
        if options.kinds.contains(.restartLineSwitch), world.lineSwitchNamespace == nil {
            throw CampaignFailure(description: "\(TestbedFault.restartLineSwitch.rawValue): the topology \(world.topology.directory) has no line-switch")
        }
        try world.up()
        try await world.startLineSwitch()
        try await world.startHost(probeIntervalMilliseconds: options.probeIntervalMilliseconds, probeTimeoutMilliseconds: options.probeTimeoutMilliseconds)
        try await world.startCapture()
        try engine.prepare(world)
        for node in world.nodeNames { try await world.startNetmgrd(node, logLevel: options.logLevel) }
        try await engine.start(world)
        try await world.startApp(sessions: sessions, intervalMilliseconds: options.intervalMilliseconds)
        try await startEmulator()
        var owner = try await waitSteady(what: "start")
        note("steady: \(owner) owns \(groupResources.joined(separator: ", ")); every LU streaming")

        for (offset, kind) in schedule.enumerated() {
            let index = offset + 1
            let label = "fault \(index)/\(schedule.count) \(kind.rawValue)"
            try await Task.sleep(for: .milliseconds(Int(random.next() % 1000)))  // the random moment
            // The operator's clean-up after the last incident (Pacemaker's fail counts), then: still
            // the owner the last steady look found, and the engine idle? It may have moved the group since.
            try await engine.faultRepaired(world)
            let engineSettled = await engine.settled(owner: owner, world)
            if soleOwner(await states(), everyNodeAnswers: true) != owner || !engineSettled {
                owner = try await waitSteady(what: "before \(label)")
            }
            poll()
            recent.removeAll()
            let node = owner
            let injected = now()
            var reference = injected
            let result: (owner: String, all: Double, vip: Double, line: Double?)
            switch kind {
            case .cutCables:
                try world.setCable(node, up: false)
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
                let restore = injected + engine.minimumOutageSeconds
                if restore > now() { try await Task.sleep(for: .milliseconds(Int((restore - now()) * 1000))) }  // the engine's shortest cut
                try world.setCable(node, up: true)
            case .killNetmgrd:
                world.process("netmgrd-\(node)")?.signal(SIGKILL)
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
                _ = await world.process("netmgrd-\(node)")?.waitForExit(timeout: .seconds(5))
                try await world.startNetmgrd(node, logLevel: options.logLevel)
            case .freezeNetmgrd:
                world.process("netmgrd-\(node)")?.signal(SIGSTOP)
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
                let frozenUntil = injected + engine.detectionSeconds + options.disturbanceSeconds
                if frozenUntil > now() { try await Task.sleep(for: .milliseconds(Int((frozenUntil - now()) * 1000))) }  // the fault's length
                world.process("netmgrd-\(node)")?.signal(SIGCONT)
            case .partitionLAN:
                try world.partitionNodes(true)
                try await Task.sleep(for: .milliseconds(Int(options.disturbanceSeconds * 1000)))  // the fault's length
                try world.partitionNodes(false)
                reference = now()
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
            case .lossyHostLink:
                try world.degrade("host", loss: 0.2)
                try await Task.sleep(for: .milliseconds(Int(options.disturbanceSeconds * 1000)))  // the fault's length
                try world.degrade("host", loss: nil)
                reference = now()
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
            case .restartHost:
                world.process("host")?.signal(SIGKILL)
                _ = await world.process("host")?.waitForExit(timeout: .seconds(5))
                try await world.startHost(probeIntervalMilliseconds: options.probeIntervalMilliseconds, probeTimeoutMilliseconds: options.probeTimeoutMilliseconds)
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
            case .killEngine:
                await engine.kill(on: node, world)
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
                try await engine.restart(on: node, world)
            case .restartLineSwitch:
                world.process("line-switch")?.signal(SIGKILL)
                _ = await world.process("line-switch")?.waitForExit(timeout: .seconds(5))
                try await world.startLineSwitch()
                result = try await waitRecovered(from: node, kind: kind, injected: injected, reference: reference)
            }
            var outcome = FaultOutcome(index: index, kind: kind, node: node, owner: result.owner, injected: injected, recovered: result.all, recoveredVIP: result.vip, recoveredLine: result.line)
            owner = try await waitSteady(what: "after \(label) on \(node)")
            try await checkNothingLost(until: result.all - 1.0, after: "\(label) on \(node)")
            let verdict = options.verifyEachFault ? try verify(after: "\(label) on \(node)") : ""
            outcome.tally = ledger.tally(submittedIn: injected...now())
            outcomes.append(outcome)
            let line = outcome.recoveryLineSeconds.map { String(format: ", leased line LUs %.0f ms", $0 * 1000) } ?? ""
            note(String(format: "%@ on %@: %@ owns the group; every LU carried a message %.0f ms after the fault (VIP LUs %.0f ms%@); %@",
                        label, node, result.owner, outcome.recoverySeconds * 1000, outcome.recoveryVIPSeconds * 1000, line, verdict))
        }

        try await finish()
        return outcomes
    }

    /// The s3270 script typing into the TN server's LU through the VIP; it reconnects to the
    /// VIP after each failover.
    func startEmulator() async throws {
        guard options.emulatorLines > 0 else { return }
        guard let vip = world.definitions.cluster.tnServer?.vip, let lu = world.definitions.cluster.tnServer?.map.first?.lus.first else {
            throw CampaignFailure(description: "the emulator needs a TN server with a VIP and a mapped LU in \(world.definitionsDirectory)/cluster.yaml")
        }
        let process = try world.spawn("emulator", in: world.clientNamespace, options.emulatorScript, [
            "--server", "\(vip.host):\(vip.port)", "--lu", lu, "--count", String(options.emulatorLines), "--every", "0.2",
            "--text", "TESTBED", "--deadline", "120",
        ])
        try await waitUntil(.seconds(30), what: "the s3270 emulator to type its first line through the TN server on \(vip)") {
            !process.isRunning || ((try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? "").contains("\ntyped ")
                || ((try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? "").hasPrefix("typed ")
        }
        guard process.isRunning else { throw CampaignFailure(description: "the s3270 emulator exited; see \(process.logPath)") }
        note("s3270 typing \(options.emulatorLines) lines into \(lu) through the TN server on the VIP \(vip)")
    }

    /// The emulator typed every line, reconnected through the VIP after the failovers it
    /// saw, and the host journaled its lines from the VIP: all but at most one per fault
    /// (a line inside the failed node when it failed is lost with it: an emulator has no
    /// end-to-end acknowledgement).
    func checkEmulator() async throws -> String? {
        guard options.emulatorLines > 0, let process = world.process("emulator") else { return nil }
        guard let status = await process.waitForExit(timeout: .seconds(150)) else {
            throw CampaignFailure(description: "the s3270 emulator did not finish within 150 s; see \(process.logPath)")
        }
        let log = (try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? ""
        let lines = log.split(separator: "\n")
        let typed = lines.filter { $0.hasPrefix("typed ") }.count
        let connects = lines.filter { $0.hasPrefix("connected to ") }.count
        guard status == 0, typed == options.emulatorLines else {
            throw CampaignFailure(description: "the s3270 emulator exited \(status) after typing \(typed) of \(options.emulatorLines) lines; see \(process.logPath)")
        }
        poll()
        let faults = outcomes.count
        guard emulatorMessages.other == 0, emulatorMessages.vip >= options.emulatorLines - faults else {
            throw CampaignFailure(description: "the host journaled \(emulatorMessages.vip) of the emulator's \(options.emulatorLines) lines from the VIP (at most one per fault, \(faults), may be lost) and \(emulatorMessages.other) from another address")
        }
        return "s3270: \(typed) lines typed, \(connects) connects to the VIP, \(emulatorMessages.vip) journaled by the host from the VIP"
    }

    /// Stops the application (it drains until the host accepted everything) and the capture;
    /// the whole ledger against the whole journal, every window's duplicates, the final verify.
    func finish() async throws {
        if let emulator = try await checkEmulator() { note(emulator) }
        guard let app = world.process("app") else { throw CampaignFailure(description: "the application is not running") }
        app.signal(SIGTERM)
        guard let status = await app.waitForExit(timeout: .seconds(90)) else {
            throw CampaignFailure(description: "the application did not finish draining within 90 s after SIGTERM; see \(app.logPath)")
        }
        guard status == 0 else { throw CampaignFailure(description: "the application exited \(status) (messages not accepted by the host); see \(app.logPath)") }
        poll()
        let total = ledger.tally()
        guard total.lost == 0 else {
            let lost = ledger.lus.flatMap { ledger.lost(lu: $0.lu) }.prefix(5)
            throw CampaignFailure(description: "\(total.lost) of \(total.sent) messages are not in the host's journal, e.g.\n"
                + lost.map { String(format: "    %@/%@ digest %@ submitted at %.6f", $0.resource, $0.lu, $0.digest, $0.time) }.joined(separator: "\n"))
        }
        recount()
        if let capture = world.process("capture") {
            capture.signal(SIGINT)
            _ = await capture.waitForExit(timeout: .seconds(30))
        }
        let verdict = try verify(after: "the whole capture", final: true)
        note("drained: \(total.sent) messages sent, \(total.delivered) in the host's journal, 0 lost, \(total.duplicated) duplicated; \(verdict)")
    }

    /// Each message belongs to the fault whose window (injection to the next one) it was submitted in.
    func recount() {
        for index in outcomes.indices {
            let end = index + 1 < outcomes.count ? outcomes[index + 1].injected : Double.greatestFiniteMagnitude
            outcomes[index].tally = ledger.tally(submittedIn: outcomes[index].injected...end)
        }
    }

    /// After a failure: the application stops (it drains for up to 60 s) and every fault's
    /// window is counted again, so the table's lost column holds what never reached the
    /// host by then, not what was still on its way.
    public func drainAfterFailure() async {
        if let app = world.process("app"), app.isRunning {
            app.signal(SIGTERM)
            _ = await app.waitForExit(timeout: .seconds(60))
        }
        poll()
        recount()
    }

    // MARK: The table

    /// Per fault kind: count, recovery p50/p99/max (every LU, the VIP LUs, and the leased
    /// line's LUs when there are any), lost, duplicated.
    public static func table(_ outcomes: [FaultOutcome]) -> String {
        let hasLine = outcomes.contains { $0.recoveredLine != nil }
        var table = TextTable(["fault", "count", "recover p50", "p99", "max", "VIP p50", "VIP p99"] + (hasLine ? ["line p50", "line p99"] : [])
                              + ["sent", "lost", "dup"])
        func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
        func rank(_ values: [Double], _ percent: Int) -> Double {
            let sorted = values.sorted()
            return sorted[max(0, min(sorted.count - 1, (percent * sorted.count + 99) / 100 - 1))]
        }
        for kind in TestbedFault.allCases {
            let mine = outcomes.filter { $0.kind == kind }
            guard !mine.isEmpty else { continue }
            let all = mine.map(\.recoverySeconds)
            let vip = mine.map(\.recoveryVIPSeconds)
            let line = mine.compactMap(\.recoveryLineSeconds)
            let tally = mine.map(\.tally).reduce(DeliveryLedger.Tally(), +)
            let lineColumns = !hasLine ? [] : line.isEmpty ? ["", ""] : [ms(rank(line, 50)), ms(rank(line, 99))]
            table.add([kind.rawValue, "\(mine.count)", ms(rank(all, 50)), ms(rank(all, 99)), ms(all.max()!), ms(rank(vip, 50)), ms(rank(vip, 99))]
                      + lineColumns + ["\(tally.sent)", "\(tally.lost)", "\(tally.duplicated)"])
        }
        let tally = outcomes.map(\.tally).reduce(DeliveryLedger.Tally(), +)
        table.add(["all", "\(outcomes.count)", "", "", "", "", ""] + (hasLine ? ["", ""] : []) + ["\(tally.sent)", "\(tally.lost)", "\(tally.duplicated)"])
        return table.render()
    }
}

/// One LU the application streams on, and the terminal address its promise names.
struct CampaignLU: Sendable {
    enum Terminal: Sendable, Equatable {
        /// TnETOS own-address VIP: the VIP from either node (○).
        case vip
        /// TnETOS own-address none: the active node's own address (△).
        case nodeAddress
        /// The leased line: the same station, XID node id and LU address from either node
        /// (○), as `HostJournalEntry.terminalAddress` writes it.
        case fixed(String)
    }

    var host: String
    var name: String
    var resource: String
    var terminal: Terminal

    var isLeasedLine: Bool { if case .fixed = terminal { true } else { false } }

    static func terminal(of resource: Resource, lu: LU, in definitions: Definitions) -> Terminal {
        if let line = definitions.line(named: resource.line), line.procedure == .hdlcLeased {
            let station = line.stationAddress.map { String(format: "0x%02X", $0) } ?? "?"
            let nodeID = line.nodeID.map { String(format: "%08X", $0.rawValue) } ?? "?"
            return .fixed("station \(station) XID \(nodeID) LU \(lu.address)")
        }
        if case .vip = resource.ownAddress { return .vip }
        return .nodeAddress
    }
}
