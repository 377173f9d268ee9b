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

    /// Opens `path`; with `acceptedLinkTypes`, throws `.unsupportedLinkType` for others
    /// (pass `LinkType.decodable` to insist on what `PacketDecoder` handles).
    public init(path: String, acceptedLinkTypes: Set<LinkType>? = nil) throws(CaptureError) {
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
    }

    deinit { close() }

    /// Closes the file; later reads return nil. Called by deinit.
    public func close() {
        guard let p = handle else { return }
        handle = nil
        pcap_close(p)  // also fcloses `file`
        ioBuffer.deallocate()
    }

    /// The next packet, or nil at the end of the file. The packet's bytes stay valid
    /// until the next call or `close()`. Does not allocate.
    @inline(__always)
    public func nextPacket() throws(CaptureError) -> CapturedPacket? {
        guard let p = handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let rc = pcap_next_ex(p, &header, &data)
        guard rc == 1, let h = header?.pointee else {
            if rc == PCAP_ERROR_BREAK || rc == 0 { return nil }
            throw readError(String(cString: pcap_geterr(p)))
        }
        packetsRead += 1
        let caplen = Int(h.caplen)
        let len = Int(h.len)
        if caplen > len {
            throw .corruptRecord(
                path: path, packetNumber: packetsRead, byteOffset: nil,
                detail: "captured length \(caplen) is larger than the original length \(len)")
        }
        // With nanosecond precision requested, tv_usec carries nanoseconds.
        let time = CaptureTime(nanosecondsSinceEpoch: Int64(h.ts.tv_sec) &* 1_000_000_000 &+ Int64(h.ts.tv_usec))
        return CapturedPacket(
            number: packetsRead, timestamp: time, linkType: linkType, originalLength: len,
            bytes: UnsafeRawBufferPointer(start: data, count: caplen))
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
