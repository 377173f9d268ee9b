import Foundation
import NetMgrTestSupport
import PacketCapture
import Testing

/// Each way a capture file can be bad gives its own error naming file, packet and offset.
@Suite struct ReaderErrorTests {
    let dir: TemporaryDirectory
    let frame = Build.ethernet(type: 0x0800, payload: Build.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: Build.tcp(sourcePort: 1, destinationPort: 2, seq: 1, flags: .ack)))

    init() throws { dir = try TemporaryDirectory(prefix: "pcap-errors") }

    func openError(_ path: String, accepted: Set<LinkType>? = nil) -> CaptureError? {
        do {
            _ = try CaptureReader(path: path, acceptedLinkTypes: accepted)
            return nil
        } catch {
            return error
        }
    }

    /// Reads everything; returns the error and how many packets came before it.
    func readError(_ path: String) throws -> (CaptureError?, Int) {
        let reader = try CaptureReader(path: path)
        var count = 0
        do {
            while try reader.nextPacket() != nil { count += 1 }
            return (nil, count)
        } catch {
            return (error, count)
        }
    }

    @Test func missingFile() {
        let path = dir.file("nope.pcap")
        #expect(openError(path) == .fileNotFound(path: path))
        #expect(openError(path)?.description == "\(path): no such file")
    }

    @Test func unreadableFile() throws {
        let path = dir.file("secret.pcap")
        try CaptureFileBytes.write(CaptureFileBytes.pcapHeader(linkType: 1), to: path)
        chmod(path, 0o600)
        // Root reads anything; act as "nobody" on this thread for the open.
        let error = withFilesystemUser(65534) { openError(path) }
        #expect(error == .permissionDenied(path: path))
        #expect(error?.description.contains("permission denied") == true)
    }

    @Test func directoryIsNotACapture() {
        #expect(openError(dir.path) == .notARegularFile(path: dir.path))
    }

    @Test func emptyFile() throws {
        let path = dir.file("empty.pcap")
        try CaptureFileBytes.write([], to: path)
        #expect(openError(path) == .emptyFile(path: path))
    }

    @Test func textFileIsNotACapture() throws {
        let path = dir.file("notes.txt")
        try CaptureFileBytes.write(Array("this is not a capture, just some text\n".utf8), to: path)
        guard case .notACapture(let p, let detail)? = openError(path) else {
            Issue.record("expected notACapture")
            return
        }
        #expect(p == path)
        #expect(detail.contains("unknown file format"))
    }

    @Test func truncatedFileHeader() throws {
        let path = dir.file("short.pcap")
        try CaptureFileBytes.write(Array(CaptureFileBytes.pcapHeader(linkType: 1).prefix(10)), to: path)
        guard case .truncatedFileHeader(path, _)? = openError(path) else {
            Issue.record("expected truncatedFileHeader, got \(String(describing: openError(path)))")
            return
        }
    }

    @Test func truncatedInsidePacketData() throws {
        let path = dir.file("cut.pcap")
        let bytes = CaptureFileBytes.pcapHeader(linkType: 1) + CaptureFileBytes.pcapRecord(frame) + CaptureFileBytes.pcapRecord(frame).prefix(30)
        try CaptureFileBytes.write(bytes, to: path)
        let (error, good) = try readError(path)
        #expect(good == 1)
        guard case let .truncatedFile(p, number, offset, size, detail)? = error else {
            Issue.record("expected truncatedFile, got \(String(describing: error))")
            return
        }
        #expect(p == path && number == 2)
        #expect(size == Int64(bytes.count))
        #expect(offset == Int64(bytes.count))
        #expect(detail.contains("truncated"))
        #expect(error!.description.contains("truncated inside packet 2"))
    }

    @Test func truncatedInsideRecordHeader() throws {
        let path = dir.file("cut-header.pcap")
        let bytes = CaptureFileBytes.pcapHeader(linkType: 1) + CaptureFileBytes.pcapRecord(frame) + CaptureFileBytes.pcapRecord(frame).prefix(7)
        try CaptureFileBytes.write(bytes, to: path)
        let (error, good) = try readError(path)
        #expect(good == 1)
        guard case .truncatedFile(path, 2, _, _, _)? = error else {
            Issue.record("expected truncatedFile at packet 2, got \(String(describing: error))")
            return
        }
    }

    @Test func absurdCapturedLength() throws {
        let path = dir.file("absurd.pcap")
        let bad = Build.le32(1) + Build.le32(0) + Build.le32(0x7FFF_FFFF) + Build.le32(0x7FFF_FFFF) + [UInt8](repeating: 0, count: 64)
        try CaptureFileBytes.write(CaptureFileBytes.pcapHeader(linkType: 1) + CaptureFileBytes.pcapRecord(frame) + bad, to: path)
        let (error, good) = try readError(path)
        #expect(good == 1)
        guard case let .corruptRecord(p, number, _, detail)? = error else {
            Issue.record("expected corruptRecord, got \(String(describing: error))")
            return
        }
        #expect(p == path && number == 2)
        #expect(detail.contains("2147483647"))
    }

    @Test func capturedLengthAboveSnaplen() throws {
        let path = dir.file("snaplen.pcap")
        let bad = CaptureFileBytes.pcapRecord([UInt8](repeating: 0, count: 100), caplen: 5_000_000, length: 5_000_000)
        try CaptureFileBytes.write(CaptureFileBytes.pcapHeader(linkType: 1, snaplen: 100) + bad, to: path)
        let (error, good) = try readError(path)
        #expect(good == 0)
        guard case .corruptRecord(path, 1, _, let detail)? = error else {
            Issue.record("expected corruptRecord, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("5000000"))
    }

    @Test func capturedLengthAboveOriginalLength() throws {
        let path = dir.file("caplen-len.pcap")
        try CaptureFileBytes.write(CaptureFileBytes.pcapHeader(linkType: 1) + CaptureFileBytes.pcapRecord(frame, length: 20), to: path)
        let (error, _) = try readError(path)
        guard case .corruptRecord(path, 1, _, let detail)? = error else {
            Issue.record("expected corruptRecord, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("larger than the original length 20"))
    }

    @Test func unsupportedLinkTypeNamesNumberAndName() throws {
        let path = dir.file("ppp.pcap")
        try CaptureFileBytes.write(CaptureFileBytes.pcapHeader(linkType: 9) + CaptureFileBytes.pcapRecord([0xFF, 0x03]), to: path)
        let error = openError(path, accepted: LinkType.decodable)
        #expect(error == .unsupportedLinkType(path: path, linkType: LinkType(rawValue: 9)))
        #expect(error?.description == "\(path): unsupported link type 9 (PPP)")
    }

    @Test func unknownLinkTypeHasNoNameButStillAMessage() throws {
        let path = dir.file("lt999.pcap")
        try CaptureFileBytes.write(CaptureFileBytes.pcapHeader(linkType: 999) + CaptureFileBytes.pcapRecord([1, 2]), to: path)
        #expect(LinkType(rawValue: 999).name == nil)
        let error = openError(path, accepted: LinkType.decodable)
        #expect(error?.description == "\(path): unsupported link type 999 (unknown to libpcap)")
        // Without a restriction the reader opens it: the decoder then flags each packet.
        let reader = try CaptureReader(path: path)
        let packet = try #require(try reader.nextPacket())
        #expect(PacketDecoder.decode(packet).issue == .unsupportedLinkType(LinkType(rawValue: 999)))
    }

    @Test func pcapngMixingLinkTypes() throws {
        let path = dir.file("mixed.pcapng")
        let bytes = CaptureFileBytes.pcapngSectionHeader() + CaptureFileBytes.pcapngInterface(linkType: 1)
            + CaptureFileBytes.pcapngPacket(interface: 0, frame) + CaptureFileBytes.pcapngInterface(linkType: 268)
            + CaptureFileBytes.pcapngPacket(interface: 1, [0xC1, 0x93])
        try CaptureFileBytes.write(bytes, to: path)
        let (error, good) = try readError(path)
        #expect(good == 1)
        #expect(error == .mixedLinkTypes(path: path, packetNumber: 2, first: .ethernet, other: .sdlc))
        #expect(error?.description.contains("1 (EN10MB, Ethernet) and 268 (SDLC") == true)
    }

    @Test func pcapngCorruptAndTruncatedBlocks() throws {
        let start = CaptureFileBytes.pcapngSectionHeader() + CaptureFileBytes.pcapngInterface(linkType: 1) + CaptureFileBytes.pcapngPacket(interface: 0, frame)
        var huge = CaptureFileBytes.pcapngPacket(interface: 0, frame)
        huge.replaceSubrange(4..<8, with: Build.le32(0x7FFF_FFF0))
        let hugePath = dir.file("huge-block.pcapng")
        try CaptureFileBytes.write(start + huge, to: hugePath)
        let (hugeError, _) = try readError(hugePath)
        guard case .corruptRecord(hugePath, 2, _, let detail)? = hugeError else {
            Issue.record("expected corruptRecord, got \(String(describing: hugeError))")
            return
        }
        #expect(detail.contains("2147483632"))

        let cutPath = dir.file("cut.pcapng")
        try CaptureFileBytes.write(start + CaptureFileBytes.pcapngPacket(interface: 0, frame).prefix(40), to: cutPath)
        let (cutError, good) = try readError(cutPath)
        #expect(good == 1)
        guard case .truncatedFile(cutPath, 2, _, _, _)? = cutError else {
            Issue.record("expected truncatedFile, got \(String(describing: cutError))")
            return
        }
    }

    @Test func pcapngSingleLinkTypeReads() throws {
        let path = dir.file("ok.pcapng")
        let bytes = CaptureFileBytes.pcapngSectionHeader() + CaptureFileBytes.pcapngInterface(linkType: 1)
            + CaptureFileBytes.pcapngPacket(interface: 0, frame) + CaptureFileBytes.pcapngPacket(interface: 0, frame)
        try CaptureFileBytes.write(bytes, to: path)
        let (error, good) = try readError(path)
        #expect(error == nil)
        #expect(good == 2)
    }
}
