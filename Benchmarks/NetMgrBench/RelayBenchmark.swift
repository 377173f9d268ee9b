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
        discussion: "Each session keeps one message outstanding (send, wait for the host's acceptance, send the next). The peer is the same loop over direct TN3270E connections to the host simulator.")

    @Option(help: "Comma-separated session counts.") var sessions: String = "1,1000,10000"
    @Option(help: "Seconds of load per measurement.") var seconds: Double = 5
    @Option(help: ArgumentHelp("Where netmgr and netmgrd are (default: beside this program).", valueName: "dir")) var binaries: String?

    func run() async throws {
        let counts = sessions.split(separator: ",").compactMap { Int($0) }
        let bin = binaries ?? (URL(fileURLWithPath: Bundle.main.executablePath!).deletingLastPathComponent().path)
        _ = ProcessLimits.raiseOpenFiles()
        var rows: [[String]] = []
        for (index, count) in counts.enumerated() {
            let row = try await measure(sessions: count, block: 90 + index, binaries: bin)
            rows.append(row)
        }
        var table = TextTable(["SESSIONS", "RELAY MSG/S", "DIRECT MSG/S", "RATIO", "RELAY P50", "DIRECT P50", "RELAY P99", "DIRECT P99", "NETMGRD RSS/SESSION"])
        rows.forEach { table.add($0) }
        print(table.render())
    }

    private func measure(sessions count: Int, block: Int, binaries: String) async throws -> [String] {
        let work = NSTemporaryDirectory() + "netmgr-bench-relay-\(count)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        try writeBenchDefinitions(to: work + "/definitions", sessions: count, block: block)
        var behaviour = HostBehaviour()
        behaviour.probeIntervalMilliseconds = 5_000
        behaviour.probeTimeoutMilliseconds = 10_000
        let cluster = try LoopbackCluster(definitionsDirectory: work + "/definitions", workDirectory: work + "/run",
                                          binaries: HarnessBinaries(directory: binaries), behaviour: behaviour)
        do {
            let row = try await measure(sessions: count, block: block, cluster: cluster)
            await cluster.stopAll()
            return row
        } catch {
            await cluster.stopAll()
            throw error
        }
    }

    private func measure(sessions count: Int, block: Int, cluster: LoopbackCluster) async throws -> [String] {
        let duration = Duration.milliseconds(Int(seconds * 1000))
        try await cluster.startHost()
        progress("\(count) session(s): host simulator up; measuring direct TN3270E…")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let direct = DirectTN3270Load(loop: group.next())
        try await direct.connect(count: count, host: "127.0.\(block).100", port: 2323, source: "127.0.\(block).10")
        let peer = try await direct.run(for: duration)
        await direct.close()
        try await group.shutdownGracefully()
        // netmgrd asks for the same LUs: wait until the host journaled every direct one free.
        try await waitUntil(.seconds(120), what: "the host to free the \(count) direct LUs", every: .milliseconds(200)) {
            ((try? cluster.journal()) ?? []).filter { $0.event == .unbind }.count >= count
        }

        try await cluster.startNode("node-a", logLevel: "warning")
        let pid = cluster.nodes["node-a"]!.pid
        let idle = residentBytes(pid: pid)
        progress("\(count) session(s): netmgrd up (\(idle / 1024) KiB idle); activating and opening sessions…")
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
        let perSession = count > 0 ? Double(loaded - idle) / Double(count) : 0
        progress("\(count) session(s): relay \(format(relay.rate, 0)) msg/s, direct \(format(peer.rate, 0)) msg/s")
        return ["\(count)", format(relay.rate, 0), format(peer.rate, 0), format(relay.rate / peer.rate, 2),
                ms(relay.latencies.median), ms(peer.latencies.median), ms(relay.latencies.p99), ms(peer.latencies.p99),
                "\(format(perSession / 1024, 1)) KiB"]
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
