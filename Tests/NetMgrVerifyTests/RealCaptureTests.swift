#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// A real TN3270 exchange on loopback, captured by tcpdump: s3270 (a third-party
/// terminal) and netmgr's own TN3270 client machine against a tiny host built from
/// `TN3270ServerStateMachine`. `netmgr verify` must read the LU and the addresses, and
/// tshark must agree with it.
@Suite("real capture: tcpdump around s3270 and a TN3270 host on loopback", .serialized)
struct RealCaptureTests {
    let netmgr = BuiltProducts.path("netmgr")

    struct CaptureFailure: Error, CustomStringConvertible { var description: String }

    /// Polls the growing capture until `done` holds for what it shows (tcpdump -U writes
    /// each packet as it gets it; the kernel may still hold the last ones).
    static func waitForCapture(_ path: String, port: UInt16, until done: (VerificationReport) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        let verifier = Verifier(options: VerifyOptions(hosts: [VerifyOptions.parseHost("127.0.0.100:\(port)")!], acceptTruncated: true))
        var last: VerificationReport?
        while ContinuousClock.now < deadline {
            last = try? verifier.verify(path: path)
            if let last, done(last) { return }
            try await Task.sleep(for: .milliseconds(20))  // polling a growing file, with a deadline
        }
        let seen = last?.connections.map { "\($0.client.address):\($0.client.port) LU \($0.luName ?? "-") end \($0.endReason)" } ?? []
        throw CaptureFailure(description: "the capture never showed the expected connections; it showed: \(seen)")
    }

    @Test("tcpdump -i lo captures s3270 and a terminal from another address; verify and tshark agree")
    func loopback() async throws {
        let s3270 = try findExecutable("s3270")
        let directory = try TemporaryDirectory(prefix: "verify-real")
        let host = try LoopbackTN3270Host(address: "127.0.0.100")
        defer { host.stop() }
        let path = directory.file("real.pcap")
        // A small snaplen and a 16 MiB buffer: tcpdump's default 256 KiB snaplen leaves the
        // immediate-mode ring a handful of slots, and a loaded machine then drops packets.
        let tcpdump = try BackgroundProcess(try findExecutable("tcpdump"), ["-i", "lo", "-U", "--immediate-mode", "-s", "4096", "-B", "16384", "-w", path, "tcp port \(host.port)"])
        #expect(await tcpdump.waitForStandardError(containing: "listening on"), "tcpdump: \(tcpdump.standardError)")

        // A third-party terminal: s3270 asks for VIPLU01 with TN3270E CONNECT.
        let script = "Connect(VIPLU01@127.0.0.100:\(host.port))\nWait(10,InputField)\nEnter()\nWait(10,Output)\nDisconnect()\nQuit()\n"
        let terminal = try await runProcess("/bin/sh", ["-c", "printf '%s' \"$1\" | \"$0\"", s3270, script], timeout: .seconds(30))
        #expect(terminal.status == 0, "s3270: \(terminal.standardOutput) \(terminal.standardError)")
        // netmgr's own client machine, from node-b's address, same LU: the failover.
        let binding = try LoopbackTN3270Terminal.session(from: "127.0.0.12", to: "127.0.0.100", port: host.port, lu: "VIPLU01")
        #expect(binding.luName == "VIPLU01")

        try await Self.waitForCapture(path, port: host.port) { report in
            report.connections.count == 2 && report.connections.allSatisfy { $0.endReason == .fin }
        }
        tcpdump.signal(SIGTERM)
        #expect(await tcpdump.wait() == 0, "tcpdump: \(tcpdump.standardError)")
        #expect(tcpdump.standardError.contains("\n0 packets dropped by kernel"), "tcpdump: \(tcpdump.standardError)")

        let result = try await runProcess(netmgr, ["verify", "--json", "--expect", "different", "--host", "127.0.0.100:\(host.port)", path])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try VerificationReport.decode(json: Data(result.standardOutput.utf8))
        #expect(report.capture.linkType.number == 1)
        #expect(report.connections.count == 2)
        let (first, second) = (report.connections[0], report.connections[1])
        #expect(first.client.address == "127.0.0.1" && second.client.address == "127.0.0.12")
        #expect(report.connections.allSatisfy { $0.host == EndpointFact(address: "127.0.0.100", port: Int(host.port)) })
        #expect(report.connections.allSatisfy { $0.sawHandshake && $0.dialect == "TN3270E" && $0.luGranted == "VIPLU01" })
        #expect(first.deviceType?.hasPrefix("IBM-3278") == true)
        #expect(first.records.fromHost >= 2 && first.records.fromClient >= 1)
        #expect(second.records == DirectionCounts(fromClient: 2, fromHost: 3))
        let boundary = try #require(report.terminals.first?.boundaries.first)
        #expect(boundary.before.ip == "127.0.0.1" && boundary.after.ip == "127.0.0.12" && boundary.verdict == .kept)
        #expect((boundary.closeToBindSeconds ?? -1) >= 0)

        // Without --host the host is found by its negotiation, with the same facts.
        let discovered = try await TsharkCrossCheckTests.verifyJSON(netmgr, ["--expect", "different", path])
        #expect(discovered.connections.map(\.client) == report.connections.map(\.client))
        #expect(discovered.hosts.map(\.source) == [.negotiation])

        try await TsharkCrossCheckTests.crossCheckTelnet(netmgr, path, hostPort: Int(host.port))
    }
}
