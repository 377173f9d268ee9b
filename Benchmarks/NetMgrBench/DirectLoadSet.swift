import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrHarness

/// Definitions for one host simulator of the direct peer: `count` TnETOS LUs named from
/// `first` on, the host at `host`:2323, permitted from `source` (the group's VIP; the host
/// simulator lets an LU in only from its resource's own address). No netmgrd runs on them.
func writeDirectHostDefinitions(to directory: String, first: Int, count: Int, host: String, source: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let perResource = 250
    let resourceCount = max(1, (count + perResource - 1) / perResource)
    let names = (1...resourceCount).map { String(format: "D%03d", $0) }
    let prefix = host.split(separator: ".").dropLast().joined(separator: ".")
    var text = """
        cluster:
          name: direct
          tls: off
          nodes:
            - { name: node-a, address: \(prefix).11, lan: "\(prefix).11:7301" }
            - { name: node-b, address: \(prefix).12, lan: "\(prefix).12:7301" }
          groups:
            - name: direct
              vip: { name: VIP1, address: \(source) }
              resources: [\(names.joined(separator: ", "))]
        lines:
          - { name: LAN1, procedure: tnetos }
        resources:

        """
    for name in names {
        text += "  - { name: \(name), line: LAN1, host: \"\(host):2323\", own-address: VIP1, dialect: tn3270e }\n"
    }
    text += "lus:\n"
    for offset in 0..<count {
        text += "  - { name: \(benchLUName(first + offset)), address: \(offset % perResource + 1), resource: \(names[offset / perResource]) }\n"
    }
    try text.write(toFile: directory + "/direct.yaml", atomically: true, encoding: .utf8)
}

/// The direct peer over several processes: load `part` connects LUs
/// `part × perProcess ..< …` to the host simulator at 127.0.BLOCK.(100 + part); part 0
/// runs in this process, the others as `netmgr-bench direct-load` children. All start on
/// one go file, so their loads overlap; their latencies come back in files.
enum DirectLoadSet {
    static func measure(count: Int, perProcess: Int, block: Int, seconds: Double, binaries: String) async throws -> (rate: Double, latencies: Samples) {
        let parts = max(1, (count + perProcess - 1) / perProcess)
        let work = NSTemporaryDirectory() + "netmgr-bench-direct-load-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let go = work + "/go"
        let bench = URL(fileURLWithPath: Bundle.main.executablePath!).path
        var children: [(ChildProcess, String)] = []
        do {
            for part in 1..<parts {
                let size = min(perProcess, count - part * perProcess)
                let out = work + "/latencies-\(part)"
                let child = try ChildProcess(name: "direct-load-\(part)", executable: bench, arguments: [
                    "direct-load", "--host", "127.0.\(block).\(100 + part)", "--source", "127.0.\(block).\(20 + part)",
                    "--first", String(part * perProcess), "--count", String(size), "--seconds", String(seconds), "--go", go, "--out", out,
                ], logPath: work + "/direct-load-\(part).log")
                children.append((child, out))
            }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let load = DirectTN3270Load(loop: group.next())
            try await load.connect(count: min(perProcess, count), first: 0, host: "127.0.\(block).100", port: 2323, source: "127.0.\(block).20")
            for (child, _) in children { _ = try await child.waitUntilReady(timeout: .seconds(300)) }
            FileManager.default.createFile(atPath: go, contents: Data())
            let own = try await load.run(for: .milliseconds(Int(seconds * 1000)))
            await load.close()
            try await group.shutdownGracefully()
            var values = own.latencies.values
            var rate = own.rate
            for (child, out) in children {
                guard await child.waitForExit(timeout: .seconds(120)) == 0, let data = FileManager.default.contents(atPath: out) else {
                    throw LoopbackCluster.Failure(description: "\(child.name) failed; see its log")
                }
                let theirs = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
                values += theirs.dropFirst()
                rate += theirs.first ?? 0
            }
            return (rate, Samples(values: values))
        } catch {
            for (child, _) in children { await child.stop() }
            throw error
        }
    }
}

/// One process's share of the direct peer (see `DirectLoadSet`): connects, prints `ready:`,
/// waits for the go file, runs the closed loop, writes its rate and then its latencies (as
/// Doubles) to --out.
struct DirectLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "direct-load", abstract: "(Used by relay) one process's share of the direct TN3270E peer.", shouldDisplay: false)

    @Option var host: String
    @Option var port: Int = 2323
    @Option var source: String
    @Option var first: Int
    @Option var count: Int
    @Option var seconds: Double
    @Option var go: String
    @Option var out: String

    func run() async throws {
        _ = ProcessLimits.raiseOpenFiles()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let load = DirectTN3270Load(loop: group.next())
        try await load.connect(count: count, first: first, host: host, port: port, source: source)
        progress("ready: \(count) bound")
        while !FileManager.default.fileExists(atPath: go) { try await Task.sleep(for: .milliseconds(1)) }
        let result = try await load.run(for: .milliseconds(Int(seconds * 1000)))
        await load.close()
        try await group.shutdownGracefully()
        let values = [result.rate] + result.latencies.values
        let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
        guard FileManager.default.createFile(atPath: out, contents: data) else { throw ValidationError("cannot write \(out)") }
    }
}
