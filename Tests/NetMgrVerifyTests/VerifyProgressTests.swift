import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// Progress on standard error: the value that decides and formats (driven with made-up
/// times and sizes), the verifier's read loop feeding it, and `netmgr verify` under a
/// pseudo-terminal (progress drawn and cleared) and with standard error in a file (none).
@Suite("netmgr verify: progress on a terminal")
struct VerifyProgressTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "verify-progress") }

    static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    @Test("the first sample draws; then at most one redraw per 250 ms, and the terminal count is only asked for a draw")
    func redrawInterval() {
        var progress = VerifyProgress(totalBytes: 10_000, startedAt: Self.ms(1_000))
        var asked = 0
        func count() -> Int { asked += 1; return 3 }
        let first = progress.update(at: Self.ms(1_010), bytes: 1_000, packets: 1_024, terminals: count)
        #expect(first == "\rverify: 1.0 kB of 10.0 kB (10%), 1024 packets, 3 terminals, ETA --")
        #expect(progress.update(at: Self.ms(1_100), bytes: 2_000, packets: 2_048, terminals: count) == nil)
        #expect(progress.update(at: Self.ms(1_259), bytes: 2_500, packets: 3_072, terminals: count) == nil)
        #expect(asked == 1)
        let second = progress.update(at: Self.ms(1_260), bytes: 3_000, packets: 4_096, terminals: count)
        #expect(second == "\rverify: 3.0 kB of 10.0 kB (30%), 4096 packets, 3 terminals, ETA --")
        #expect(asked == 2)
    }

    @Test("ETA from the rate so far, once a second has passed")
    func eta() {
        var progress = VerifyProgress(totalBytes: 1_100_000_000, startedAt: .zero)
        let line = progress.update(at: .seconds(2), bytes: 275_000_000, packets: 1_000_000, terminals: { 1_000 })
        #expect(line == "\rverify: 275.0 MB of 1.10 GB (25%), 1000000 packets, 1000 terminals, ETA 6 s")
        #expect(VerifyProgress.line(bytes: 100, totalBytes: 10_100, packets: 1, terminals: 1, elapsed: .seconds(1))
            == "verify: 100 B of 10.1 kB (0%), 1 packet, 1 terminal, ETA 1m 40s")
        #expect(VerifyProgress.line(bytes: 1, totalBytes: 8_000, packets: 2, terminals: 0, elapsed: .seconds(1))
            == "verify: 1 B of 8.0 kB (0%), 2 packets, 0 terminals, ETA 2h 13m")
        #expect(VerifyProgress.line(bytes: 5_000, totalBytes: 5_000, packets: 9, terminals: 2, elapsed: .seconds(3))
            == "verify: 5.0 kB of 5.0 kB (100%), 9 packets, 2 terminals, ETA 0 s")
        // Bytes past the size (an estimate running ahead) count as all of it.
        #expect(VerifyProgress.line(bytes: 9_000, totalBytes: 5_000, packets: 9, terminals: 2, elapsed: .zero)
            == "verify: 5.0 kB of 5.0 kB (100%), 9 packets, 2 terminals, ETA --")
    }

    @Test("a shorter line is padded over the longer one; finish blanks what was drawn, once")
    func paddingAndClearing() {
        var progress = VerifyProgress(totalBytes: 2_000_000, startedAt: .zero)
        let long = progress.update(at: .zero, bytes: 1_500_000, packets: 123_456, terminals: { 1_000 })!
        let short = progress.update(at: Self.ms(300), bytes: 1_600_000, packets: 9, terminals: { 1 })!
        #expect(short.hasPrefix("\rverify: 1.60 MB of 2.00 MB (80%), 9 packets, 1 terminal, ETA "))
        #expect(short.count == long.count, "padded with spaces to the old width")
        #expect(short.hasSuffix(" "))
        let clear = progress.finish()
        // The padding is blank already: blanking the text of the last line is enough.
        let text = short.dropFirst().reversed().drop { $0 == " " }
        #expect(clear == "\r" + String(repeating: " ", count: text.count) + "\r")
        #expect(progress.finish() == "")
        var unused = VerifyProgress(totalBytes: 10, startedAt: .zero)
        #expect(unused.finish() == "", "nothing drawn, nothing to clear")
    }

    @Test("the line is cut to the terminal's width less one, so it never wraps")
    func columns() {
        var progress = VerifyProgress(totalBytes: 1_000, startedAt: .zero, columns: 40)
        let line = progress.update(at: .zero, bytes: 10, packets: 1_024, terminals: { 5 })!
        #expect(line == "\r" + String("verify: 10 B of 1.0 kB (1%), 1024 packets, 5 terminals, ETA --".prefix(39)))
    }

    @Test("wanted only for a terminal and a capture file of known size")
    func wanted() {
        #expect(VerifyProgress.isWanted(stderrIsTerminal: true, capturePath: "a.pcap", fileSize: 100))
        #expect(!VerifyProgress.isWanted(stderrIsTerminal: false, capturePath: "a.pcap", fileSize: 100))
        #expect(!VerifyProgress.isWanted(stderrIsTerminal: true, capturePath: "-", fileSize: 100))
        #expect(!VerifyProgress.isWanted(stderrIsTerminal: true, capturePath: "fifo", fileSize: nil))
        #expect(!VerifyProgress.isWanted(stderrIsTerminal: true, capturePath: "empty.pcap", fileSize: 0))
    }

    // MARK: - The read loop

    final class Samples: VerifyProgressSink {
        var seen: [(bytes: Int64, packets: Int, terminals: Int)] = []
        func read(bytes: Int64, packets: Int, terminals: () -> Int) { seen.append((bytes, packets, terminals())) }
    }

    /// Captures/vip-failover.pcap eight times over, each copy 10 s after the one before:
    /// 2,144 packets, enough for two samples.
    func bigCapture() throws -> (path: String, recordEnds: [Int]) {
        let bytes = try PcapBytes.read(ReportPage.root + "/Captures/vip-failover.pcap")
        #expect(bytes[0] == 0xD4 || bytes[0] == 0x4D, "a little-endian classic pcap")
        var out = Array(bytes[0..<24])
        var ends: [Int] = []
        for copy in 0..<8 {
            var offset = 24
            while offset + 16 <= bytes.count {
                var header = Array(bytes[offset..<offset + 16])
                let seconds = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24
                header.replaceSubrange(0..<4, with: PcapBytes.le32(seconds + UInt32(copy * 10)))
                let caplen = Int(header[8]) | Int(header[9]) << 8 | Int(header[10]) << 16 | Int(header[11]) << 24
                out += header + bytes[offset + 16..<offset + 16 + caplen]
                ends.append(out.count)
                offset += 16 + caplen
            }
        }
        let path = directory.file("big.pcap")
        try PcapBytes.write(out, to: path)
        return (path, ends)
    }

    @Test("the verifier offers a sample every 1024 packets, with the exact bytes read of a classic pcap")
    func readLoopSamples() throws {
        let (path, ends) = try bigCapture()
        #expect(ends.count == 2_144)
        let samples = Samples()
        let report = try Verifier().verify(path: path, progress: samples)
        #expect(report.capture.packets == 2_144)
        #expect(samples.seen.map(\.packets) == [1_024, 2_048])
        #expect(samples.seen.map(\.bytes) == [Int64(ends[1_023]), Int64(ends[2_047])])
        #expect(samples.seen.map(\.terminals) == [4, 4], "VIPLU01...04")
        // Without a sink the report is the same.
        #expect(try Verifier().verify(path: path) == report)
    }

    // MARK: - netmgr verify

    @Test("under a pseudo-terminal, netmgr verify draws the progress line and clears it before the report")
    func progressOnTerminal() async throws {
        let (path, _) = try bigCapture()
        let command = "'\(BuiltProducts.path("netmgr"))' verify '\(path)'"
        let result = try await runProcess("script", ["-q", "-e", "-c", command, "/dev/null"], timeout: .seconds(30))
        let out = result.standardOutput
        #expect(result.status == 0 || result.status == 1, "\(out) \(result.standardError)")
        let line = "\rverify: "
        #expect(out.contains(line), "no progress line in: \(out.prefix(300).debugDescription)")
        // 24 + 8 × 25,017 bytes; the first sample is at packet 1024.
        #expect(out.contains(" of 200.2 kB ("), "\(out.prefix(300).debugDescription)")
        #expect(out.contains("%), 1024 packets, 4 terminals, ETA "))
        // Cleared (spaces, then \r) before the report starts.
        let report = try #require(out.range(of: "Capture \(path):"))
        let before = out[..<report.lowerBound]
        #expect(before.hasSuffix("\r"), "the line is blanked and the cursor back at the start: \(before.suffix(40).debugDescription)")
        #expect(!out[report.lowerBound...].contains(line), "no progress after the report began")
    }

    @Test("with standard error in a file, netmgr verify writes no progress")
    func noProgressWhenNotATerminal() async throws {
        let (path, _) = try bigCapture()
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["verify", path], timeout: .seconds(30))
        #expect(result.status == 0 || result.status == 1)
        #expect(result.standardError == "")
        #expect(result.standardOutput.hasPrefix("Capture \(path):"))
    }
}
