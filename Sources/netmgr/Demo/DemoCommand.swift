import ArgumentParser
import Foundation
import Logging
import NetMgrClient
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
#if canImport(Glibc)
import Glibc
#endif

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole story on loopback: two nodes, a host, a client streaming on every LU, a node killed mid-stream.",
        discussion: """
            Starts the host simulator, the line switch device, the telephone/ISDN exchange (when \
            lines are dialled) and netmgrd for each node, activates \
            the failover group on the first node, streams messages on every terminal LU through \
            NetMgrClient, SIGKILLs the first node and activates the second as a cluster engine \
            would. Then it prints what the host saw (from its journal) against what the \
            definitions promise, the message counts and the failover times.
            Exit codes: 0 every promise kept and no message lost, 1 a promise broken or a \
            message lost, 2 the demo could not run (ports in use, a process failed to start).
            """
    )

    @Option(help: ArgumentHelp("The definitions directory.", valueName: "dir"))
    var definitions: String = "Phonebook"

    @Option(help: ArgumentHelp("Where logs, the host journal, the line capture and sockets go (default: a new temporary directory).", valueName: "dir"))
    var workDir: String?

    @Option(help: "Seconds of streaming before the failover.") var before: Double = 3
    @Option(help: "Seconds of streaming after the failover.") var after: Double = 4
    @Option(help: "Milliseconds between messages on each LU.") var intervalMs: Int = 50
    @Option(help: "Milliseconds between the kill and the activation on the other node (a cluster engine's detection time).")
    var engineDelayMs: Int = 0

    @Option(help: "Seconds the host keeps an LU after its connection closed, answering DEVICE-IN-USE meanwhile (as some real hosts do).")
    var hostHoldAfterClose: Double = 0

    @OptionGroup(title: "The demo application's TLS (default: a certificate the demo issues from the cluster's CA)")
    var tls: ClientTLSOptions

    @Flag(inversion: .prefixedNo, help: "Capture the host's TN3270 traffic on loopback and verify it afterwards (needs root; default: when root).")
    var capture: Bool?

    func validate() throws {
        guard before > 0, after > 0 else { throw ValidationError("--before and --after must be positive") }
        guard intervalMs >= 1 else { throw ValidationError("--interval-ms must be at least 1") }
        guard engineDelayMs >= 0 else { throw ValidationError("--engine-delay-ms cannot be negative") }
        guard hostHoldAfterClose >= 0 else { throw ValidationError("--host-hold-after-close cannot be negative") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let work = try workDir ?? Self.makeTemporaryDirectory()
        let binaries = HarnessBinaries(directory: Self.executableDirectory())
        let cluster: LoopbackCluster
        var behaviour = HostBehaviour()
        behaviour.holdAfterCloseSeconds = hostHoldAfterClose
        // The host records its side of the BDLC lines (LINKTYPE_USER0).
        behaviour.bdlcCapture = true
        do {
            cluster = try LoopbackCluster(definitionsDirectory: definitions, workDirectory: work, binaries: binaries, behaviour: behaviour)
        } catch {
            printError("error: \(error)")
            throw Exit.unreadable
        }
        var story = DemoStory(cluster: cluster)
        var captures = DemoCaptures(cluster: cluster)
        let outcome: DemoOutcome
        do {
            outcome = try await DemoRun(command: self, cluster: cluster, captures: captures).run(story: &story, captures: &captures)
        } catch {
            _ = await captures.stopHostCapture()
            await cluster.stopAll()
            printError("error: the demo could not run: \(error)")
            printError("logs are in \(work)")
            throw Exit.unreadable
        }
        let statistics = await captures.stopHostCapture()
        await cluster.stopAll()
        print(story.render(outcome))

        // The same promises, proven from the wire as a third party would: netmgr verify.
        print("What the captures show (netmgr verify, from the packets alone)")
        if let statistics, statistics.dropped > 0 {
            print("  note: the host capture dropped \(statistics.dropped) packet(s)")
        }
        if captures.hostCapture == nil, let reason = story.captureSkipped {
            print("  host TN3270 traffic not captured: \(reason)")
        }
        let verified = captures.verify()
        verified.lines.forEach { print($0) }
        print("\nLogs, the host journal and the captures are in \(work)")
        if !outcome.succeeded || !verified.kept { throw Exit.failed }
    }

    static func makeTemporaryDirectory() throws -> String {
        // NSTemporaryDirectory() (TMPDIR or /tmp) normally ends in "/"; avoid "//".
        let base = NSTemporaryDirectory()
        let temporary = base.hasSuffix("/") ? base : base + "/"
        var template = Array((temporary + "netmgr-demo.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            let reason = String(cString: strerror(errno))
            FileHandle.standardError.write(Data("netmgr demo: cannot make a work directory in \(temporary): \(reason) (set TMPDIR or give --work-dir)\n".utf8))
            throw Exit.unreadable
        }
        return String(cString: made)
    }

    /// netmgrd and the simulators are started from the directory netmgr runs from.
    static func executableDirectory() -> String {
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        return (URL(fileURLWithPath: path).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
    }
}
