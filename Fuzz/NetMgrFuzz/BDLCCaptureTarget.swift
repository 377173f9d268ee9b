import Foundation
import NetMgrVerify
import PacketCapture
#if canImport(Glibc)
import Glibc
#endif

/// A BDLC line capture (LINKTYPE_USER0, as the host simulator records it) read by
/// `netmgr verify`: the station tracker, the terminals and boundaries, both report forms.
///
/// Input: byte 0 chooses the options (bit 0: `--link-silence 0.5`, bit 1: `--expect same`
/// instead of `different`); then records, each a length byte, a time step byte (ms) and
/// that many bytes (a direction/line byte, then the element).
enum BDLCCaptureTarget {
    static let path = NSTemporaryDirectory() + "netmgr-fuzz-bdlc-\(getpid()).pcap"

    static func run(_ data: UnsafeRawBufferPointer) {
        guard let options = data.first else { return }
        do {
            let writer = try CaptureWriter(path: path, linkType: .user0, options: .lineMonitor)
            var time = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)
            var index = 1
            while index + 1 < data.count {
                let length = Int(data[index]), step = Int64(data[index + 1])
                index += 2
                let end = min(data.count, index + length)
                time = time + .milliseconds(step)
                try writer.write(UnsafeRawBufferPointer(rebasing: data[index..<end]), timestamp: time)
                index = end
            }
            try writer.close()
        } catch {
            fatalError("cannot write the capture to \(path): \(error)")
        }
        var verifyOptions = VerifyOptions(expect: options & 2 != 0 ? .same : .different)
        if options & 1 != 0 { verifyOptions.linkSilence = .milliseconds(500) }
        guard let report = try? Verifier(options: verifyOptions).verify(path: path) else { return }
        _ = ReportRenderer().render(report).utf8.count
        _ = try? report.jsonData()
    }
}
