import Foundation
import NetMgrVerify
import PacketCapture
#if canImport(Glibc)
import Glibc
#endif

/// An X.25 line capture (LINKTYPE_SITA: SITA header, LAPB frame) through `netmgr verify`'s
/// X.25 path: LAPB, X.25 packets, QLLC, M-bit reassembly of PIUs and the SNA facts, then
/// the readable and JSON reports. Each record is preceded by a length byte.
enum X25LineTarget {
    static let path = NSTemporaryDirectory() + "netmgr-fuzz-x25-\(getpid()).pcap"

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        guard let writer = try? CaptureWriter(path: path, linkType: .sita, options: .lineMonitor) else {
            fatalError("cannot write the capture to \(path)")
        }
        var time = CaptureTime(seconds: 1_700_000_000)
        while !input.isAtEnd {
            let length = Int(input.byte())
            let record = input.piece(length)
            time = time + .milliseconds(Int64(length))
            try? writer.write(Array(record.readableBytesView), timestamp: time)
        }
        try? writer.close()
        guard let report = try? Verifier(options: VerifyOptions(expect: .same)).verify(path: path) else { return }
        _ = ReportRenderer().render(report)
        _ = try? report.jsonData()
    }
}
