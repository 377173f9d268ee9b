import ArgumentParser
import Foundation
import NetMgrVerify

/// `netmgr-bench verify-throughput`: generates a large capture of many TN3270E sessions
/// with failovers, runs the built `netmgr verify` and tshark (extracting the same
/// fields) on it in the same run, and reports MB/s for each, the ratio, and the
/// verifier's peak RSS at two file sizes (memory must stay flat as the file grows).
struct VerifyThroughputBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-throughput",
        abstract: "netmgr verify vs tshark on a generated multi-gigabyte TN3270 capture with failovers."
    )

    @Option(help: "Size of the large capture, in MB (1 MB = 10^6 bytes).")
    var megabytes: Int = 1100

    @Option(help: "Size of the small capture for the memory comparison, in MB.")
    var smallMegabytes: Int = 250

    @Option(help: "Terminals (LUs), half through the VIP and half with own address none.")
    var lus: Int = 1000

    @Option(help: "Failovers of every LU through the capture.")
    var failovers: Int = 3

    @Option(help: "Timed runs of netmgr verify per size (after one warm-up).")
    var runs: Int = 3

    @Option(help: "The netmgr executable (default: beside this one).")
    var netmgr: String?

    @Option(help: "Keep the generated files in this directory instead of a temporary one.")
    var directory: String?

    @Flag(help: "Do not run tshark.")
    var skipTshark = false

    func run() throws {
        let netmgr = self.netmgr ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("netmgr").path
        guard FileManager.default.isExecutableFile(atPath: netmgr) else {
            throw ValidationError("\(netmgr) not found: build it first (swift build -c release --product netmgr) or give --netmgr")
        }
        let workspace = try directory ?? makeTemporaryDirectory()
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: workspace) } }
        let definitions = workspace + "/definitions"
        try DefinitionsWriter.write(to: definitions, lus: lus)

        print("netmgr verify throughput: \(lus) LUs (half VIP, half own address none), \(failovers) failovers each")
        var results: [(label: String, size: Int64, verify: Samples, rss: Double)] = []
        for (label, megabytes) in [("small", smallMegabytes), ("large", self.megabytes)] {
            let path = workspace + "/\(label).pcap"
            let started = ContinuousClock.now
            var generator = try TN3270TrafficGenerator(path: path, lus: lus, failovers: failovers)
            let summary = try generator.generate(bytes: Int64(megabytes) * 1_000_000)
            let generation = ContinuousClock.now - started
            print("\(label): generated \(format(Double(summary.bytes) / 1e6)) MB, \(summary.packets) packets, \(summary.connections) connections in \(generation)")

            // Correctness first: every boundary found and every promise kept.
            let jsonPath = workspace + "/\(label).json"
            let check = try ChildRun.run(netmgr, ["verify", "--json", "--definitions", definitions, path], standardOutput: jsonPath)
            let report = try VerificationReport.decode(json: Data(contentsOf: URL(fileURLWithPath: jsonPath)))
            let expected = lus * failovers
            print("  verify: exit \(check.status), \(report.summary.boundaries) boundaries (expected \(expected)), \(report.summary.kept) kept, \(report.summary.broken) broken, \(report.connections.count) connections")
            guard check.status == 0, report.summary.boundaries == expected, report.summary.kept == expected else {
                throw ValidationError("the verifier's report is not what the generator made: \(report.summary.message)")
            }

            var samples = Samples()
            var rss = 0.0
            for _ in 0..<runs {
                let timed = try ChildRun.run(netmgr, ["verify", "--definitions", definitions, path])
                samples.add(timed.seconds)
                rss = max(rss, timed.peakResidentMiB)
            }
            let mbps = Double(summary.bytes) / 1e6 / samples.median
            print("  netmgr verify: \(format(mbps)) MB/s, \(format(Double(summary.packets) / samples.median / 1e6, 2)) Mpackets/s (median of \(runs): \(format(samples.median, 2)) s), peak RSS \(format(rss)) MiB")
            results.append((label, summary.bytes, samples, rss))
            if label == "small" { try? FileManager.default.removeItem(atPath: path) }
        }
        let large = results[1]
        print("memory: peak RSS \(format(results[0].rss)) MiB at \(format(Double(results[0].size) / 1e6)) MB, \(format(large.rss)) MiB at \(format(Double(large.size) / 1e6)) MB")

        guard !skipTshark else { return }
        let fields = ["frame.time_epoch", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "telnet.tn3270.request_string",
                      "telnet.tn3270.connect", "telnet.tn3270.reason", "telnet.string_subopt.value"]
        let arguments = ["-r", workspace + "/large.pcap", "-n", "-d", "tcp.port==2323,telnet", "-T", "fields",
                         "-Y", "telnet.tn3270.subopt || telnet.string_subopt.value"] + fields.flatMap { ["-e", $0] }
        let tshark = try ChildRun.run("tshark", arguments, standardOutput: workspace + "/tshark.txt")
        guard tshark.status == 0 else { throw ValidationError("tshark exited \(tshark.status)") }
        let tsharkMBps = Double(large.size) / 1e6 / tshark.seconds
        let verifyMBps = Double(large.size) / 1e6 / large.verify.median
        print("tshark \(fields.count) fields: \(format(tsharkMBps)) MB/s (\(format(tshark.seconds, 1)) s), peak RSS \(format(tshark.peakResidentMiB)) MiB")
        print("ratio: netmgr verify is \(format(verifyMBps / tsharkMBps)) times tshark's throughput (goal: 20)")
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/netmgr-bench-verify.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw ValidationError("cannot create a temporary directory") }
        return String(cString: made)
    }
}
