import Foundation
import NIOCore
import NetMgrTestSupport
import PacketCapture
import Testing

/// The pcapng writer: tshark reads its two-interface files (one dialogue or D-channel interface
/// next to SDLC), and libpcap's own reader refuses them, which is why `PcapNGReader` exists.
@Suite struct PcapNGWriterTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory(prefix: "pcapng-writer") }

    static let t0 = CaptureTime(seconds: 1_700_000_000, nanoseconds: 123_456_000)

    /// SETUP from the user side (C/R 0), call reference 1, calling 0312340011, called 0300002222.
    static let setupFrame: [UInt8] =
        [0x00, 0x01, 0x00, 0x00]  // SAPI 0 C/R 0, TEI 0; I frame N(S) 0 N(R) 0
        + [0x08, 0x01, 0x01, 0x05]  // Q.931, call reference 1 (originator), SETUP
        + [0x04, 0x02, 0x88, 0x90]  // bearer capability: unrestricted digital
        + [0x18, 0x01, 0x89]  // channel identification: B1 exclusive
        + [0x6C, 0x0B, 0x81] + Array("0312340011".utf8)  // calling party number
        + [0x70, 0x0B, 0x81] + Array("0300002222".utf8)  // called party number

    func writeISDN(_ path: String) throws {
        let w = try PcapNGWriter(path: path)
        let d = try w.addInterface(.linuxLAPD, name: "host BRI D")
        let b = try w.addInterface(.sdlc, name: "host BRI B1")
        try w.write(interface: d, time: Self.t0, bytes: ByteBuffer(bytes: LinuxLAPDHeader.encode(fromNetwork: true) + Self.setupFrame))
        try w.write(interface: b, time: Self.t0 + .milliseconds(5), bytes: ByteBuffer(bytes: [0xC1, 0x93]))
        try w.close()
    }

    func writeDialup(_ path: String) throws {
        let w = try PcapNGWriter(path: path)
        let u = try w.addInterface(.user1, name: "host modem dialogue")
        let s = try w.addInterface(.sdlc, name: "host analogue line")
        try w.write(interface: u, time: Self.t0, bytes: DialogueRecord.encode(toDTE: true, Array("\r\nRING\r\n".utf8)))
        try w.write(interface: s, time: Self.t0 + .milliseconds(1), bytes: [0xC1, 0x93])  // 3 bytes pad
        try w.close()
    }

    @Test func tsharkReadsTheISDNCapture() async throws {
        let path = dir.file("isdn.pcapng")
        try writeISDN(path)
        let r = try await runProcess("tshark", ["-n", "-r", path, "-T", "fields", "-e", "frame.interface_id", "-e", "frame.protocols", "-e", "q931.calling_party_number.digits", "-e", "frame.time_epoch"])
        #expect(r.status == 0, "\(r.standardError)")
        #expect(!r.standardError.contains("rror") && !r.standardError.contains("alformed"), "\(r.standardError)")
        let lines = r.standardOutput.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        try #require(lines.count == 2, "\(r.standardOutput)")
        #expect(lines[0][0] == "0" && lines[0][1].contains("lapd") && lines[0][1].contains("q931"), "\(lines[0])")
        #expect(lines[0][2] == "0312340011")
        #expect(lines[0][3].hasPrefix("1700000000.123456"), "µs timestamp: \(lines[0])")
        #expect(lines[1][0] == "1" && lines[1][1].contains("sdlc"), "\(lines[1])")
    }

    @Test func tsharkReadsTheDialupCapture() async throws {
        let path = dir.file("dialup.pcapng")
        try writeDialup(path)
        let r = try await runProcess("tshark", ["-n", "-r", path, "-T", "fields", "-e", "frame.interface_id", "-e", "frame.protocols", "-e", "frame.len"])
        #expect(r.status == 0, "\(r.standardError)")
        #expect(!r.standardError.contains("rror") && !r.standardError.contains("alformed"), "\(r.standardError)")
        let lines = r.standardOutput.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        try #require(lines.count == 2, "\(r.standardOutput)")
        #expect(lines[0][0] == "0" && lines[0][2] == "9", "\(lines[0])")
        #expect(lines[1][0] == "1" && lines[1][1].contains("sdlc") && lines[1][2] == "2", "\(lines[1])")
    }

    @Test func writerErrorsNameThePath() throws {
        #expect(throws: CaptureError.cannotCreate(path: "/nonexistent-dir/x.pcapng", reason: "No such file or directory")) {
            _ = try PcapNGWriter(path: "/nonexistent-dir/x.pcapng")
        }
        let path = dir.file("closed.pcapng")
        let w = try PcapNGWriter(path: path)
        #expect(throws: CaptureError.self) { try w.write(interface: 0, time: Self.t0, bytes: [1]) }  // no interface yet
        try w.close()
        try w.close()
        #expect(throws: CaptureError.writerClosed(path: path)) { try w.addInterface(.sdlc, name: "x") }
        // /dev/full: the write that overflows the buffer, or the flush on close, fails and names the path.
        #expect {
            let full = try PcapNGWriter(path: "/dev/full")
            let i = try full.addInterface(.sdlc, name: "x")
            for _ in 0..<10 { try full.write(interface: i, time: Self.t0, bytes: [UInt8](repeating: 0, count: 10_000)) }
            try full.close()
        } throws: { e in
            guard case .writeFailed(let p, _) = e as? CaptureError else { return false }
            return p == "/dev/full"
        }
    }

    /// The claim the reader rests on: libpcap refuses the second interface's link type.
    @Test func libpcapRefusesMixedLinkTypes() throws {
        let path = dir.file("mixed.pcapng")
        try writeISDN(path)
        let reader = try CaptureReader(path: path)
        #expect(reader.linkType == .linuxLAPD)
        #expect {
            while try reader.nextPacket() != nil {}
        } throws: { e in
            guard case .mixedLinkTypes(_, _, let first, let other) = e as? CaptureError else { return false }
            return first == .linuxLAPD && other == .sdlc
        }
    }
}
