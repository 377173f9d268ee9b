import Foundation
import NetMgrTestSupport
import PacketCapture
import Testing

/// `CaptureReader` reads classic pcap records itself and leaves the rest to libpcap: every
/// file must read exactly as libpcap alone reads it (packets, times, bytes, the error and
/// where it came).
@Suite struct DirectRecordTests {
    let dir: TemporaryDirectory
    let frame = Build.ethernet(type: 0x0800, payload: Build.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: Build.tcp(sourcePort: 1, destinationPort: 2, seq: 1, flags: .ack)))

    init() throws { dir = try TemporaryDirectory(prefix: "pcap-direct") }

    struct Read: Equatable {
        var packets = 0
        var error: CaptureError?
    }

    static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let p = a.baseAddress, let q = b.baseAddress else { return a.isEmpty }
        return memcmp(p, q, a.count) == 0
    }

    /// Writes `bytes`, reads the file both ways in step and expects the same packets
    /// (number, time, lengths, bytes) and the same end; returns what was read.
    @discardableResult
    func same(_ bytes: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Read {
        let path = dir.file(name)
        try CaptureFileBytes.write(bytes, to: path)
        let direct = try CaptureReader(path: path, directRecords: true)
        let libpcap = try CaptureReader(path: path, directRecords: false)
        var read = Read()
        while true {
            let a: Result<CapturedPacket?, CaptureError> = Result { () throws(CaptureError) -> CapturedPacket? in try direct.nextPacket() }
            let b: Result<CapturedPacket?, CaptureError> = Result { () throws(CaptureError) -> CapturedPacket? in try libpcap.nextPacket() }
            switch (a, b) {
            case (.success(let x?), .success(let y?)):
                let equal = x.number == y.number && x.timestamp == y.timestamp && x.originalLength == y.originalLength
                    && Self.sameBytes(x.bytes, y.bytes)
                #expect(equal, "\(name): packet \(y.number) differs", sourceLocation: sourceLocation)
                guard equal else { return read }
                read.packets += 1
            case (.success(nil), .success(nil)):
                return read
            case (.failure(let x), .failure(let y)):
                #expect(x == y, "\(name)", sourceLocation: sourceLocation)
                read.error = y
                return read
            default:
                Issue.record("\(name): after \(read.packets) packets, direct \(a) but libpcap \(b)", sourceLocation: sourceLocation)
                return read
            }
        }
    }

    @Test func recordsReadDirectlyAreLibpcapsRecords() throws {
        let header = CaptureFileBytes.pcapHeader(linkType: 1)
        let records = (0..<50).flatMap { i in CaptureFileBytes.pcapRecord(Array(frame.prefix(20 + i)), seconds: 1_700_000_000 + UInt32(i), micros: UInt32(i * 999)) }
        let whole = try same(header + records, "usec.pcap")
        #expect(whole.packets == 50 && whole.error == nil)
        let nano = CaptureFileBytes.pcapHeader(linkType: 1, nanosecond: true)
            + CaptureFileBytes.pcapRecord(frame, micros: 999_999_999) + CaptureFileBytes.pcapRecord(frame, micros: 1_500_000_000)
        #expect(try same(nano, "nsec.pcap").packets == 2)
        try same(header, "empty.pcap")
        // Cut in a record's header, in its data; 2^31 and above in the time words.
        try same(header + records + CaptureFileBytes.pcapRecord(frame).prefix(9), "cut-header.pcap")
        try same(header + records + CaptureFileBytes.pcapRecord(frame).prefix(30), "cut-data.pcap")
        try same(header + records + CaptureFileBytes.pcapRecord(frame, seconds: 0x8000_0000) + records, "late.pcap")
        try same(header + CaptureFileBytes.pcapRecord(frame, micros: 0xFFFF_FFFF) + records, "fraction.pcap")
        // Captured above the snapshot length (libpcap cuts it), above the original length,
        // absurd.
        try same(CaptureFileBytes.pcapHeader(linkType: 1, snaplen: 40) + CaptureFileBytes.pcapRecord(frame) + records, "snaplen.pcap")
        try same(header + records + CaptureFileBytes.pcapRecord(frame, length: 20) + records, "caplen-len.pcap")
        try same(header + records + Build.le32(1) + Build.le32(0) + Build.le32(0x7FFF_FFFF) + Build.le32(0x7FFF_FFFF) + frame, "absurd.pcap")
        // The other byte order and an older version stay with libpcap.
        let swapped = Build.be32(0xA1B2_C3D4) + Build.be16(2) + Build.be16(4) + Build.be32(0) + Build.be32(0) + Build.be32(65535) + Build.be32(1)
            + Build.be32(1_700_000_000) + Build.be32(5) + Build.be32(UInt32(frame.count)) + Build.be32(UInt32(frame.count)) + frame
        #expect(try same(swapped, "swapped.pcap").packets == 1)
        var old = header
        old[6] = 3
        try same(old + records, "v2.3.pcap")
    }

    /// Records of every size up to 64 KiB, across many refills of the reader's buffer,
    /// and the same file cut at many points.
    @Test func largeFilesAndEveryCut() throws {
        var random: UInt64 = 0x5EED
        func next() -> UInt64 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return random >> 33
        }
        var bytes = CaptureFileBytes.pcapHeader(linkType: 1, snaplen: 65535)
        var count = 0
        while bytes.count < 3 << 19 {
            let size = next() % 8 == 0 ? Int(next() % 65535) + 1 : Int(next() % 1500) + 1
            bytes += CaptureFileBytes.pcapRecord((0..<size).map { UInt8(truncatingIfNeeded: $0 &+ count) }, seconds: UInt32(count), micros: UInt32(next() % 1_000_000))
            count += 1
        }
        let whole = try same(bytes, "large.pcap")
        #expect(whole.packets == count && whole.error == nil)
        for cut in [bytes.count - 1, bytes.count - 17, (1 << 19) + 3, (1 << 20) - 5] {
            try same(Array(bytes.prefix(cut)), "cut-\(cut).pcap")
        }
        // Damage in the middle: a huge captured length, a captured length above the original.
        var damaged = bytes
        let at = 24 + 16 + Int(damaged[24 + 8]) + Int(damaged[24 + 9]) << 8  // the second record
        damaged.replaceSubrange(at + 8..<at + 12, with: Build.le32(70_000))
        try same(damaged, "damaged.pcap")
    }
}
