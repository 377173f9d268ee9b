import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Writes a classic pcap file (nanosecond timestamps) of any link type: SDLC 268,
/// Ethernet, raw IP... through libpcap's dumper.
///
/// Durability: by default packets go to "<path>.tmp", which `close()` (or deinit) flushes
/// and renames to `path`, so `path` never holds a half-written capture. A process that
/// is SIGKILLed leaves "<path>.tmp", readable up to the last flush. For a line monitor
/// that must leave a readable `path` whatever happens, use `.lineMonitor`: write `path`
/// directly and flush after every packet.
public final class CaptureWriter {
    public struct Options: Sendable {
        /// Flush libpcap's buffer to the kernel after every packet.
        public var flushAfterEachPacket: Bool
        /// Write "<path>.tmp" and rename it to `path` on close.
        public var renameOnClose: Bool

        public init(flushAfterEachPacket: Bool = false, renameOnClose: Bool = true) {
            self.flushAfterEachPacket = flushAfterEachPacket
            self.renameOnClose = renameOnClose
        }

        /// Direct to `path`, flushed per packet: survives SIGKILL (simulators, monitors).
        public static let lineMonitor = Options(flushAfterEachPacket: true, renameOnClose: false)
    }

    public let path: String
    public let linkType: LinkType
    public let snapshotLength: Int
    public let options: Options
    /// Where packets are being written now ("<path>.tmp" until close when renaming).
    public let writingPath: String
    public private(set) var packetsWritten = 0

    private var dead: OpaquePointer?
    private var dumper: OpaquePointer?
    private let file: UnsafeMutablePointer<FILE>

    public init(
        path: String, linkType: LinkType, snapshotLength: Int = 262_144, options: Options = Options()
    ) throws(CaptureError) {
        self.path = path
        self.linkType = linkType
        self.snapshotLength = max(1, snapshotLength)
        self.options = options
        writingPath = options.renameOnClose ? path + ".tmp" : path
        guard let f = fopen(writingPath, "wb") else {
            throw .cannotCreate(path: writingPath, reason: String(cString: strerror(errno)))
        }
        guard
            let d = pcap_open_dead_with_tstamp_precision(
                linkType.rawValue, Int32(clamping: self.snapshotLength), UInt32(PCAP_TSTAMP_PRECISION_NANO))
        else {
            fclose(f)
            throw .cannotCreate(path: writingPath, reason: "libpcap cannot open a writer for link type \(linkType)")
        }
        guard let du = pcap_dump_fopen(d, f) else {
            let reason = String(cString: pcap_geterr(d))
            fclose(f)
            pcap_close(d)
            throw .cannotCreate(path: writingPath, reason: reason)
        }
        dead = d
        dumper = du
        file = f
        if options.flushAfterEachPacket { try flush() }
    }

    deinit { try? close() }

    /// Appends one packet. Bytes beyond the snapshot length are cut (and recorded as
    /// truncated: `originalLength` keeps the wire length).
    public func write(_ bytes: UnsafeRawBufferPointer, timestamp: CaptureTime, originalLength: Int? = nil) throws(CaptureError) {
        guard let du = dumper else { throw .writerClosed(path: path) }
        let caplen = min(bytes.count, snapshotLength)
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(timestamp.seconds)
        header.ts.tv_usec = Int(timestamp.nanoseconds)  // nanoseconds: the dumper is nano-precision
        header.caplen = UInt32(caplen)
        header.len = UInt32(clamping: max(originalLength ?? bytes.count, caplen))
        let user = UnsafeMutableRawPointer(du).assumingMemoryBound(to: UInt8.self)
        if let base = bytes.baseAddress {
            pcap_dump(user, &header, base.assumingMemoryBound(to: UInt8.self))
        } else {
            var empty: UInt8 = 0
            pcap_dump(user, &header, &empty)
        }
        if ferror(file) != 0 { throw .writeFailed(path: writingPath, reason: String(cString: strerror(errno))) }
        packetsWritten += 1
        if options.flushAfterEachPacket { try flush() }
    }

    public func write(_ bytes: [UInt8], timestamp: CaptureTime, originalLength: Int? = nil) throws(CaptureError) {
        let result: Result<Void, CaptureError> = bytes.withUnsafeBytes { b in
            Result { () throws(CaptureError) in try write(b, timestamp: timestamp, originalLength: originalLength) }
        }
        try result.get()
    }

    /// Copies a packet read from another capture, keeping its timestamp and lengths.
    public func write(_ packet: CapturedPacket) throws(CaptureError) {
        try write(packet.bytes, timestamp: packet.timestamp, originalLength: packet.originalLength)
    }

    /// Hands buffered packets to the kernel (not fsync).
    public func flush() throws(CaptureError) {
        guard let du = dumper else { throw .writerClosed(path: path) }
        if pcap_dump_flush(du) != 0 || ferror(file) != 0 {
            throw .writeFailed(path: writingPath, reason: String(cString: strerror(errno)))
        }
    }

    /// Flushes, closes and (by default) renames to `path`. Safe to call twice.
    public func close() throws(CaptureError) {
        guard let du = dumper, let d = dead else { return }
        dumper = nil
        dead = nil
        let flushed = pcap_dump_flush(du) == 0 && ferror(file) == 0
        let flushErrno = errno
        pcap_dump_close(du)  // fcloses the file
        pcap_close(d)
        guard flushed else {
            throw .writeFailed(path: writingPath, reason: String(cString: strerror(flushErrno)))
        }
        if options.renameOnClose, rename(writingPath, path) != 0 {
            throw .writeFailed(path: path, reason: "cannot rename \(writingPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
