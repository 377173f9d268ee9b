#if canImport(Glibc)
import Glibc
#endif

/// Reads pcapng files block by block, including those whose interfaces have different link
/// types (libpcap refuses those: "an interface has a type … different from the type of the
/// first interface"). Each packet carries its interface's link type and id. Several sections,
/// both byte orders, Enhanced, Simple and obsolete Packet Blocks; other blocks are skipped.
///
/// Bounded and total: a block longer than `maximumBlockLength` (16 MiB), a length that is not
/// a multiple of 4 or shorter than its fixed part, a trailing length that differs, a packet on
/// an interface that was not described, a file ending inside a block: each is a `CaptureError`
/// naming the path and packet number, never a trap. Memory: one block at a time.
///
/// Like `CaptureReader`, a packet's bytes are borrowed until the next call.
public final class PcapNGReader {
    public static let maximumBlockLength = 16 << 20
    /// At most this many interfaces per section (each IDB costs a few bytes of state).
    public static let maximumInterfaces = 1 << 16

    public struct Interface: Hashable, Sendable {
        public var linkType: LinkType
        public var snapshotLength: Int
        public var name: String?
        /// Timestamp units per second as a power: 10^-exponent, or 2^-exponent when `binary`.
        var resolutionExponent: UInt8
        var binaryResolution: Bool
        /// if_tsoffset: seconds added to every timestamp.
        var offsetSeconds: Int64
    }

    public let path: String
    /// The interfaces of the current section, by id.
    public private(set) var interfaces: [Interface] = []
    public private(set) var packetsRead = 0
    public private(set) var sections = 0
    public let fileSize: Int64?

    private var source: Source
    private var bigEndian = false
    private var block: UnsafeMutableRawBufferPointer
    private var offset: Int64 = 0

    private enum Source {
        case file(UnsafeMutablePointer<FILE>)
        case memory([UInt8], Int)
        case closed
    }

    /// True when `path` starts with a pcapng Section Header Block (false for pcap, unreadable files).
    public static func isPcapNG(path: String) -> Bool {
        guard let f = fopen(path, "rb") else { return false }
        defer { fclose(f) }
        var magic: UInt32 = 0
        return fread(&magic, 4, 1, f) == 1 && magic == PcapNGBlock.sectionHeader
    }

    public init(path: String) throws(CaptureError) {
        self.path = path
        guard let f = fopen(path, "rb") else {
            throw .openFailed(path: path, errno: errno)
        }
        var st = stat()
        if fstat(fileno(f), &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            fclose(f)
            throw .notARegularFile(path: path)
        }
        fileSize = fstat(fileno(f), &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil
        if fileSize == 0 {
            fclose(f)
            throw .emptyFile(path: path)
        }
        source = .file(f)
        block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        try readFirstSection()
    }

    /// Reads a capture held in memory (tests, the fuzz target); `name` stands for the path in errors.
    public init(bytes: [UInt8], name: String = "<memory>") throws(CaptureError) {
        path = name
        fileSize = Int64(bytes.count)
        source = .memory(bytes, 0)
        block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        if bytes.isEmpty {
            close()
            throw .emptyFile(path: name)
        }
        try readFirstSection()
    }

    deinit {
        close()
        block.deallocate()
    }

    public func close() {
        if case .file(let f) = source { fclose(f) }
        source = .closed
    }

    /// The link type of the first interface of the first section (what libpcap would report).
    public var firstLinkType: LinkType? { firstInterfaceLinkType }
    private var firstInterfaceLinkType: LinkType?

    private func readFirstSection() throws(CaptureError) {
        // The first block must be a Section Header Block; the interfaces that follow it are
        // read lazily with the packets.
        do throws(CaptureError) {
            guard let (type, length) = try readBlock(first: true) else { throw CaptureError.truncatedFileHeader(path: path, detail: "no section header block") }
            guard type == PcapNGBlock.sectionHeader else { throw CaptureError.notACapture(path: path, detail: "first block is not a pcapng section header") }
            try section(length)
            // Read ahead to the first IDB so `firstLinkType` is known, keeping the next packet.
            while firstInterfaceLinkType == nil, let (type, length) = try readBlock(first: false) {
                try handle(type: type, length: length, packet: false)
                if pendingPacket != nil { break }
            }
        } catch {
            close()
            throw error
        }
    }

    private var pendingPacket: (number: Int, time: CaptureTime, linkType: LinkType, interface: UInt32, originalLength: Int, start: Int, count: Int)?

    /// The next packet, or nil at the end of the file.
    public func nextPacket() throws(CaptureError) -> CapturedPacket? {
        if let p = pendingPacket {
            pendingPacket = nil
            return packet(p)
        }
        while let (type, length) = try readBlock(first: false) {
            try handle(type: type, length: length, packet: true)
            if let p = pendingPacket {
                pendingPacket = nil
                return packet(p)
            }
        }
        return nil
    }

    private func packet(_ p: (number: Int, time: CaptureTime, linkType: LinkType, interface: UInt32, originalLength: Int, start: Int, count: Int)) -> CapturedPacket {
        var packet = CapturedPacket(
            number: p.number, timestamp: p.time, linkType: p.linkType, originalLength: p.originalLength,
            bytes: UnsafeRawBufferPointer(rebasing: block[p.start..<(p.start + p.count)]))
        packet.interfaceID = p.interface
        return packet
    }

    // MARK: Blocks

    /// Reads one whole block into `block` (type and length included); nil at a clean end of file.
    private func readBlock(first: Bool) throws(CaptureError) -> (UInt32, Int)? {
        let blockStart = offset
        var head = [UInt8](repeating: 0, count: 8)
        let got = read(into: &head, 8)
        if got == 0 { return nil }
        let failing = packetsRead + 1
        guard got == 8 else { throw truncated(first, failing, blockStart, "file ends inside a block header") }
        let type = UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24
        if type == PcapNGBlock.sectionHeader {
            // The byte order of a section comes from its byte-order magic.
            var magic = [UInt8](repeating: 0, count: 4)
            guard read(into: &magic, 4) == 4 else { throw truncated(first, failing, blockStart, "file ends inside a section header") }
            if magic == [0x1A, 0x2B, 0x3C, 0x4D] {
                bigEndian = true
            } else if magic == [0x4D, 0x3C, 0x2B, 0x1A] {
                bigEndian = false
            } else {
                if first { throw .notACapture(path: path, detail: "bad byte-order magic in the section header") }
                throw .corruptRecord(path: path, packetNumber: failing, byteOffset: blockStart, detail: "bad byte-order magic in a section header")
            }
            head += magic
        } else if first {
            throw .notACapture(path: path, detail: "first block is not a pcapng section header")
        }
        let lengthWord = word32(head, 4)
        guard lengthWord >= 12, lengthWord % 4 == 0, lengthWord <= UInt32(Self.maximumBlockLength), Int(lengthWord) >= head.count + 4 else {
            throw .corruptRecord(
                path: path, packetNumber: failing, byteOffset: blockStart,
                detail: "block total length \(lengthWord) (must be a multiple of 4, 12...\(Self.maximumBlockLength))")
        }
        let length = Int(lengthWord)
        if block.count < length {
            block.deallocate()
            block = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, block.count * 2), alignment: 8)
        }
        for (i, b) in head.enumerated() { block[i] = b }
        let rest = length - head.count
        guard read(into: UnsafeMutableRawBufferPointer(rebasing: block[head.count..<length])) == rest else {
            throw truncated(first, failing, blockStart, "file ends inside a block of \(length) bytes")
        }
        guard u32(length - 4) == lengthWord else {
            throw .corruptRecord(path: path, packetNumber: failing, byteOffset: blockStart, detail: "trailing block length \(u32(length - 4)) differs from the leading \(lengthWord)")
        }
        return (bigEndian ? type.byteSwapped : type, length)
    }

    private func truncated(_ first: Bool, _ packet: Int, _ at: Int64, _ detail: String) -> CaptureError {
        if first || firstInterfaceLinkType == nil { return .truncatedFileHeader(path: path, detail: detail) }
        return .truncatedFile(path: path, packetNumber: packet, byteOffset: at, fileSize: fileSize, detail: detail)
    }

    private func handle(type: UInt32, length: Int, packet: Bool) throws(CaptureError) {
        let failing = packetsRead + 1
        let at = offset - Int64(length)
        switch type {
        case PcapNGBlock.sectionHeader:
            try section(length)
        case PcapNGBlock.interfaceDescription:
            guard length >= 20 else { throw corrupt(failing, at, "interface description block of \(length) bytes") }
            guard interfaces.count < Self.maximumInterfaces else { throw corrupt(failing, at, "more than \(Self.maximumInterfaces) interfaces") }
            var interface = Interface(
                linkType: LinkType(rawValue: Int32(u16(8))), snapshotLength: Int(u32(12)), name: nil,
                resolutionExponent: 6, binaryResolution: false, offsetSeconds: 0)
            try options(from: 16, to: length - 4, failing, at) { code, start, count in
                switch (code, count) {
                case (2, _): interface.name = String(decoding: UnsafeRawBufferPointer(rebasing: block[start..<(start + count)]), as: UTF8.self)
                case (9, 1):
                    interface.binaryResolution = block[start] & 0x80 != 0
                    interface.resolutionExponent = block[start] & 0x7F
                case (14, 8): interface.offsetSeconds = Int64(bitPattern: u64(start))
                default: break
                }
            }
            interfaces.append(interface)
            if firstInterfaceLinkType == nil { firstInterfaceLinkType = interface.linkType }
        case PcapNGBlock.enhancedPacket, PcapNGBlock.obsoletePacket:
            let obsolete = type == PcapNGBlock.obsoletePacket
            guard length >= 32 else { throw corrupt(failing, at, "packet block of \(length) bytes") }
            let id = obsolete ? UInt32(u16(8)) : u32(8)
            guard Int(id) < interfaces.count else {
                throw corrupt(failing, at, "packet on interface \(id), but the section describes \(interfaces.count) interface(s)")
            }
            let captured = Int(u32(20))
            let original = Int(u32(24))
            guard captured <= length - 32 else { throw corrupt(failing, at, "captured length \(captured) does not fit a block of \(length) bytes") }
            guard captured <= original else { throw corrupt(failing, at, "captured length \(captured) is larger than the original length \(original)") }
            let time = try timestamp(UInt64(u32(12)) << 32 | UInt64(u32(16)), interfaces[Int(id)], failing, at)
            packetsRead += 1
            pendingPacket = (packetsRead, time, interfaces[Int(id)].linkType, id, original, 28, captured)
        case PcapNGBlock.simplePacket:
            guard length >= 16 else { throw corrupt(failing, at, "simple packet block of \(length) bytes") }
            guard let interface = interfaces.first else { throw corrupt(failing, at, "simple packet block before any interface description") }
            let original = Int(u32(8))
            let captured = min(original, interface.snapshotLength == 0 ? original : interface.snapshotLength, length - 16)
            packetsRead += 1
            pendingPacket = (packetsRead, CaptureTime(nanosecondsSinceEpoch: 0), interface.linkType, 0, original, 12, captured)
        default:
            break  // statistics, name resolution, custom blocks: not needed
        }
    }

    private func section(_ length: Int) throws(CaptureError) {
        let failing = packetsRead + 1
        let at = offset - Int64(length)
        guard length >= 28 else { throw corrupt(failing, at, "section header block of \(length) bytes") }
        let major = u16(12)
        guard major == 1 else {
            if sections == 0 { throw .notACapture(path: path, detail: "pcapng major version \(major), not 1") }
            throw corrupt(failing, at, "section with pcapng major version \(major), not 1")
        }
        sections += 1
        interfaces = []
    }

    /// Walks the options between `start` and `end` (code, length, value padded to 4).
    private func options(from start: Int, to end: Int, _ failing: Int, _ at: Int64, _ body: (UInt16, Int, Int) -> Void) throws(CaptureError) {
        var i = start
        while i + 4 <= end {
            let code = u16(i)
            let count = Int(u16(i + 2))
            if code == 0 { return }
            let padded = (count + 3) & ~3
            guard i + 4 + padded <= end else { throw corrupt(failing, at, "option \(code) of \(count) bytes overruns its block") }
            body(code, i + 4, count)
            i += 4 + padded
        }
    }

    private func timestamp(_ units: UInt64, _ interface: Interface, _ failing: Int, _ at: Int64) throws(CaptureError) -> CaptureTime {
        let e = Int(interface.resolutionExponent)
        var nanoseconds: UInt64?
        if interface.binaryResolution {
            if e < 64 {
                let whole = units >> UInt64(e)
                let fraction = units & ((1 << UInt64(e)) &- 1)
                let (w, o1) = whole.multipliedReportingOverflow(by: 1_000_000_000)
                // fraction · 10^9 / 2^e, through the 128-bit product (fraction < 2^e).
                let product = fraction.multipliedFullWidth(by: 1_000_000_000)
                let f: UInt64 = e == 0 ? 0 : product.high << UInt64(64 - e) | product.low >> UInt64(e)
                let (sum, o2) = w.addingReportingOverflow(f)
                nanoseconds = o1 || o2 ? nil : sum
            }
        } else if e <= 9 {
            var scale: UInt64 = 1
            for _ in 0..<(9 - e) { scale *= 10 }
            let (n, o) = units.multipliedReportingOverflow(by: scale)
            nanoseconds = o ? nil : n
        } else if e <= 19 {
            var scale: UInt64 = 1
            for _ in 0..<(e - 9) { scale *= 10 }
            nanoseconds = units / scale
        } else {
            nanoseconds = 0
        }
        guard let ns = nanoseconds, ns <= UInt64(Int64.max) else { throw corrupt(failing, at, "timestamp out of range") }
        let (offsetNs, o) = interface.offsetSeconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, o2) = Int64(ns).addingReportingOverflow(o ? 0 : offsetNs)
        guard !o, !o2 else { throw corrupt(failing, at, "timestamp offset out of range") }
        return CaptureTime(nanosecondsSinceEpoch: total)
    }

    private func corrupt(_ packet: Int, _ at: Int64, _ detail: String) -> CaptureError {
        .corruptRecord(path: path, packetNumber: packet, byteOffset: at, detail: detail)
    }

    // MARK: Bytes

    private func read(into bytes: inout [UInt8], _ count: Int) -> Int {
        bytes.withUnsafeMutableBytes { read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<count])) }
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard !buffer.isEmpty else { return 0 }
        switch source {
        case .file(let f):
            let n = fread(buffer.baseAddress, 1, buffer.count, f)
            offset += Int64(n)
            return n
        case .memory(let bytes, let position):
            let n = min(buffer.count, bytes.count - position)
            for i in 0..<n { buffer[i] = bytes[position + i] }
            source = .memory(bytes, position + n)
            offset += Int64(n)
            return n
        case .closed:
            return 0
        }
    }

    private func word32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        let v = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        return bigEndian ? v.byteSwapped : v
    }

    private func u16(_ i: Int) -> UInt16 {
        let v = UInt16(block[i]) | UInt16(block[i + 1]) << 8
        return bigEndian ? v.byteSwapped : v
    }

    private func u32(_ i: Int) -> UInt32 {
        let v = UInt32(block[i]) | UInt32(block[i + 1]) << 8 | UInt32(block[i + 2]) << 16 | UInt32(block[i + 3]) << 24
        return bigEndian ? v.byteSwapped : v
    }

    private func u64(_ i: Int) -> UInt64 {
        // A 64-bit value is stored in the section's byte order as a whole.
        let first = UInt64(u32(i)), second = UInt64(u32(i + 4))
        return bigEndian ? first << 32 | second : second << 32 | first
    }
}
