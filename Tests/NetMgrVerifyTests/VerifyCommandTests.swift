import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// `netmgr verify` run as an operator runs it: exit codes, the readable report, --json,
/// and a clear message for every kind of bad input.
@Suite("netmgr verify: exit codes, output and bad input")
struct VerifyCommandTests {
    let netmgr = BuiltProducts.path("netmgr")
    let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "verify-cli") }

    func run(_ arguments: [String]) async throws -> ProcessResult {
        try await runProcess(netmgr, ["verify"] + arguments)
    }

    @Test("VIP failover with the definitions: ○ kept, exit 0, readable report")
    func vipKept() async throws {
        let result = try await run(["--definitions", phonebook, try Scenarios.vipFailover(in: directory)])
        #expect(result.status == 0, "\(result.standardError)")
        let out = result.standardOutput
        #expect(out.contains("Terminal VIPLU01 at 127.0.0.100:2323: 2 episodes"))
        #expect(out.contains("promise ○ same (resource TNVIP, definitions)"))
        #expect(out.contains("boundary 1: 127.0.0.10 → 127.0.0.10: data outage 0.357 s"))
        #expect(out.contains("KEPT"))
        #expect(out.contains("Result: 1 failover boundary seen; 1 promise kept (exit 0)"))
    }

    @Test("own address none: △ kept with the definitions; --expect same breaks it: exit 1")
    func ownAddressNone() async throws {
        let path = try Scenarios.ownAddressNoneFailover(in: directory)
        let kept = try await run(["--definitions", phonebook, path])
        #expect(kept.status == 0)
        #expect(kept.standardOutput.contains("promise △ different (resource TNREAL, definitions)"))
        let broken = try await run(["--expect", "same", path])
        #expect(broken.status == 1)
        #expect(broken.standardOutput.contains("BROKEN: promised the same terminal, but the host saw client address 127.0.0.11 → 127.0.0.12"))
    }

    @Test("--json prints the documented schema; its exit code matches the summary")
    func json() async throws {
        let result = try await run(["--json", "--expect", "same", try Scenarios.ownAddressNoneFailover(in: directory)])
        #expect(result.status == 1)
        let report = try VerificationReport.decode(json: Data(result.standardOutput.utf8))
        #expect(report.schemaVersion == 1 && report.expect == "same")
        #expect(report.summary.exitCode == 1 && report.summary.verdict == "broken")
        #expect(report.terminals.first?.boundaries.first?.before.ip == "127.0.0.11")
        #expect(report.connections.map(\.client.port) == [40001, 40002])
    }

    @Test("line switch failover with a different node id: exit 1")
    func lineBroken() async throws {
        let path = try Scenarios.lineFailover(in: directory, name: "other.pcap", secondNodeID: 0x05D0_0002)
        let result = try await run(["--definitions", phonebook, path])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("BROKEN: promised the same terminal, but the host saw XID node id 05D00001 → 05D00002"))
        #expect(!result.standardOutput.contains("Hosts:"))
    }

    @Test("reads standard input with -")
    func standardInput() async throws {
        let path = try Scenarios.basicWithAtLU(in: directory)
        let result = try await runProcess("/bin/sh", ["-c", "\"$0\" verify --expect same - < \"$1\"", netmgr, path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("no failover seen"))
    }

    // MARK: Bad input: exit 2 and a message that says why

    @Test("an empty file") func emptyFile() async throws {
        let path = directory.file("empty.pcap")
        try PcapBytes.write([], to: path)
        let result = try await run([path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(path): empty file (0 bytes), not a capture"))
    }

    @Test("a text file") func textFile() async throws {
        let path = directory.file("notes.txt")
        try PcapBytes.write(Array("tcpdump -i eth0 -w capture.pcap\n".utf8), to: path)
        let result = try await run([path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(path): not a pcap or pcapng capture file"))
    }

    @Test("a truncated capture names the packet; --accept-truncated reports up to the cut")
    func truncated() async throws {
        let whole = try PcapBytes.read(try Scenarios.vipFailover(in: directory))
        // Header (24) + records: cut 10 bytes into the data of the packet after 20 records.
        var offset = 24
        for _ in 0..<20 {
            let caplen = Int(whole[offset + 8]) | Int(whole[offset + 9]) << 8
            offset += 16 + caplen
        }
        let path = directory.file("cut.pcap")
        try PcapBytes.write(Array(whole.prefix(offset + 16 + 10)), to: path)
        let result = try await run([path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(path): file is truncated inside packet 21"), "\(result.standardError)")
        #expect(result.standardError.contains("packets 1...20 are intact"))
        let accepted = try await run(["--accept-truncated", "--expect", "same", path])
        #expect(accepted.status == 0)
        #expect(accepted.standardOutput.contains("Capture \(path): 20 packets"))
        #expect(accepted.standardOutput.contains("note: read up to a truncated record"))
    }

    @Test("a corrupted record length") func corruptRecord() async throws {
        var bytes = try PcapBytes.read(try Scenarios.basicWithAtLU(in: directory))
        let firstLength = Int(bytes[24 + 8]) | Int(bytes[24 + 9]) << 8
        let second = 24 + 16 + firstLength
        bytes.replaceSubrange((second + 8)..<(second + 16), with: PcapBytes.le32(0x7FFF_FFF0) + PcapBytes.le32(0x7FFF_FFF0))
        let path = directory.file("corrupt.pcap")
        try PcapBytes.write(bytes, to: path)
        let result = try await run([path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(path): packet 2"), "\(result.standardError)")
        #expect(result.standardError.contains("corrupt record"))
        #expect(result.standardError.contains("2147483632"))
    }

    @Test("an unsupported link type, with its number and name") func unsupportedLinkType() async throws {
        let path = directory.file("ppp.pcap")
        try PcapBytes.write(PcapBytes.header(linkType: 9) + PcapBytes.record([0xFF, 0x03, 0x00, 0x21]), to: path)
        let result = try await run([path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(path): unsupported link type 9 (PPP)"))
    }

    @Test("a pcapng that mixes link types") func mixedLinkTypes() async throws {
        let ethernet = [UInt8](repeating: 0, count: 12) + [0x08, 0x00] + Wire.ipv4(source: "10.0.0.1", destination: "10.0.0.2", identification: 1, payload: [])
        let path = directory.file("mixed.pcapng")
        try PcapBytes.write(
            PcapBytes.sectionHeader + PcapBytes.interface(linkType: 1) + PcapBytes.packet(interface: 0, ethernet)
                + PcapBytes.interface(linkType: 268) + PcapBytes.packet(interface: 1, [0xC1, 0x93]), to: path)
        let result = try await run([path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(path): pcapng mixes link types 1 (EN10MB, Ethernet) and 268 (SDLC"), "\(result.standardError)")
    }

    @Test("a missing file, and definitions that cannot be read") func missing() async throws {
        let missing = try await run(["/nonexistent/capture.pcap"])
        #expect(missing.status == 2 && missing.standardError.contains("/nonexistent/capture.pcap: no such file"))
        let path = try Scenarios.basicWithAtLU(in: directory)
        let badDefinitions = try await run(["--definitions", "/nonexistent/defs", path])
        #expect(badDefinitions.status == 2 && badDefinitions.standardError.contains("/nonexistent/defs"))
    }

    @Test("bad command lines exit 64", arguments: [
        ["--host", "127.0.0.100", "x.pcap"], ["--host", "host.example:23", "x.pcap"], ["--expect", "maybe", "x.pcap"],
        ["--link-silence", "0", "x.pcap"], ["--no-discover", "x.pcap"], [],
    ])
    func usage(arguments: [String]) async throws {
        let result = try await run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.standardError)")
    }
}
