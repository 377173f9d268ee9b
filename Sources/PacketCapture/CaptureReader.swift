import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Streams a pcap or pcapng file (or "-" for standard input) through libpcap, one packet
/// at a time, in a single pass and flat memory. Timestamps are nanosecond precision.
///
///     let reader = try CaptureReader(path: "line.pcap")
///     while let packet = try reader.nextPacket() { ... }   // packet.bytes is borrowed
///
/// libpcap opens every file and judges its header. The records of a regular classic pcap
/// file in this machine's byte order (version 2.4, the usual case) are then read directly:
/// pread(2) into one buffer, each packet handed out where it lies, without libpcap's two
/// freads and copy per record. Only records libpcap would hand out unchanged are read so
/// (captured length within the snapshot length and 262,144, both timestamp words below
/// 2^31); at the first other record, or the end of the file, the reader seeks libpcap's
/// stream to that record and libpcap reads the rest, so that errors, truncated records
/// and the end are libpcap's own, word for word.
///
/// Not thread-safe; use one reader per thread.
public final class CaptureReader {
    public let path: String
    public let linkType: LinkType
    /// The file's snapshot length (largest captured length it promises).
    public let snapshotLength: Int
    /// Size in bytes for regular files, nil for pipes.
    public let fileSize: Int64?
    /// Number of packets handed out so far.
    public private(set) var packetsRead = 0

    private var handle: OpaquePointer?
    private let file: UnsafeMutablePointer<FILE>
    private let ioBuffer: UnsafeMutableRawPointer
    private static let ioBufferSize = 1 << 20

    // Direct record reading (see above): `directFD` is the file's descriptor while records
    // are read directly, -1 once libpcap reads. `direct` holds the file's bytes from offset
    // `directBase`: `directFilled` of them, the next record at `directPosition`.
    private var directFD: Int32 = -1
    private var direct: UnsafeMutableRawPointer?
    private var directBase: Int64 = 0
    private var directFilled = 0
    private var directPosition = 0
    /// 1_000 for microsecond files, 1 for nanosecond ones.
    private var directFractionScale: Int64 = 1
    /// Largest captured length read directly: min(libpcap's snapshot length, 262,144).
    private var directCaptureLimit: UInt32 = 0
    /// Set when libpcap's stream could not be moved to the record direct reading stopped at.
    private var lostPosition: Int64?
    static let directBufferSize = 1 << 19
    static let directRecordHeader = 16

    /// Opens `path`; with `acceptedLinkTypes`, throws `.unsupportedLinkType` for others
    /// (pass `LinkType.decodable` to insist on what `PacketDecoder` handles).
    /// `directRecords: false` leaves every record to libpcap (for comparisons).
    public init(path: String, acceptedLinkTypes: Set<LinkType>? = nil, directRecords: Bool = true) throws(CaptureError) {
        self.path = path
        // Open the file ourselves: errno gives precise errors, and a big stdio buffer
        // keeps libpcap's per-record freads from turning into small read(2)s.
        var opened: UnsafeMutablePointer<FILE>?
        if path == "-" {
            let fd = dup(STDIN_FILENO)
            opened = fd >= 0 ? fdopen(fd, "rb") : nil
        } else {
            opened = fopen(path, "rb")
        }
        guard let f = opened else {
            throw .openFailed(path: path, errno: errno)
        }
        var st = stat()
        if fstat(fileno(f), &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR {
                fclose(f)
                throw .notARegularFile(path: path)
            }
            if (st.st_mode & S_IFMT) == S_IFREG {
                if st.st_size == 0 {
                    fclose(f)
                    throw .emptyFile(path: path)
                }
                fileSize = Int64(st.st_size)
            } else {
                fileSize = nil
            }
        } else {
            fileSize = nil
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.ioBufferSize, alignment: 16)
        setvbuf(f, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, Self.ioBufferSize)

        var errbuf = PcapErrorBuffer()
        guard let p = pcap_fopen_offline_with_tstamp_precision(f, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf.storage) else {
            fclose(f)  // libpcap leaves a FILE it could not use open
            buffer.deallocate()
            let message = errbuf.message
            if message.contains("unknown file format") { throw .notACapture(path: path, detail: message) }
            if message.contains("truncated") { throw .truncatedFileHeader(path: path, detail: message) }
            throw .cannotOpen(path: path, reason: message)
        }
        handle = p
        file = f
        ioBuffer = buffer
        linkType = LinkType(rawValue: pcap_datalink(p))
        snapshotLength = Int(pcap_snapshot(p))
        if let accepted = acceptedLinkTypes, !accepted.contains(linkType) {
            close()
            throw .unsupportedLinkType(path: path, linkType: linkType)
        }
        if directRecords, fileSize != nil, pcap_is_swapped(p) == 0 { startDirectRecords(snapshot: pcap_snapshot(p)) }
    }

    deinit { close() }

    /// Closes the file; later reads return nil. Called by deinit.
    public func close() {
        directFD = -1
        direct?.deallocate()
        direct = nil
        guard let p = handle else { return }
        handle = nil
        pcap_close(p)  // also fcloses `file`
        ioBuffer.deallocate()
    }

    /// The next packet, or nil at the end of the file. The packet's bytes stay valid
    /// until the next call or `close()`. Does not allocate.
    @inline(__always)
    public func nextPacket() throws(CaptureError) -> CapturedPacket? {
        let caplen: Int
        let len: Int
        let time: CaptureTime
        let data: UnsafeRawPointer?
        if directFD >= 0, let record = nextDirectRecord() {
            caplen = Int(record.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            len = Int(record.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
            let seconds = Int64(record.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let fraction = Int64(record.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            time = CaptureTime(nanosecondsSinceEpoch: seconds &* 1_000_000_000 &+ fraction &* directFractionScale)
            data = UnsafeRawPointer(record + Self.directRecordHeader)
        } else {
            guard let p = handle else { return nil }
            if let offset = lostPosition {
                throw .readFailed(path: path, packetNumber: packetsRead + 1, byteOffset: offset, detail: "cannot seek back to the record for libpcap")
            }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var bytes: UnsafePointer<UInt8>?
            let rc = pcap_next_ex(p, &header, &bytes)
            guard rc == 1, let h = header?.pointee else {
                if rc == PCAP_ERROR_BREAK || rc == 0 { return nil }
                throw readError(String(cString: pcap_geterr(p)))
            }
            caplen = Int(h.caplen)
            len = Int(h.len)
            // With nanosecond precision requested, tv_usec carries nanoseconds.
            time = CaptureTime(nanosecondsSinceEpoch: Int64(h.ts.tv_sec) &* 1_000_000_000 &+ Int64(h.ts.tv_usec))
            data = UnsafeRawPointer(bytes)
        }
        packetsRead += 1
        if caplen > len {
            throw .corruptRecord(
                path: path, packetNumber: packetsRead, byteOffset: nil,
                detail: "captured length \(caplen) is larger than the original length \(len)")
        }
        return CapturedPacket(
            number: packetsRead, timestamp: time, linkType: linkType, originalLength: len,
            bytes: UnsafeRawBufferPointer(start: data, count: caplen))
    }

    // MARK: Direct records

    /// Reads records directly from here on when the file is classic pcap 2.4 in this
    /// machine's byte order (libpcap has said it is not byte-swapped).
    private func startDirectRecords(snapshot: Int32) {
        let fd = fileno(file)
        var header = [UInt8](repeating: 0, count: 8)  // magic, major, minor
        guard fd >= 0, header.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 8, 0) }) == 8 else { return }
        let (magic, major, minor) = header.withUnsafeBytes {
            ($0.loadUnaligned(as: UInt32.self), $0.loadUnaligned(fromByteOffset: 4, as: UInt16.self), $0.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        }
        guard major == 2, minor == 4 else { return }
        switch magic {
        case 0xA1B2_C3D4: directFractionScale = 1_000  // microseconds
        case 0xA1B2_3C4D: directFractionScale = 1  // nanoseconds
        default: return
        }
        guard snapshot > 0 else { return }
        directCaptureLimit = min(UInt32(snapshot), 262_144)
        direct = UnsafeMutableRawPointer.allocate(byteCount: Self.directBufferSize, alignment: 64)
        directBase = 24  // after the file header
        directFilled = 0
        directPosition = 0
        directFD = fd
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    /// The next record (its 16-byte header, then the captured bytes), or nil after handing
    /// the rest of the file to libpcap.
    @inline(__always)
    private func nextDirectRecord() -> UnsafeMutableRawPointer? {
        guard let buffer = direct else { return nil }
        var available = directFilled &- directPosition
        if available < Self.directRecordHeader {
            available = fill(atLeast: Self.directRecordHeader)
            guard available >= Self.directRecordHeader else { return handOver() }
        }
        var record = buffer + directPosition
        let caplen = record.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        let seconds = record.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let fraction = record.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        guard caplen <= directCaptureLimit, (seconds | fraction) < 0x8000_0000 else { return handOver() }
        let size = Self.directRecordHeader &+ Int(caplen)
        if available < size {
            available = fill(atLeast: size)
            guard available >= size else { return handOver() }
            record = buffer + directPosition
        }
        directPosition &+= size
        return record
    }

    /// Moves the unread bytes to the front of the buffer and reads until at least `count`
    /// are there (or the file ends, or a read fails); returns how many are.
    private func fill(atLeast count: Int) -> Int {
        guard let buffer = direct else { return 0 }
        let unread = directFilled - directPosition
        if directPosition > 0 {
            if unread > 0 { memmove(buffer, buffer + directPosition, unread) }
            directBase += Int64(directPosition)
            directPosition = 0
            directFilled = unread
        }
        while directFilled < count {
            let n = pread(directFD, buffer + directFilled, Self.directBufferSize - directFilled, off_t(directBase + Int64(directFilled)))
            if n > 0 {
                directFilled += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break  // the end, or an error libpcap will meet and name
            }
        }
        return directFilled
    }

    /// libpcap reads from the record at `directPosition` on.
    private func handOver() -> UnsafeMutableRawPointer? {
        let offset = directBase + Int64(directPosition)
        directFD = -1
        direct?.deallocate()
        direct = nil
        if fseeko(file, off_t(offset), SEEK_SET) != 0 {
            lostPosition = offset  // cannot happen on a regular file; said, never guessed past
        }
        return nil
    }

    /// Calls `body` for each remaining packet (bytes borrowed for the call only).
    public func forEachPacket(_ body: (CapturedPacket) throws -> Void) throws {
        while let packet = try nextPacket() { try body(packet) }
    }

    private func readError(_ message: String) -> CaptureError {
        let failing = packetsRead + 1
        let position = ftell(file)
        let offset: Int64? = position >= 0 ? Int64(position) : nil
        if message.contains("truncated") {
            return .truncatedFile(path: path, packetNumber: failing, byteOffset: offset, fileSize: fileSize, detail: message)
        }
        if message.contains("different from the type of the first interface"),
            let other = Self.number(after: "has a type ", in: message)
        {
            return .mixedLinkTypes(path: path, packetNumber: failing, first: linkType, other: LinkType(rawValue: other))
        }
        // libpcap's words for impossible lengths in pcap records and pcapng blocks.
        let corrupt = ["capture length", "bigger than", "too large", "too short", "block size", "total length", "invalid", "bogus"]
        if corrupt.contains(where: { message.contains($0) }) {
            return .corruptRecord(path: path, packetNumber: failing, byteOffset: offset, detail: message)
        }
        return .readFailed(path: path, packetNumber: failing, byteOffset: offset, detail: message)
    }

    private static func number(after marker: String, in text: String) -> Int32? {
        guard let range = text.firstRange(of: marker) else { return nil }
        return Int32(text[range.upperBound...].prefix { $0.isNumber })
    }
}
