#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetMgrSimulators
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// tcpdump around s3270 (a third-party terminal) and netmgr's host simulator, a host
/// that holds an LU for a while after its connection closed: verify must see the
/// DEVICE-IN-USE refusal between the two sessions, both dialects, and the same terminal
/// address; tshark must agree.
@Suite("real capture: tcpdump around s3270 and netmgr sim host", .serialized)
struct HostSimulatorCaptureTests {
    let netmgr = BuiltProducts.path("netmgr")

    /// Runs an s3270 script against `target`; returns its status and output.
    func s3270(_ target: String, _ actions: String) async throws -> ProcessResult {
        let script = "Connect(\(target))\n\(actions)Disconnect()\nQuit()\n"
        return try await runProcess("/bin/sh", ["-c", "printf '%s' \"$1\" | \"$0\"", try findExecutable("s3270"), script], timeout: .seconds(30))
    }

    @Test("s3270 in TN3270E, refused while the host holds the LU, then in basic TN3270: verify and tshark agree")
    func heldLU() async throws {
        let directory = try TemporaryDirectory(prefix: "verify-simhost")
        let journalPath = directory.file("journal.jsonl")
        let host = try LaunchedProcess(netmgr, ["sim", "host", "--listen", "127.0.0.100:0", "--lu", "SIMLU01", "--journal", journalPath,
                                                "--hold-after-close", "8", "--log-level", "info"])
        defer { host.signal(SIGKILL) }
        let ready = try await host.line(startingWith: "ready: tn3270 ")
        let port = try #require(Int(ready.split(separator: ":").last ?? ""))
        let path = directory.file("simhost.pcap")
        let tcpdump = try BackgroundProcess(try findExecutable("tcpdump"), ["-i", "lo", "-U", "--immediate-mode", "-s", "4096", "-B", "16384", "-w", path, "tcp port \(port)"])
        defer { tcpdump.signal(SIGKILL) }
        #expect(await tcpdump.waitForStandardError(containing: "listening on"), "tcpdump: \(tcpdump.standardError)")

        // TN3270E, the LU by CONNECT; one Enter the host accepts.
        let first = try await s3270("SIMLU01@127.0.0.100:\(port)", "Wait(10,InputField)\nEnter()\nWait(10,Output)\n")
        #expect(first.status == 0, "s3270: \(first.standardOutput) \(first.standardError)")
        // At once again: the host still holds SIMLU01 (DEVICE-IN-USE; s3270 then tries basic and is closed).
        // The hold is 8 s so that s3270 still starts inside it while the rest of the suite (Hercules,
        // netmgrd pairs, tcpdump) keeps both cores busy; 4 s was not always enough.
        _ = try await host.errorLine(containing: "LU SIMLU01 stays busy", timeout: .seconds(10))
        _ = try await s3270("SIMLU01@127.0.0.100:\(port)", "")
        // Once the hold is over: basic TN3270 (N:), the LU from IBM-3278-2@SIMLU01.
        _ = try await host.errorLine(containing: "LU SIMLU01 is free: its hold after close ran out", timeout: .seconds(10))
        let third = try await s3270("N:SIMLU01@127.0.0.100:\(port)", "Wait(10,InputField)\nEnter()\nWait(10,Output)\n")
        #expect(third.status == 0, "s3270: \(third.standardOutput) \(third.standardError)")

        try await RealCaptureTests.waitForCapture(path, port: UInt16(port)) { report in
            report.connections.filter(\.isBound).count == 2 && report.connections.allSatisfy { $0.endReason != .captureEnd }
        }
        tcpdump.signal(SIGTERM)
        #expect(await tcpdump.wait() == 0, "tcpdump: \(tcpdump.standardError)")
        #expect(tcpdump.standardError.contains("\n0 packets dropped by kernel"), "tcpdump: \(tcpdump.standardError)")

        let result = try await runProcess(netmgr, ["verify", "--json", "--expect", "same", "--host", "127.0.0.100:\(port)", path])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try VerificationReport.decode(json: Data(result.standardOutput.utf8))
        let bound = report.connections.filter { $0.isBound && $0.luName == "SIMLU01" }
        #expect(bound.map { $0.dialect ?? "-" } == ["TN3270E", "TN3270"], "\(report.connections.map { ($0.dialect, $0.luName ?? "-") })")
        // TN3270E grants by name; in basic TN3270 the @LU suffix stays a request.
        #expect(bound.map { $0.luGranted ?? "requested" } == ["SIMLU01", "requested"])
        #expect(report.connections.flatMap(\.rejects).contains { $0.reason == "DEVICE-IN-USE" && $0.code == 1 })
        let terminal = try #require(report.terminals.first { $0.lu == "SIMLU01" })
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.verdict == .kept && boundary.before.ip == "127.0.0.1" && boundary.after.ip == "127.0.0.1")
        #expect(boundary.reasonsBetween.contains { $0.contains("DEVICE-IN-USE") }, "\(boundary.reasonsBetween)")

        // The host's journal, the ground truth, says the same.
        let journal = try HostJournal.read(path: journalPath)
        #expect(journal.filter { $0.event == .bind }.map { $0.dialect ?? "" } == ["tn3270e", "tn3270"])
        #expect(journal.contains { $0.event == .reject && ($0.reason ?? "").contains("DEVICE-IN-USE") })

        try await TsharkCrossCheckTests.crossCheckTelnet(netmgr, path, hostPort: port, arguments: ["--host", "127.0.0.100:\(port)"])
    }
}
