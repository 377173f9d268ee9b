#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetMgrTestSupport
import Testing

/// `netmgr capture` as an operator runs it: stops on a packet count, a duration, SIGINT
/// or SIGTERM with a summary; clear errors with exit 2; the file it writes verifies.
@Suite("netmgr capture", .serialized)
struct CaptureCommandTests {
    let netmgr = BuiltProducts.path("netmgr")
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "capture-cli") }

    /// Starts `netmgr capture` with a clean signal mask and waits until it is capturing.
    func start(_ arguments: [String]) async throws -> BackgroundProcess {
        let process = try BackgroundProcess(netmgr, ["capture"] + arguments, standardOutput: directory.file("stdout"))
        #expect(await process.waitForStandardError(containing: "capturing on"), "\(process.standardError)")
        return process
    }

    func standardOutput() throws -> String { try String(contentsOfFile: directory.file("stdout"), encoding: .utf8) }

    /// One TCP connection to a listener on 127.0.0.1, opened and closed.
    func connectOnce(_ listener: (fd: Int32, port: UInt16)) throws {
        let client = try LoopbackSocket.connect(from: "127.0.0.1", to: "127.0.0.1", port: listener.port)
        let server = LoopbackSocket.accept(listener.fd)
        try LoopbackSocket.writeAll(client, Array("hello".utf8))
        close(client)
        close(server)
    }

    @Test("--count stops after that many packets; the file verifies")
    func count() async throws {
        let listener = try LoopbackSocket.listen(on: "127.0.0.1")
        defer { close(listener.fd) }
        let output = directory.file("count.pcap")
        let capture = try await start(["-i", "lo", "-f", "tcp port \(listener.port)", "-o", output, "--count", "3"])
        try connectOnce(listener)
        #expect(await capture.wait() == 0, "\(capture.standardError)")
        #expect(try standardOutput().contains("3 packets captured into \(output) (0 dropped by the kernel buffer"))
        #expect(try standardOutput().contains("stopped by --count 3"))
        #expect(FileManager.default.fileExists(atPath: output) && !FileManager.default.fileExists(atPath: output + ".tmp"))
        let verify = try await runProcess(netmgr, ["verify", output])
        #expect(verify.status == 0 && verify.standardOutput.contains("Capture \(output): 3 packets"), "\(verify.standardError)")
    }

    @Test("SIGINT and SIGTERM stop it cleanly with a summary", arguments: [SIGINT, SIGTERM])
    func signals(signal: Int32) async throws {
        let output = directory.file("signal-\(signal).pcap")
        let capture = try await start(["--interface", "lo", "--filter", "tcp port 9", "--output", output])
        capture.signal(signal)
        #expect(await capture.wait() == 0, "\(capture.standardError)")
        #expect(try standardOutput().contains("stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"))
        let verify = try await runProcess(netmgr, ["verify", output])
        #expect(verify.status == 0 && verify.standardOutput.contains("0 packets, link type 1 (EN10MB)"), "\(verify.standardError)")
    }

    @Test("--duration stops it")
    func duration() async throws {
        let result = try await runProcess(netmgr, ["capture", "-i", "lo", "-f", "tcp port 9", "-o", directory.file("d.pcap"), "--duration", "200ms"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("stopped by --duration 200ms"))
    }

    @Test("an unknown interface, a bad filter, and no permission exit 2 with the reason")
    func errors() async throws {
        let unknown = try await runProcess(netmgr, ["capture", "-i", "nosuch0", "-o", directory.file("x.pcap")])
        #expect(unknown.status == 2 && unknown.standardError.contains("interface nosuch0: no such interface"), "\(unknown.standardError)")
        let filter = try await runProcess(netmgr, ["capture", "-i", "lo", "-f", "tcp prot 23", "-o", directory.file("x.pcap")])
        #expect(filter.status == 2 && filter.standardError.contains("interface lo: bad capture filter \"tcp prot 23\""), "\(filter.standardError)")
        if getuid() == 0 {
            // As an ordinary user would run it (root may capture anywhere).
            let denied = try await runProcess("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", netmgr, "capture", "-i", "lo", "-o", "/tmp/netmgr-denied.pcap"])
            #expect(denied.status == 2 && denied.standardError.contains("permission denied to capture"), "\(denied.standardError)")
        }
    }

    @Test("bad command lines exit 64", arguments: [
        ["-i", "lo"], ["-i", "lo", "-o", "x.pcap", "--duration", "soon"], ["-i", "lo", "-o", "x.pcap", "--count", "0"], ["-o", "x.pcap"],
    ])
    func usage(arguments: [String]) async throws {
        let result = try await runProcess(netmgr, ["capture"] + arguments)
        #expect(result.status == 64, "\(arguments): \(result.standardError)")
    }
}
