import Foundation
import PacketCapture
#if canImport(Glibc)
import Glibc
#endif

/// A pcap or pcapng file read as `netmgr verify` reads one: every packet decoded and
/// reassembled into TCP streams.
enum CaptureTarget {
    /// One file, rewritten for each input and opened by path like a real capture
    /// (scripts/fuzz points TMPDIR into .build-fuzz).
    static let file: (fd: Int32, path: String) = {
        let path = NSTemporaryDirectory() + "netmgr-fuzz-capture-\(getpid()).pcap"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("\(path): \(String(cString: strerror(errno)))") }
        return (fd, path)
    }()

    static func run(_ data: UnsafeRawBufferPointer) {
        guard ftruncate(file.fd, 0) == 0, pwrite(file.fd, data.baseAddress, data.count, 0) == data.count else {
            fatalError("cannot write the capture to \(file.path)")
        }
        guard let reader = try? CaptureReader(path: file.path) else { return }
        let reassembler = TCPReassembler()
        var consumer = TCPStreamEventHandler { event in
            if case .data(_, _, let chunk, _) = event, chunk.hasBytes { _ = chunk.bytes.reduce(0, &+) }
        }
        var last: CaptureTime?
        while let packet = try? reader.nextPacket() {
            _ = PacketDecoder.decode(packet)
            reassembler.process(packet, consumer: &consumer)
            last = packet.timestamp
        }
        reassembler.finish(at: last, consumer: &consumer)
    }
}
