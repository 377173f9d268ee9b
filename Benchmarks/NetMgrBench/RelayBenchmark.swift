import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NetMgrClient
import NetMgrCore
import NetMgrHarness

/// Relay throughput and latency through netmgrd, against direct TN3270E as the peer.
struct RelayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Messages/s, p50/p99 latency, bind time and netmgrd memory per session for N concurrent LU sessions.",
        discussion: """
            Each session keeps one message outstanding (send, wait for the host's acceptance, send the next). The peer is the same loop over direct TN3270E connections to the host simulator. Each measurement has its own host simulator and netmgrd, one after the other on the same addresses.

            A process may hold at most 20,000 file descriptors here, and a TnETOS LU is one TCP connection in netmgrd, in the host simulator and in a direct peer. Above --tnetos-limit sessions, the rest are QLLC LUs on X.25-over-TCP (XOT) lines that share one connection per PU (250 LUs each), and the direct peer is the same count of TN3270E sessions spread over host simulator and load processes of at most --tnetos-limit connections each.
            """)

    @Option(help: "Comma-separated session counts.") var sessions: String = "1,1000,10000"
    @Option(help: "Seconds of load per measurement.") var seconds: Double = 5
    @Option(help: ArgumentHelp("Where netmgr and netmgrd are (default: beside this program).", valueName: "dir")) var binaries: String?
    @Option(help: ArgumentHelp("The LAN between the client and netmgrd: tls (the default, as deployed), plain (cluster.tls: off), or both, measured in the same run with the TLS/plain ratio.", valueName: "tls|plain|both"))
    var lan: String = "tls"
    @Option(help: "TnETOS LUs (host TCP connections) at most in one netmgrd; the rest are QLLC LUs on shared XOT lines.")
    var tnetosLimit: Int = BenchComposition.tnetosLimit
    @Flag(help: "After the load, kill the active netmgrd with every session streaming, activate the other node, and time kill → each LU's first message accepted again (p50/p99/max).")
    var failover = false
    @Option(help: "Seconds an LU may take from activation to bound before the bench calls it a miss (the goal's limit).")
    var bindLimit: Double = 30

    func validate() throws {
        guard ["tls", "plain", "both"].contains(lan) else { throw ValidationError("--lan must be tls, plain or both, not \(lan)") }
        guard (1...BenchComposition.tnetosLimit).contains(tnetosLimit) else {
            throw ValidationError("--tnetos-limit must be 1 to \(BenchComposition.tnetosLimit) (20,000 descriptors per process, less room for the rest)")
        }
    }

    func run() async throws {
        let counts = sessions.split(separator: ",").compactMap { Int($0) }
        let bin = binaries ?? (URL(fileURLWithPath: Bundle.main.executablePath!).deletingLastPathComponent().path)
        _ = ProcessLimits.raiseOpenFiles()
        let modes = lan == "both" ? [false, true] : [lan == "tls"]
        var table = TextTable(["SESSIONS", "LAN", "RELAY MSG/S", "DIRECT MSG/S", "RATIO", "RELAY P50", "DIRECT P50", "RELAY P99", "DIRECT P99",
                               "BIND TIME", "RSS/SESSION BOUND", "RSS/SESSION OPEN"])
        var notes: [String] = []
        var failovers = TextTable(["SESSIONS", "LAN", "KILL → ACTIVE", "RECOVERED", "KILL → MESSAGE P50", "P99", "MAX", "KILL → ALL BOUND"])
        for (index, count) in counts.enumerated() {
            // 127.0.106–109 (issue 17: 90–105 are other benches' and helpers').
            let block = 106 + index % 4
            let composition = BenchComposition(sessions: count, tnetosLimit: tnetosLimit)
            progress("\(count) session(s): \(composition.description)")
            // The peer: direct TN3270E to the host simulator, with no netmgrd in between.
            let direct = try await measureDirect(sessions: count, block: block, binaries: bin)
            var relayed: [Bool: Measured] = [:]
            for tls in modes {
                relayed[tls] = try await withCluster(sessions: count, block: block, tls: tls, binaries: bin) { cluster in
                    try await measureRelay(sessions: count, composition: composition, cluster: cluster, tls: tls)
                }
            }
            for tls in modes {
                let relay = relayed[tls]!
                table.add(["\(count)", tls ? "tls" : "plain", format(relay.rate, 0), format(direct.rate, 0), format(relay.rate / direct.rate, 2),
                           ms(relay.latencies.median), ms(direct.latencies.median), ms(relay.latencies.p99), ms(direct.latencies.p99),
                           format(relay.bindSeconds, 1) + " s" + (relay.bindSeconds > bindLimit ? " (> \(format(bindLimit, 0)) s)" : ""),
                           "\(format(relay.boundBytesPerSession / 1024, 1)) KiB", "\(format(relay.bytesPerSession / 1024, 1)) KiB"])
                if let reason = relay.failoverError { notes.append("\(count) session(s), LAN \(tls ? "tls" : "plain"): failover not measured: \(reason)") }
                if let f = relay.failover {
                    failovers.add(["\(count)", tls ? "tls" : "plain", ms(f.activation), "\(f.recovered.values.count)/\(count)",
                                   ms(f.recovered.median), ms(f.recovered.p99), ms(f.recovered.percentile(100)), format(f.allBound, 1) + " s"])
                }
            }
            notes.append("\(count) session(s): relay = \(composition.description); direct peer = \(direct.what)")
            if let secure = relayed[true], let plain = relayed[false] {
                notes.append("\(count) session(s): relay over TLS / plain = \(format(secure.rate / plain.rate, 2))")
            }
        }
        print(table.render())
        if failover { print(failovers.render()) }
        notes.forEach { print($0) }
    }

    struct FailoverFigures {
        var activation: Double
        /// Kill → each LU's first message submitted after the kill and accepted by the host.
        var recovered: Samples
        /// Kill → every LU bound on the other node (status polled every 100 ms).
        var allBound: Double
    }

    struct Measured {
        var rate: Double
        var latencies: Samples
        var bytesPerSession: Double = 0
        var boundBytesPerSession: Double = 0
        var bindSeconds: Double = 0
        var failover: FailoverFigures?
        var failoverError: String?
        var what = ""
    }

    /// A loopback cluster on `block` for one measurement, stopped however it ends.
    private func withCluster<T>(sessions count: Int, block: Int, tls: Bool, binaries: String,
                                _ body: (LoopbackCluster) async throws -> T) async throws -> T {
        let work = NSTemporaryDirectory() + "netmgr-bench-relay-\(count)-\(tls ? "tls" : "plain")-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let composition = try writeBenchDefinitions(to: work + "/definitions", sessions: count, block: block, tls: tls, tnetosLimit: tnetosLimit)
        var behaviour = HostBehaviour.underLoad
        if composition.xot > 0 { behaviour.extraArguments += ["--xot", "127.0.\(block).100:1998", "--log-level", "warning"] }
        let cluster = try LoopbackCluster(definitionsDirectory: work + "/definitions", workDirectory: work + "/run",
                                          binaries: HarnessBinaries(directory: binaries), behaviour: behaviour)
        return try await cluster.stoppingAfter(body)
    }

    /// The direct TN3270E peer for `count` sessions: one host simulator and one load of at
    /// most `tnetosLimit` connections each (the descriptor limit), as many as it takes; the
    /// loads beyond the first run in child processes (`netmgr-bench direct-load`).
    private func measureDirect(sessions count: Int, block: Int, binaries: String) async throws -> Measured {
        let parts = max(1, (count + tnetosLimit - 1) / tnetosLimit)
        var clusters: [LoopbackCluster] = []
        var works: [String] = []
        defer { for work in works { try? FileManager.default.removeItem(atPath: work) } }
        do {
            for part in 0..<parts {
                let work = NSTemporaryDirectory() + "netmgr-bench-direct-\(count)-\(part)-\(getpid())"
                works.append(work)
                let size = min(tnetosLimit, count - part * tnetosLimit)
                try writeDirectHostDefinitions(to: work + "/definitions", first: part * tnetosLimit, count: size, host: "127.0.\(block).\(100 + part)", source: "127.0.\(block).\(20 + part)")
                let cluster = try LoopbackCluster(definitionsDirectory: work + "/definitions", workDirectory: work + "/run",
                                                  binaries: HarnessBinaries(directory: binaries), behaviour: .underLoad)
                clusters.append(cluster)
                try await cluster.startHost()
            }
            progress("\(count) session(s): \(parts) host simulator(s) up; measuring direct TN3270E…")
            let result = try await DirectLoadSet.measure(count: count, perProcess: tnetosLimit, block: block, seconds: seconds, binaries: binaries)
            for cluster in clusters { await cluster.stopAll() }
            let what = parts == 1 ? "\(count) TN3270E connections from one load to one host simulator"
                : "\(count) TN3270E connections in \(parts) host simulator processes and \(parts) load processes of at most \(tnetosLimit) each (20,000 descriptors per process)"
            return Measured(rate: result.rate, latencies: result.latencies, what: what)
        } catch {
            for cluster in clusters { await cluster.stopAll() }
            throw error
        }
    }

    private func measureRelay(sessions count: Int, composition: BenchComposition, cluster: LoopbackCluster, tls: Bool) async throws -> Measured {
        let duration = Duration.milliseconds(Int(seconds * 1000))
        try await cluster.startHost()
        try await cluster.startNode("node-a", logLevel: "warning")
        if failover { try await cluster.startNode("node-b", logLevel: "warning") }
        let pid = cluster.nodes["node-a"]!.pid
        let idle = residentBytes(pid: pid)
        progress("\(count) session(s), LAN \(tls ? "TLS" : "plain"): netmgrd up (\(idle / 1024) KiB idle); activating…")
        let activated = ContinuousClock.now
        try await cluster.activate(["bench"], on: "node-a", timeoutSeconds: 120)
        try await waitUntil(.seconds(300), what: "\(count) LUs bound", every: .milliseconds(100)) {
            let status = try? await cluster.status(of: "node-a", brief: true)
            return (status?.resources.map(\.boundCount).reduce(0, +) ?? 0) >= count
        }
        let bindSeconds = (ContinuousClock.now - activated).seconds
        let bound = residentBytes(pid: pid)
        progress("\(count) session(s): every LU bound \(format(bindSeconds, 1)) s after activation; netmgrd \(bound / 1024) KiB; opening sessions…")
        var configuration = try cluster.clientConfiguration(name: "bench")
        let nodes = cluster.definitions.cluster.nodes
        configuration.servers = (failover ? nodes : [nodes[0]]).map { ServerAddress(host: $0.lan.host, port: $0.lan.port) }
        let client = NetMgrClient(configuration: configuration)
        client.start()
        let opened = try await openSessions(count: count, client: client, definitions: cluster)
        let loaded = residentBytes(pid: pid)
        let relay = try await closedLoop(opened, for: duration)
        progress("\(count) session(s), LAN \(tls ? "TLS" : "plain"): relay \(format(relay.rate, 0)) msg/s")
        var figures: FailoverFigures?
        var failoverError: String?
        if failover {
            do {
                figures = try await measureFailover(opened, cluster: cluster)
            } catch {
                // Print what was reached: the load figures stand, the failover says why it stopped.
                failoverError = "\(error)"
                progress("\(count) session(s): failover not measured: \(error)")
            }
        }
        await client.shutdown()
        return Measured(rate: relay.rate, latencies: relay.latencies, bytesPerSession: count > 0 ? Double(loaded - idle) / Double(count) : 0,
                        boundBytesPerSession: count > 0 ? Double(bound - idle) / Double(count) : 0, bindSeconds: bindSeconds, failover: figures,
                        failoverError: failoverError)
    }

    /// Opens one session per LU, 512 at a time.
    private func openSessions(count: Int, client: NetMgrClient, definitions cluster: LoopbackCluster) async throws -> [LUSession] {
        var resources: [String: String] = [:]
        for lu in cluster.definitions.lus { resources[lu.name] = lu.resource }
        var opened: [LUSession?] = Array(repeating: nil, count: count)
        var next = 0
        while next < count {
            let range = next..<min(count, next + 512)
            let batch = try await withThrowingTaskGroup(of: (Int, LUSession).self) { group in
                for index in range {
                    let lu = benchLUName(index)
                    let resource = resources[lu]!
                    group.addTask { (index, try await client.openSession(resource: resource, lu: lu)) }
                }
                var result: [(Int, LUSession)] = []
                for try await item in group { result.append(item) }
                return result
            }
            for (index, session) in batch { opened[index] = session }
            next = range.upperBound
        }
        return opened.map { $0! }
    }

    /// Every session sends, waits for the host's acceptance, and sends again.
    private func closedLoop(_ sessions: [LUSession], for duration: Duration) async throws -> (rate: Double, latencies: Samples) {
        let deadline = ContinuousClock.now + duration
        let results = await withTaskGroup(of: [Double].self) { group in
            for session in sessions {
                group.addTask {
                    var values: [Double] = []
                    var serial = 0
                    while ContinuousClock.now < deadline {
                        serial += 1
                        let start = ContinuousClock.now
                        guard (try? await session.send(Array("\(session.lu) bench \(serial)".utf8))) != nil else { break }
                        values.append((ContinuousClock.now - start).seconds)
                    }
                    return values
                }
            }
            var all: [Double] = []
            for await values in group { all += values }
            return all
        }
        return (Double(results.count) / duration.seconds, Samples(values: results))
    }

    /// Every session streams (closed loop); node-a is killed, node-b activated at once;
    /// each LU's recovery is its first message submitted after the kill that the host accepted.
    private func measureFailover(_ sessions: [LUSession], cluster: LoopbackCluster) async throws -> FailoverFigures {
        let kill = KillClock()
        let count = sessions.count
        let streams = Task {
            await withTaskGroup(of: Double?.self) { group in
                for session in sessions {
                    group.addTask {
                        var serial = 0
                        while !Task.isCancelled {
                            serial += 1
                            let killed = kill.killed
                            guard (try? await session.send(Array("\(session.lu) failover \(serial)".utf8))) != nil else { return nil }
                            if let killed { return (ContinuousClock.now - killed).seconds }
                        }
                        return nil
                    }
                }
                var values: [Double] = []
                for await value in group { if let value { values.append(value) } }
                return values
            }
        }
        try await Task.sleep(for: .seconds(1))
        progress("\(count) session(s): streaming; killing node-a")
        kill.mark()
        let killedAt = kill.killed!
        await cluster.kill("node-a")
        try await cluster.activate(["bench"], on: "node-b", timeoutSeconds: 120)
        let activation = (ContinuousClock.now - killedAt).seconds
        var allBound = Double.nan
        do {
            try await waitUntil(.seconds(120), what: "\(count) LUs bound on node-b", every: .milliseconds(100)) {
                let status = try? await cluster.status(of: "node-b", brief: true)
                return (status?.resources.map(\.boundCount).reduce(0, +) ?? 0) >= count
            }
            allBound = (ContinuousClock.now - killedAt).seconds
        } catch {
            progress("\(count) session(s): not every LU bound on node-b within 120 s")
        }
        // Every stream ends by itself at its first message after the kill; give the rest a bound.
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(120))
            streams.cancel()
        }
        let values = await streams.value
        watchdog.cancel()
        progress("\(count) session(s): \(values.count)/\(count) LUs carried messages again after the kill")
        return FailoverFigures(activation: activation, recovered: Samples(values: values), allBound: allBound)
    }

    private func ms(_ seconds: Double) -> String { format(seconds * 1000, 2) + " ms" }
}

/// When node-a was killed, readable from every stream.
private final class KillClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: ContinuousClock.Instant?
    var killed: ContinuousClock.Instant? { lock.withLock { instant } }
    func mark() { lock.withLock { instant = .now } }
}
