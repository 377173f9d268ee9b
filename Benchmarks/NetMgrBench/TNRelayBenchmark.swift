import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrHarness

/// Issue 15 part 3: the TN server's path. An emulator-like load (TN3270E, the LU by name, no
/// functions; each session types Enter and waits for the host's screen before the next) goes
/// emulator → netmgrd's TN server → host, and the same load straight to the host simulator,
/// alternately in the same run; medians of several runs of each, and their ratio.
struct TNRelayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tn-relay",
        abstract: "Emulator sessions through the TN server vs the same load direct to the host: msg/s, p50/p99, ratio.",
        discussion: "Each session keeps one input outstanding: send an Enter record, wait for the host's keyboard-restoring Write, send the next. Through the TN server the resource speaks basic TN3270 to the host (which answers input with that Write); direct, the emulator speaks TN3270E without RESPONSES (the host answers the same way). Each run has its own host simulator (and netmgrd), on 127.0.102.0/24.")

    @Option(help: "Comma-separated session counts.") var sessions: String = "1,100"
    @Option(help: "Seconds of load per measurement.") var seconds: Double = 5
    @Option(help: "Runs of each path per session count (medians are reported).") var runs: Int = 3
    @Option(help: ArgumentHelp("Where netmgr and netmgrd are (default: beside this program).", valueName: "dir")) var binaries: String?

    static let block = 102
    static let tnPort = 2399

    func validate() throws {
        guard runs >= 1, runs <= 50 else { throw ValidationError("--runs must be 1 to 50, not \(runs)") }
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be more than 0 and at most 600, not \(seconds)") }
        let counts = sessions.split(separator: ",").map { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 5_000 }) else {
            throw ValidationError("--sessions must be comma-separated counts from 1 to 5000 (LUs of one /24 TN test block), not \(sessions)")
        }
    }

    func run() async throws {
        let counts = sessions.split(separator: ",").compactMap { Int($0) }
        _ = ProcessLimits.raiseOpenFiles()
        var table = TextTable(["SESSIONS", "RUNS", "TN MSG/S", "DIRECT MSG/S", "RATIO", "TN P50", "DIRECT P50", "TN P99", "DIRECT P99"])
        for count in counts {
            var tn: [Measured] = [], direct: [Measured] = []
            for run in 1...runs {
                direct.append(try await withCluster(sessions: count) { try await measureDirect(count, $0) })
                tn.append(try await withCluster(sessions: count) { try await measureTN(count, $0) })
                progress("\(count) session(s), run \(run)/\(runs): TN \(format(tn.last!.rate, 0)) msg/s, direct \(format(direct.last!.rate, 0)) msg/s")
            }
            func median(_ values: [Double]) -> Double { Samples(values: values).median }
            let tnRate = median(tn.map(\.rate)), directRate = median(direct.map(\.rate))
            table.add(["\(count)", "\(runs)", format(tnRate, 0), format(directRate, 0), format(tnRate / directRate, 2),
                       ms(median(tn.map(\.latencies.median))), ms(median(direct.map(\.latencies.median))),
                       ms(median(tn.map(\.latencies.p99))), ms(median(direct.map(\.latencies.p99)))])
        }
        print(table.render())
        print("Rates and percentiles are medians over the runs; the ratio is TN / direct of those medians.")
    }

    struct Measured {
        var rate: Double
        var latencies: Samples
    }

    /// A loopback cluster on the bench block for one measurement, stopped however it ends.
    private func withCluster<T>(sessions count: Int, _ body: (LoopbackCluster) async throws -> T) async throws -> T {
        let work = NSTemporaryDirectory() + "netmgr-bench-tn-\(count)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.writeDefinitions(to: work + "/definitions", sessions: count)
        let cluster = try LoopbackCluster(definitionsDirectory: work + "/definitions", workDirectory: work + "/run",
                                          binaries: HarnessBinaries(directory: binaries ?? (URL(fileURLWithPath: Bundle.main.executablePath!).deletingLastPathComponent().path)),
                                          behaviour: .underLoad)
        return try await cluster.stoppingAfter(body)
    }

    /// The relay benchmark's definitions on block 102, with basic TN3270 to the host, a TN
    /// server on node-a and one pool of every LU for the bench's emulator addresses.
    static func writeDefinitions(to directory: String, sessions count: Int) throws {
        try writeBenchDefinitions(to: directory, sessions: count, block: block, tls: false)
        let path = directory + "/bench.yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let lus = (0..<count).map(benchLUName).joined(separator: ", ")
        text = text.replacingOccurrences(of: "dialect: tn3270e", with: "dialect: tn3270")
            .replacingOccurrences(of: "lan: \"127.0.\(block).11:7301\" }", with: "lan: \"127.0.\(block).11:7301\", tn-server: \"127.0.\(block).11:\(tnPort)\" }")
            .replacingOccurrences(of: "  groups:\n", with: """
                  tn-server:
                    keep-lu: 0
                    probe-interval: 0
                    pools:
                      - { name: BPOOL, lus: [\(lus)] }
                    map:
                      - { clients: [127.0.\(block).0/24], pool: BPOOL }
                  groups:

                """)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func measureDirect(_ count: Int, _ cluster: LoopbackCluster) async throws -> Measured {
        try await cluster.startHost()
        return try await load(count, host: "127.0.\(Self.block).100", port: 2323, source: "127.0.\(Self.block).10")
    }

    private func measureTN(_ count: Int, _ cluster: LoopbackCluster) async throws -> Measured {
        try await cluster.startHost()
        try await cluster.startNode("node-a", logLevel: "warning")
        try await cluster.activate(["bench"], on: "node-a", timeoutSeconds: 120)
        try await waitUntil(.seconds(300), what: "\(count) LUs bound at the host", every: .milliseconds(200)) {
            let status = try? await cluster.status(of: "node-a", brief: true)
            return (status?.resources.map(\.boundCount).reduce(0, +) ?? 0) >= count
        }
        return try await load(count, host: "127.0.\(Self.block).11", port: Self.tnPort, source: "127.0.\(Self.block).50")
    }

    private func load(_ count: Int, host: String, port: Int, source: String) async throws -> Measured {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let load = DirectTN3270Load(loop: group.next(), emulator: true)
        do {
            try await load.connect(count: count, host: host, port: port, source: source)
            let result = try await load.run(for: .milliseconds(Int(seconds * 1000)))
            await load.close()
            try await group.shutdownGracefully()
            return Measured(rate: result.rate, latencies: result.latencies)
        } catch {
            await load.close()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func ms(_ seconds: Double) -> String { format(seconds * 1000, 2) + " ms" }
}
