import ArgumentParser
import CPcap
import Foundation
import NetMgrVerify

/// `netmgr-bench verify-throughput`: generates a large capture of many TN3270E sessions
/// with failovers, runs the built `netmgr verify`, a bare libpcap read of the same file
/// (`verify-throughput bare-read`: a loop over pcap_next_ex that only reads) and tshark
/// (extracting the same fields) on it in the same run, and reports MB/s for each, the
/// ratios, and the verifier's peak RSS at two file sizes (memory must stay flat as the
/// file grows). The bare read and the verifier run alternately, each in its own process.
struct VerifyThroughputBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-throughput",
        abstract: "netmgr verify vs a bare libpcap read and tshark on a generated multi-gigabyte TN3270 capture with failovers.",
        subcommands: [BareRead.self]
    )

    @Option(help: "Size of the large capture, in MB (1 MB = 10^6 bytes).")
    var megabytes: Int = 1100

    @Option(help: "Size of the small capture for the memory comparison, in MB.")
    var smallMegabytes: Int = 250

    @Option(help: "Terminals (LUs), half through the VIP and half with own address none.")
    var lus: Int = 1000

    @Option(help: "Failovers of every LU through the capture.")
    var failovers: Int = 3

    @Option(help: "Timed runs of netmgr verify and of the bare read per size (after one warm-up).")
    var runs: Int = 5

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
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        var results: [(label: String, size: Int64, verify: Samples, rss: Double, bare: Samples)] = []
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

            // The peer: a loop over pcap_next_ex that only reads, in its own process like the
            // verifier, alternating with it so that both see the same machine.
            let bareArguments = ["verify-throughput", "bare-read", path]
            let warm = try ChildRun.run(bench, bareArguments)  // also warms the page cache
            guard warm.status == 0 else { throw ValidationError("the bare read exited \(warm.status)") }
            var samples = Samples()
            var bare = Samples()
            var rss = 0.0
            var bareRSS = 0.0
            for _ in 0..<runs {
                let read = try ChildRun.run(bench, bareArguments)
                bare.add(read.seconds)
                bareRSS = max(bareRSS, read.peakResidentMiB)
                let timed = try ChildRun.run(netmgr, ["verify", "--definitions", definitions, path])
                samples.add(timed.seconds)
                rss = max(rss, timed.peakResidentMiB)
            }
            // ru_maxrss from ChildRun is the bench's own high-water mark: posix_spawn's child
            // shares the bench's memory until exec, and exec keeps that mark. GNU time forks
            // from a small process, so its %M is the child's own peak.
            if let own = try Self.ownPeakMiB(netmgr, ["verify", "--definitions", definitions, path], scratch: workspace) { rss = own }
            if let own = try Self.ownPeakMiB(bench, bareArguments, scratch: workspace) { bareRSS = own }
            let mbps = Double(summary.bytes) / 1e6 / samples.median
            let bareMBps = Double(summary.bytes) / 1e6 / bare.median
            print("  bare libpcap read (pcap_next_ex only): \(format(bareMBps)) MB/s (median of \(runs): \(format(bare.median, 3)) s, runs \(bare.values.map { format($0, 3) }.joined(separator: " "))), peak RSS \(format(bareRSS)) MiB")
            print("  netmgr verify: \(format(mbps)) MB/s, \(format(Double(summary.packets) / samples.median / 1e6, 2)) Mpackets/s (median of \(runs): \(format(samples.median, 3)) s, runs \(samples.values.map { format($0, 3) }.joined(separator: " "))), peak RSS \(format(rss)) MiB")
            print("  ratio: netmgr verify takes \(format(samples.median / bare.median, 2)) times the bare read's time (goal: 1.5)")
            results.append((label, summary.bytes, samples, rss, bare))
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
        print("ratio: netmgr verify takes \(format(large.verify.median / large.bare.median, 2)) times the bare libpcap read's time (goal: 1.5)")
    }

    /// `netmgr-bench verify-throughput bare-read FILE`: the peer. Opens the file the way
    /// `CaptureReader` always has (a 1 MiB stdio buffer, nanosecond timestamps) and calls
    /// pcap_next_ex until the end, touching nothing but the lengths.
    struct BareRead: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bare-read", abstract: "Read every packet of a capture with libpcap and nothing else.", shouldDisplay: false)

        @Argument(help: "The capture.")
        var path: String

        func run() throws {
            guard let file = fopen(path, "rb") else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
            let bufferSize = 1 << 20
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bufferSize)
            defer { buffer.deallocate() }
            setvbuf(file, buffer, _IOFBF, bufferSize)
            var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
            guard let pcap = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
                fclose(file)
                throw ValidationError("libpcap: \(String(cString: errbuf))")
            }
            defer { pcap_close(pcap) }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            var packets = 0
            var bytes = 0
            var rc: Int32 = 0
            while true {
                rc = pcap_next_ex(pcap, &header, &data)
                guard rc == 1, let h = header else { break }
                packets &+= 1
                bytes &+= Int(h.pointee.caplen)
            }
            guard rc == PCAP_ERROR_BREAK else { throw ValidationError("libpcap: \(String(cString: pcap_geterr(pcap)))") }
            print("\(packets) packets, \(bytes) captured bytes")
        }
    }

    /// The child's own peak RSS in MiB, measured by /usr/bin/time (nil without it).
    static func ownPeakMiB(_ executable: String, _ arguments: [String], scratch: String) throws -> Double? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { return nil }
        let out = scratch + "/peak-rss.txt"
        let run = try ChildRun.run("/usr/bin/time", ["-f", "%M", "-o", out, executable] + arguments)
        guard run.status == 0, let text = try? String(contentsOfFile: out, encoding: .utf8),
            let kib = Double(text.split(separator: "\n").last.map(String.init) ?? "")
        else { return nil }
        return kib / 1024
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/netmgr-bench-verify.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw ValidationError("cannot create a temporary directory") }
        return String(cString: made)
    }
}
