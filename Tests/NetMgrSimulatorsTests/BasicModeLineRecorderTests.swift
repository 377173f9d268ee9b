import Logging
import NetMgrSimulators
import NetMgrTestSupport
import PacketCapture
import Testing

/// The BDLC line recorder writes what BDLC.md specifies: LINKTYPE_USER0, one record per
/// element with a direction/line byte in front, readable while the simulator still runs.
@Suite("BDLC line recorder")
struct BasicModeLineRecorderTests {
    /// The refusals are logged as errors; the test checks the counters, not the log.
    static let quiet = Logger(label: "test.bdlc-recorder", factory: { _ in SwiftLogNoOpLogHandler() })

    static func read(_ path: String) throws -> (linkType: LinkType, records: [[UInt8]]) {
        let reader = try CaptureReader(path: path)
        defer { reader.close() }
        var records: [[UInt8]] = []
        while let packet = try reader.nextPacket() { records.append(Array(packet.bytes)) }
        return (reader.linkType, records)
    }

    @Test("direction bit 0x80 from the tributary, line number in bits 0-6, element bytes as given")
    func records() throws {
        let directory = try TemporaryDirectory(prefix: "bdlc-recorder")
        let path = directory.file("lines.pcap")
        let recorder = try BasicModeLineRecorder(path: path, logger: Self.quiet)
        recorder.record([0x04], line: 1, fromTributary: false)
        recorder.record([0x41, 0x41, 0x05], line: 1, fromTributary: false)
        recorder.record([0x10, 0x70], line: 127, fromTributary: true)
        recorder.record([], line: 2, fromTributary: true)

        // Flushed per record: all of it is in the file before close, as after a SIGKILL.
        let open = try Self.read(path)
        #expect(open.linkType == .user0 && open.linkType.rawValue == 147)
        #expect(open.records == [[0x01, 0x04], [0x01, 0x41, 0x41, 0x05], [0xFF, 0x10, 0x70], [0x82]])
        #expect(recorder.recordsWritten == 4)

        recorder.close()
        recorder.close()  // twice is fine
        #expect(try Self.read(path).records.count == 4)
    }

    @Test("line numbers outside 1...127 and records after close are refused, not trapped")
    func refusals() throws {
        let directory = try TemporaryDirectory(prefix: "bdlc-recorder")
        let path = directory.file("refused.pcap")
        let recorder = try BasicModeLineRecorder(path: path, logger: Self.quiet)
        for line in [0, 128, -1, Int.max] { recorder.record([0x04], line: line, fromTributary: false) }
        recorder.record([0x15], line: 3, fromTributary: true)
        recorder.close()
        recorder.record([0x04], line: 1, fromTributary: false)
        #expect(recorder.recordsWritten == 1 && recorder.recordsRefused == 5)
        #expect(try Self.read(path).records == [[0x83, 0x15]])
        #expect(BasicModeLineRecorder.prefix(line: 5, fromTributary: true) == 0x85)
        #expect(BasicModeLineRecorder.prefix(line: 0, fromTributary: true) == nil)
    }

    @Test("an uncreatable path is an error that names it")
    func badPath() {
        #expect(throws: CaptureError.self) {
            _ = try BasicModeLineRecorder(path: "/nonexistent-dir/x.pcap", logger: Self.quiet)
        }
    }
}
