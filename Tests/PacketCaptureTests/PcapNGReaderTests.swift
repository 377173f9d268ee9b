import Foundation
import NetMgrTestSupport
import PacketCapture
import Testing

/// PcapNGReader: what the writer writes, with mixed link types; both byte orders, several
/// sections; every malformed length is a typed error, never a trap.
@Suite struct PcapNGReaderTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory(prefix: "pcapng-reader") }

    static let t0 = CaptureTime(seconds: 1_700_000_000, nanoseconds: 123_456_000)

    struct Copy: Equatable {
        var interface: UInt32
        var linkType: LinkType
        var time: CaptureTime
        var bytes: [UInt8]
        var originalLength: Int
    }

    func readAll(_ reader: PcapNGReader) throws -> [Copy] {
        var out: [Copy] = []
        while let p = try reader.nextPacket() {
            out.append(Copy(interface: p.interfaceID, linkType: p.linkType, time: p.timestamp, bytes: Array(p.bytes), originalLength: p.originalLength))
        }
        return out
    }

    @Test func readsWhatTheWriterWrote() throws {
        let path = dir.file("rt.pcapng")
        let w = try PcapNGWriter(path: path, snapshotLength: 8)
        let d = try w.addInterface(.linuxLAPD, name: "D")
        let b = try w.addInterface(.sdlc, name: "B1")
        try w.write(interface: d, time: Self.t0, bytes: [1, 2, 3])
        try w.write(interface: b, time: Self.t0 + .microseconds(1), bytes: [0xC1, 0x93])
        try w.write(interface: d, time: Self.t0 + .seconds(2), bytes: Array(0..<12))  // cut to 8
        try w.close()
        let reader = try PcapNGReader(path: path)
        #expect(reader.firstLinkType == .linuxLAPD)
        #expect(try readAll(reader) == [
            Copy(interface: 0, linkType: .linuxLAPD, time: Self.t0, bytes: [1, 2, 3], originalLength: 3),
            Copy(interface: 1, linkType: .sdlc, time: Self.t0 + .microseconds(1), bytes: [0xC1, 0x93], originalLength: 2),
            Copy(interface: 0, linkType: .linuxLAPD, time: Self.t0 + .seconds(2), bytes: Array(0..<8), originalLength: 12),
        ])
        #expect(reader.interfaces.map(\.name) == ["D", "B1"])
    }

    // Hand-built blocks, in either byte order.
    static func u16(_ v: UInt16, _ big: Bool) -> [UInt8] { big ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func u32(_ v: UInt32, _ big: Bool) -> [UInt8] {
        let le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        return big ? le.reversed() : le
    }
    static func block(_ type: UInt32, _ body: [UInt8], _ big: Bool) -> [UInt8] {
        var body = body
        while body.count % 4 != 0 { body.append(0) }
        let n = UInt32(body.count + 12)
        return u32(type, big) + u32(n, big) + body + u32(n, big)
    }
    static func section(_ big: Bool) -> [UInt8] {
        block(0x0A0D_0D0A, u32(0x1A2B_3C4D, big) + u16(1, big) + u16(0, big) + [UInt8](repeating: 0xFF, count: 8), big)
    }
    static func interface(_ linkType: UInt16, _ big: Bool, resolution: UInt8? = nil) -> [UInt8] {
        var body = u16(linkType, big) + u16(0, big) + u32(65535, big)
        if let resolution { body += u16(9, big) + u16(1, big) + [resolution, 0, 0, 0] + u16(0, big) + u16(0, big) }
        return block(1, body, big)
    }
    static func packet(_ id: UInt32, _ units: UInt64, _ data: [UInt8], _ big: Bool) -> [UInt8] {
        block(6, u32(id, big) + u32(UInt32(units >> 32), big) + u32(UInt32(units & 0xFFFF_FFFF), big) + u32(UInt32(data.count), big) + u32(UInt32(data.count), big) + data, big)
    }

    @Test(arguments: [false, true])
    func byteOrdersAndSections(bigEndian big: Bool) throws {
        let bytes = Self.section(big) + Self.interface(148, big) + Self.packet(0, 1_700_000_000_000_000, [0x01, 0x41], big)
            + Self.section(!big) + Self.interface(268, !big, resolution: 9) + Self.interface(177, !big, resolution: 0x80 | 10)
            + Self.packet(0, 1_700_000_001_000_000_000, [0xC1], !big) + Self.packet(1, 1024 * 5 + 512, [7], !big)
            + Self.block(5, [1, 2, 3, 4], !big)  // an Interface Statistics Block: skipped
        let reader = try PcapNGReader(bytes: bytes)
        let packets = try readAll(reader)
        #expect(packets.map(\.linkType) == [.user1, .sdlc, .linuxLAPD])
        #expect(packets.map(\.time) == [
            CaptureTime(seconds: 1_700_000_000), CaptureTime(seconds: 1_700_000_001), CaptureTime(seconds: 5, nanoseconds: 500_000_000),
        ])
        #expect(reader.sections == 2)
    }

    @Test func malformedInputIsATypedError() throws {
        let good = Self.section(false) + Self.interface(268, false) + Self.packet(0, 0, [0xC1, 0x93], false)
        func error(_ bytes: [UInt8]) -> CaptureError? {
            do {
                let r = try PcapNGReader(bytes: bytes, name: "x.pcapng")
                while try r.nextPacket() != nil {}
                return nil
            } catch { return error }
        }
        #expect(error(good) == nil)
        #expect(error([]) == .emptyFile(path: "x.pcapng"))
        guard case .notACapture? = error(Array("hello, world".utf8)) else { Issue.record("text"); return }
        guard case .truncatedFileHeader? = error(Array(good.prefix(10))) else { Issue.record("short header"); return }
        guard case .truncatedFile? = error(Array(good.dropLast(3))) else { Issue.record("truncated packet: \(String(describing: error(Array(good.dropLast(3)))))"); return }
        let p = good.count - 36  // the packet block: 28 bytes of header, 2 of data, 2 of padding, the trailer
        var oversized = good
        oversized.replaceSubrange((p + 4)..<(p + 8), with: Self.u32(64 << 20, false))
        guard case .corruptRecord? = error(oversized) else { Issue.record("oversized block"); return }
        var odd = good
        odd[p + 4] = 33
        guard case .corruptRecord? = error(odd) else { Issue.record("odd length"); return }
        var trailer = good
        trailer[good.count - 1] = 0x7F
        guard case .corruptRecord? = error(trailer) else { Issue.record("trailer"); return }
        let noInterface = Self.section(false) + Self.packet(3, 0, [1], false)
        guard case .corruptRecord? = error(noInterface) else { Issue.record("unknown interface"); return }
        var captured = good
        captured.replaceSubrange((p + 20)..<(p + 24), with: Self.u32(999, false))
        guard case .corruptRecord? = error(captured) else { Issue.record("captured length"); return }
    }

    @Test("random mutations of a good file never trap", arguments: [UInt64(7), 8])
    func mutations(seed: UInt64) {
        var random = SplitMix64Generator(seed: seed)
        let good = Self.section(false) + Self.interface(177, false) + Self.interface(268, false, resolution: 3)
            + Self.packet(0, 5, [1, 2, 3, 4, 5], false) + Self.packet(1, 6, [0xC1], false)
        var read = 0
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random))) }
            if let r = try? PcapNGReader(bytes: bytes) {
                while let p = try? r.nextPacket() { read += p.bytes.count }
            }
        }
        #expect(read > 0)
    }
}
