import Foundation
import NetMgrTestSupport
import PacketCapture
import Testing

/// What the writer writes the reader reads back unchanged, and tshark opens cleanly.
@Suite struct RoundTripTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory(prefix: "pcap-roundtrip") }

    static let ipPacket = Build.ipv4(
        source: "127.0.0.11", destination: "127.0.0.100",
        payload: Build.tcp(sourcePort: 40000, destinationPort: 2323, seq: 7, ack: 9, flags: [.ack, .psh], payload: Array("hello".utf8)))

    static let samples: [(LinkType, [UInt8])] = [
        (.ethernet, Build.ethernet(type: 0x0800, payload: ipPacket)),
        (.sdlc, [0xC1, 0x93]),  // SNRM to station C1
        (.sdlc, [0xC1, 0x10, 0x2C, 0x00, 0x01, 0x00, 0x00, 0x01, 0x6B, 0x80, 0x00, 0x0D]),
        (.raw, ipPacket),
        (.linuxSLL, Build.sll(protocol: 0x0800, payload: ipPacket)),
        (.linuxSLL2, Build.sll2(protocol: 0x0800, payload: ipPacket)),
        (.null, Build.null(family: 2, payload: ipPacket)),
        (.loop, Build.loop(family: 2, payload: ipPacket)),
    ]

    struct Copy: Equatable {
        var time: CaptureTime
        var bytes: [UInt8]
        var originalLength: Int
    }

    func write(_ linkType: LinkType, _ packets: [[UInt8]], to path: String, options: CaptureWriter.Options = .init(), snaplen: Int = 262_144) throws -> [CaptureTime] {
        let writer = try CaptureWriter(path: path, linkType: linkType, snapshotLength: snaplen, options: options)
        var times: [CaptureTime] = []
        for (i, packet) in packets.enumerated() {
            let t = CaptureTime(seconds: 1_700_000_000 + Int64(i), nanoseconds: 123_456_789 + Int64(i))
            try writer.write(packet, timestamp: t)
            times.append(t)
        }
        try writer.close()
        return times
    }

    func readAll(_ path: String) throws -> (LinkType, [Copy]) {
        let reader = try CaptureReader(path: path)
        var out: [Copy] = []
        while let p = try reader.nextPacket() {
            out.append(Copy(time: p.timestamp, bytes: Array(p.bytes), originalLength: p.originalLength))
        }
        return (reader.linkType, out)
    }

    @Test(arguments: Array(samples.indices))
    func roundTrip(sample: Int) throws {
        let (linkType, bytes) = Self.samples[sample]
        let path = dir.file("rt\(sample).pcap")
        let times = try write(linkType, [bytes, bytes + [0]], to: path)
        let (readType, packets) = try readAll(path)
        #expect(readType == linkType)
        #expect(packets == [Copy(time: times[0], bytes: bytes, originalLength: bytes.count), Copy(time: times[1], bytes: bytes + [0], originalLength: bytes.count + 1)])
    }

    @Test func streamsFromAPipe() throws {
        // tcpdump -w - | netmgr verify -: a FIFO has no size and cannot seek.
        let source = dir.file("source.pcap")
        let packets = (0..<50).map { i in Self.samples[0].1 + [UInt8(i)] }
        _ = try write(.ethernet, packets, to: source)
        let fifo = dir.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let cat = Process()
        cat.executableURL = URL(fileURLWithPath: "/bin/sh")
        cat.arguments = ["-c", "cat \"$0\" > \"$1\"", source, fifo]
        try cat.run()
        defer { cat.waitUntilExit() }
        let (linkType, read) = try readAll(fifo)
        #expect(linkType == .ethernet)
        #expect(read.map(\.bytes) == packets)
    }

    @Test func linktypeRawIsReadBackAsDLTRaw() throws {
        // LINKTYPE_RAW 101 in the file is DLT_RAW 12 to libpcap on Linux.
        let path = dir.file("raw101.pcap")
        try CaptureFileBytes.write(CaptureFileBytes.pcapHeader(linkType: 101) + CaptureFileBytes.pcapRecord(Self.ipPacket), to: path)
        let reader = try CaptureReader(path: path, acceptedLinkTypes: LinkType.decodable)
        #expect(reader.linkType == .raw)
        let packet = try #require(try reader.nextPacket())
        #expect(PacketDecoder.decode(packet).tcp?.destinationPort == 2323)
    }

    @Test func snapshotLengthTruncatesAndKeepsOriginalLength() throws {
        let path = dir.file("snap.pcap")
        let big = Build.ethernet(type: 0x0800, payload: Build.ipv4(source: "127.0.0.1", destination: "127.0.0.2", payload: Build.tcp(sourcePort: 1, destinationPort: 2, seq: 0, flags: .ack, payload: [UInt8](repeating: 7, count: 500))))
        _ = try write(.ethernet, [big], to: path, snaplen: 64)
        let (_, packets) = try readAll(path)
        #expect(packets.first?.bytes == Array(big.prefix(64)))
        #expect(packets.first?.originalLength == big.count)
    }

    @Test func renameOnCloseLeavesOnlyTheFinalFile() throws {
        let path = dir.file("atomic.pcap")
        let writer = try CaptureWriter(path: path, linkType: .sdlc)
        try writer.write([0xC1, 0x73], timestamp: CaptureTime(seconds: 1))
        try writer.flush()
        #expect(writer.writingPath == path + ".tmp")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try readAll(path + ".tmp").1.count == 1)  // what a SIGKILL would leave: readable
        try writer.close()
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        #expect(try readAll(path).1.count == 1)
        try writer.close()  // twice is fine
        #expect(throws: CaptureError.writerClosed(path: path)) { try writer.write([1], timestamp: CaptureTime(seconds: 2)) }
    }

    @Test func lineMonitorModeIsReadableWhileOpen() throws {
        let path = dir.file("monitor.pcap")
        let writer = try CaptureWriter(path: path, linkType: .sdlc, options: .lineMonitor)
        for i in 0..<3 { try writer.write([0xC1, UInt8(i << 1)], timestamp: CaptureTime(seconds: Int64(i))) }
        // No close yet: every packet is already in the file.
        #expect(try readAll(path).1.map(\.bytes) == [[0xC1, 0], [0xC1, 2], [0xC1, 4]])
        try writer.close()
    }

    @Test func writeErrorsAreReported() throws {
        #expect(throws: CaptureError.cannotCreate(path: dir.file("no/such/dir.pcap"), reason: "No such file or directory")) {
            _ = try CaptureWriter(path: dir.file("no/such/dir.pcap"), linkType: .ethernet, options: .lineMonitor)
        }
        // /dev/full accepts the open and fails the flush with ENOSPC.
        do {
            let writer = try CaptureWriter(path: "/dev/full", linkType: .ethernet, options: .lineMonitor)
            try writer.write([1, 2, 3], timestamp: CaptureTime(seconds: 1))
            Issue.record("writing to /dev/full succeeded")
        } catch {
            #expect(error == .writeFailed(path: "/dev/full", reason: "No space left on device"))
        }
    }

    @Test func writtenFilesOpenInTshark() async throws {
        for (i, (linkType, bytes)) in Self.samples.enumerated() {
            let path = dir.file("tshark\(i).pcap")
            _ = try write(linkType, [bytes, bytes], to: path)
            let result = try await runProcess("tshark", ["-n", "-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.protocols"], timeout: .seconds(60))
            #expect(result.status == 0, "tshark on link type \(linkType): \(result.standardError)")
            #expect(!result.standardError.contains("rror"), "tshark on link type \(linkType): \(result.standardError)")
            let lines = result.standardOutput.split(separator: "\n")
            #expect(lines.count == 2, "link type \(linkType): \(result.standardOutput)")
            #expect(lines.first?.contains("1700000000.123456789") == true, "nanosecond timestamp: \(lines.first ?? "")")
            if linkType == .sdlc {
                #expect(lines.first?.contains("sdlc") == true, "\(lines.first ?? "")")
            } else {
                #expect(lines.first?.contains("ip:tcp") == true, "link type \(linkType): \(lines.first ?? "")")
            }
        }
    }
}
