import Foundation
import NetMgrVerify
import PacketCapture
#if canImport(Glibc)
import Glibc
#endif

/// A pcapng file: read by `PcapNGReader` from memory (every block, both byte orders), then
/// written to a file and verified, so that a switched capture (USER1 dialogue or LINUX_LAPD
/// D channel next to SDLC) also runs the dial-up and ISDN call trackers.
enum PcapNGTarget {
    static let file: (fd: Int32, path: String) = {
        let path = NSTemporaryDirectory() + "netmgr-fuzz-pcapng-\(getpid()).pcapng"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("\(path): \(String(cString: strerror(errno)))") }
        return (fd, path)
    }()

    static func run(_ data: UnsafeRawBufferPointer) {
        if let reader = try? PcapNGReader(bytes: Array(data)) {
            while let packet = try? reader.nextPacket() { _ = packet.bytes.reduce(0, &+) }
        }
        guard ftruncate(file.fd, 0) == 0, pwrite(file.fd, data.baseAddress, data.count, 0) == data.count else {
            fatalError("cannot write the capture to \(file.path)")
        }
        guard let report = try? Verifier(options: VerifyOptions(expect: .different)).verify(path: file.path) else { return }
        _ = ReportRenderer().render(report).utf8.count
        _ = try? report.jsonData()
    }
}
