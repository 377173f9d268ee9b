import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes a pcapng file with several interfaces of different link types (what a classic pcap
/// cannot hold): one Section Header Block, one Interface Description Block per
/// `addInterface`, then Enhanced Packet Blocks with microsecond timestamps (`if_tsresol` 6).
/// Used for the switched-line captures: a dialogue (USER1) or D channel (LINUX_LAPD) interface
/// next to the SDLC (268) interface of the same line.
///
/// Blocks go through a buffered stdio handle; `flush()` hands them to the kernel and
/// `close()` flushes and closes. `flushAfterEachPacket` keeps the file readable up to the
/// last packet even if the process is killed (simulators recording a failover).
/// Interfaces may be added at any time, before the packets that use them. Not thread-safe.
public final class PcapNGWriter {
    public let path: String
    public let snapshotLength: Int
    public let flushAfterEachPacket: Bool
    public private(set) var packetsWritten = 0
    /// Link types of the interfaces added so far, by interface id.
    public private(set) var interfaces: [LinkType] = []

    private var file: UnsafeMutablePointer<FILE>?
    private let ioBuffer: UnsafeMutableRawPointer
    private static let ioBufferSize = 1 << 16

    public init(path: String, snapshotLength: Int = 262_144, flushAfterEachPacket: Bool = false) throws(CaptureError) {
        self.path = path
        self.snapshotLength = min(max(1, snapshotLength), Int(UInt32.max))
        self.flushAfterEachPacket = flushAfterEachPacket
        guard let f = fopen(path, "wb") else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        ioBuffer = UnsafeMutableRawPointer.allocate(byteCount: Self.ioBufferSize, alignment: 16)
        setvbuf(f, ioBuffer.assumingMemoryBound(to: CChar.self), _IOFBF, Self.ioBufferSize)
        file = f
        var body: [UInt8] = []
        PcapNGBlock.append32(0x1A2B_3C4D, to: &body)  // byte-order magic, written in our (host) order
        PcapNGBlock.append16(1, to: &body)  // major version
        PcapNGBlock.append16(0, to: &body)  // minor version
        PcapNGBlock.append64(UInt64.max, to: &body)  // section length: unspecified (-1)
        PcapNGBlock.appendEndOfOptions(to: &body)
        try writeBlock(type: PcapNGBlock.sectionHeader, body: body)
        if flushAfterEachPacket { try flush() }
    }

    deinit {
        try? close()
        ioBuffer.deallocate()
    }

    /// Adds an Interface Description Block; returns its interface id (0, 1, ...).
    @discardableResult
    public func addInterface(_ linkType: LinkType, name: String) throws(CaptureError) -> UInt32 {
        guard file != nil else { throw .writerClosed(path: path) }
        guard (0...0xFFFF).contains(linkType.rawValue) else {
            throw .writeFailed(path: path, reason: "link type \(linkType) does not fit a pcapng interface (16 bits)")
        }
        var body: [UInt8] = []
        PcapNGBlock.append16(UInt16(linkType.rawValue), to: &body)
        PcapNGBlock.append16(0, to: &body)  // reserved
        PcapNGBlock.append32(UInt32(snapshotLength), to: &body)
        PcapNGBlock.appendOption(PcapNGBlock.optionInterfaceName, Array(name.utf8.prefix(256)), to: &body)
        PcapNGBlock.appendOption(PcapNGBlock.optionTimestampResolution, [6], to: &body)  // microseconds
        PcapNGBlock.appendEndOfOptions(to: &body)
        try writeBlock(type: PcapNGBlock.interfaceDescription, body: body)
        interfaces.append(linkType)
        if flushAfterEachPacket { try flush() }
        return UInt32(interfaces.count - 1)
    }

    /// Appends one Enhanced Packet Block on `interface` (an id `addInterface` returned).
    /// Bytes beyond the snapshot length are cut; the original length keeps the full count.
    public func write(interface: UInt32, time: CaptureTime, bytes: ByteBuffer) throws(CaptureError) {
        try write(interface: interface, time: time, bytes: Array(bytes.readableBytesView))
    }

    public func write(interface: UInt32, time: CaptureTime, bytes: [UInt8]) throws(CaptureError) {
        guard file != nil else { throw .writerClosed(path: path) }
        guard Int(interface) < interfaces.count else {
            throw .writeFailed(path: path, reason: "packet for interface \(interface), but only \(interfaces.count) interface(s) were added")
        }
        let captured = min(bytes.count, snapshotLength)
        // Microseconds since the epoch, as a 64-bit count split high/low (if_tsresol 6).
        let (micros, overflow) = time.seconds.multipliedReportingOverflow(by: 1_000_000)
        let stamp = overflow ? 0 : UInt64(bitPattern: micros &+ time.nanoseconds / 1_000)
        var body: [UInt8] = []
        body.reserveCapacity(20 + captured + 3)
        PcapNGBlock.append32(interface, to: &body)
        PcapNGBlock.append32(UInt32(truncatingIfNeeded: stamp >> 32), to: &body)
        PcapNGBlock.append32(UInt32(truncatingIfNeeded: stamp), to: &body)
        PcapNGBlock.append32(UInt32(captured), to: &body)
        PcapNGBlock.append32(UInt32(clamping: bytes.count), to: &body)
        body.append(contentsOf: bytes.prefix(captured))
        PcapNGBlock.pad(&body)
        try writeBlock(type: PcapNGBlock.enhancedPacket, body: body)
        packetsWritten += 1
        if flushAfterEachPacket { try flush() }
    }

    /// Hands buffered blocks to the kernel (not fsync).
    public func flush() throws(CaptureError) {
        guard let f = file else { throw .writerClosed(path: path) }
        if fflush(f) != 0 || ferror(f) != 0 {
            throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Flushes and closes. Safe to call twice.
    public func close() throws(CaptureError) {
        guard let f = file else { return }
        file = nil
        let flushed = fflush(f) == 0 && ferror(f) == 0
        let flushErrno = errno
        let closed = fclose(f) == 0
        let closeErrno = errno
        guard flushed else { throw .writeFailed(path: path, reason: String(cString: strerror(flushErrno))) }
        guard closed else { throw .writeFailed(path: path, reason: String(cString: strerror(closeErrno))) }
    }

    private func writeBlock(type: UInt32, body: [UInt8]) throws(CaptureError) {
        guard let f = file else { throw .writerClosed(path: path) }
        let block = PcapNGBlock.frame(type: type, body: body)
        let written = block.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        if written != block.count || ferror(f) != 0 {
            throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// pcapng block layout shared by the writer and the reader (host byte order on write).
enum PcapNGBlock {
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let interfaceDescription: UInt32 = 0x0000_0001
    static let simplePacket: UInt32 = 0x0000_0003
    static let enhancedPacket: UInt32 = 0x0000_0006
    static let obsoletePacket: UInt32 = 0x0000_0002
    static let optionEnd: UInt16 = 0
    static let optionInterfaceName: UInt16 = 2
    static let optionTimestampResolution: UInt16 = 9
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D

    /// Type, total length, body (already padded), total length again.
    static func frame(type: UInt32, body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        let total = UInt32(clamping: body.count + 12)
        out.reserveCapacity(Int(total))
        append32(type, to: &out)
        append32(total, to: &out)
        out.append(contentsOf: body)
        append32(total, to: &out)
        return out
    }

    static func append16(_ v: UInt16, to out: inout [UInt8]) {
        withUnsafeBytes(of: v) { out.append(contentsOf: $0) }
    }

    static func append32(_ v: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: v) { out.append(contentsOf: $0) }
    }

    static func append64(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v) { out.append(contentsOf: $0) }
    }

    static func appendOption(_ code: UInt16, _ value: [UInt8], to out: inout [UInt8]) {
        append16(code, to: &out)
        append16(UInt16(clamping: value.count), to: &out)
        out.append(contentsOf: value.prefix(Int(UInt16.max)))
        pad(&out)
    }

    static func appendEndOfOptions(to out: inout [UInt8]) {
        append16(optionEnd, to: &out)
        append16(0, to: &out)
    }

    /// Zero bytes up to the next multiple of 4.
    static func pad(_ out: inout [UInt8]) {
        while out.count % 4 != 0 { out.append(0) }
    }
}
