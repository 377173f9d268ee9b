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
        abstract: "Messages/s, p50/p99 latency and netmgrd memory per session for N concurrent LU sessions.",
        discussion: "Each session keeps one message outstanding (send, wait for the host's acceptance, send the next). The peer is the same loop over direct TN3270E connections to the host simulator. Each measurement has its own host simulator and netmgrd, one after the other on the same addresses.")

    @Option(help: "Comma-separated session counts.") var sessions: String = "1,1000,10000"
    @Option(help: "Seconds of load per measurement.") var seconds: Double = 5
    @Option(help: ArgumentHelp("Where netmgr and netmgrd are (default: beside this program).", valueName: "dir")) var binaries: String?
    @Option(help: ArgumentHelp("The LAN between the client and netmgrd: tls (the default, as deployed), plain (cluster.tls: off), or both, measured in the same run with the TLS/plain ratio.", valueName: "tls|plain|both"))
    var lan: String = "tls"

    func validate() throws {
        guard ["tls", "plain", "both"].contains(lan) else { throw ValidationError("--lan must be tls, plain or both, not \(lan)") }
    }

    func run() async throws {
        let counts = sessions.split(separator: ",").compactMap { Int($0) }
        let bin = binaries ?? (URL(fileURLWithPath: Bundle.main.executablePath!).deletingLastPathComponent().path)
        _ = ProcessLimits.raiseOpenFiles()
        let modes = lan == "both" ? [false, true] : [lan == "tls"]
        var table = TextTable(["SESSIONS", "LAN", "RELAY MSG/S", "DIRECT MSG/S", "RATIO", "RELAY P50", "DIRECT P50", "RELAY P99", "DIRECT P99", "NETMGRD RSS/SESSION"])
        var tlsRatios: [String] = []
        for (index, count) in counts.enumerated() {
            let block = 90 + index
            // The peer: direct TN3270E to the host simulator, with no netmgrd in between.
            let direct = try await withCluster(sessions: count, block: block, tls: false, binaries: bin) { cluster in
                try await measureDirect(sessions: count, block: block, cluster: cluster)
            }
            var relayed: [Bool: Measured] = [:]
            for tls in modes {
                relayed[tls] = try await withCluster(sessions: count, block: block, tls: tls, binaries: bin) { cluster in
                    try await measureRelay(sessions: count, cluster: cluster, tls: tls)
                }
            }
            for tls in modes {
                let relay = relayed[tls]!
                table.add(["\(count)", tls ? "tls" : "plain", format(relay.rate, 0), format(direct.rate, 0), format(relay.rate / direct.rate, 2),
                           ms(relay.latencies.median), ms(direct.latencies.median), ms(relay.latencies.p99), ms(direct.latencies.p99),
                           "\(format(relay.bytesPerSession / 1024, 1)) KiB"])
            }
            if let secure = relayed[true], let plain = relayed[false] {
                tlsRatios.append("\(count) session(s): relay over TLS / plain = \(format(secure.rate / plain.rate, 2))")
            }
        }
        print(table.render())
        tlsRatios.forEach { print($0) }
    }

    struct Measured {
        var rate: Double
        var latencies: Samples
        var bytesPerSession: Double = 0
    }

    /// A loopback cluster on `block` for one measurement, stopped however it ends.
    private func withCluster<T>(sessions count: Int, block: Int, tls: Bool, binaries: String,
                                _ body: (LoopbackCluster) async throws -> T) async throws -> T {
        let work = NSTemporaryDirectory() + "netmgr-bench-relay-\(count)-\(tls ? "tls" : "plain")-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        try writeBenchDefinitions(to: work + "/definitions", sessions: count, block: block, tls: tls)
        var behaviour = HostBehaviour()
        behaviour.probeIntervalMilliseconds = 5_000
        behaviour.probeTimeoutMilliseconds = 10_000
        let cluster = try LoopbackCluster(definitionsDirectory: work + "/definitions", workDirectory: work + "/run",
                                          binaries: HarnessBinaries(directory: binaries), behaviour: behaviour)
        do {
            let result = try await body(cluster)
            await cluster.stopAll()
            return result
        } catch {
            await cluster.stopAll()
            throw error
        }
    }

    private func measureDirect(sessions count: Int, block: Int, cluster: LoopbackCluster) async throws -> Measured {
        let duration = Duration.milliseconds(Int(seconds * 1000))
        try await cluster.startHost()
        progress("\(count) session(s): host simulator up; measuring direct TN3270E…")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let direct = DirectTN3270Load(loop: group.next())
        try await direct.connect(count: count, host: "127.0.\(block).100", port: 2323, source: "127.0.\(block).10")
        let peer = try await direct.run(for: duration)
        await direct.close()
        try await group.shutdownGracefully()
        return Measured(rate: peer.rate, latencies: peer.latencies)
    }

    private func measureRelay(sessions count: Int, cluster: LoopbackCluster, tls: Bool) async throws -> Measured {
        let duration = Duration.milliseconds(Int(seconds * 1000))
        try await cluster.startHost()
        try await cluster.startNode("node-a", logLevel: "warning")
        let pid = cluster.nodes["node-a"]!.pid
        let idle = residentBytes(pid: pid)
        progress("\(count) session(s), LAN \(tls ? "TLS" : "plain"): netmgrd up (\(idle / 1024) KiB idle); activating and opening sessions…")
        try await cluster.activate(["bench"], on: "node-a", timeoutSeconds: 120)
        try await waitUntil(.seconds(300), what: "\(count) LUs bound", every: .milliseconds(200)) {
            let status = try? await cluster.status(of: "node-a", brief: true)
            return (status?.resources.map(\.boundCount).reduce(0, +) ?? 0) >= count
        }
        let node = cluster.definitions.cluster.nodes[0]
        var configuration = try cluster.clientConfiguration(name: "bench")
        configuration.servers = [ServerAddress(host: node.lan.host, port: node.lan.port)]
        let client = NetMgrClient(configuration: configuration)
        client.start()
        var opened: [LUSession] = []
        for index in 0..<count {
            let resource = cluster.definitions.lus.first { $0.name == benchLUName(index) }!.resource
            opened.append(try await client.openSession(resource: resource, lu: benchLUName(index)))
        }
        let loaded = residentBytes(pid: pid)
        let relay = try await closedLoop(opened, for: duration)
        await client.shutdown()
        progress("\(count) session(s), LAN \(tls ? "TLS" : "plain"): relay \(format(relay.rate, 0)) msg/s")
        return Measured(rate: relay.rate, latencies: relay.latencies, bytesPerSession: count > 0 ? Double(loaded - idle) / Double(count) : 0)
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

    private func ms(_ seconds: Double) -> String { format(seconds * 1000, 2) + " ms" }
}
