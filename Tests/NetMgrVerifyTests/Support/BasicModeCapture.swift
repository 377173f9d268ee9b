import BasicMode
import Logging
import NIOCore
import NetMgrSimulators
import PacketCapture

/// Builds a LINKTYPE_USER0 BDLC capture the way the host simulator does, with
/// `BasicModeLineRecorder`, from elements encoded by BasicMode's encoder (no leading SYNs),
/// at chosen times (seconds from `origin`).
final class BasicModeCapture {
    static let origin = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)

    let path: String
    private let recorder: BasicModeLineRecorder

    init(path: String) throws {
        self.path = path
        recorder = try BasicModeLineRecorder(path: path, logger: Logger(label: "test.bdlc-capture"))
    }

    static func time(_ seconds: Double) -> CaptureTime {
        origin + .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func bytes(_ element: BasicModeElement, coding: BasicModeCoding) throws -> [UInt8] {
        try BasicModeEncoder(coding: coding, synchronousIdles: 0).bytes(element)
    }

    /// An element the host (control station) sent on `line`.
    func host(_ element: BasicModeElement, line: Int, coding: BasicModeCoding = .ascii, at seconds: Double) throws {
        recorder.record(try Self.bytes(element, coding: coding), line: line, fromTributary: false, at: Self.time(seconds))
    }

    /// An element the tributary station sent on `line`.
    func station(_ element: BasicModeElement, line: Int, coding: BasicModeCoding = .ascii, at seconds: Double) throws {
        recorder.record(try Self.bytes(element, coding: coding), line: line, fromTributary: true, at: Self.time(seconds))
    }

    /// Bytes as given.
    func raw(_ bytes: [UInt8], line: Int, fromTributary: Bool, at seconds: Double) {
        recorder.record(bytes, line: line, fromTributary: fromTributary, at: Self.time(seconds))
    }

    var recordsWritten: Int { recorder.recordsWritten }

    func close() { recorder.close() }

    // MARK: Conversations

    struct NotAStationAddress: Error { var value: UInt8 }

    static func address(_ value: UInt8) throws -> BasicModeStationAddress {
        guard let address = BasicModeStationAddress(rawValue: value) else { throw NotAStationAddress(value: value) }
        return address
    }

    /// One message for an LU as a text block (transparent when it holds control characters).
    static func block(lu: UInt8, _ message: [UInt8], coding: BasicModeCoding = .ascii) -> BasicModeElement {
        .textBlock(BasicModeTextBlock(lu: lu, message: ByteBuffer(bytes: message), coding: coding))
    }

    /// The host polls `station` on `line`; the station sends `blocks` (each ACKed, alternating
    /// ACK1/ACK0) and then EOT. `nil` for `blocks`: the station does not answer at all.
    /// Returns the time after the exchange. Each element takes `step` seconds.
    @discardableResult
    func pollCycle(line: Int, station: UInt8, blocks: [BasicModeElement]?, coding: BasicModeCoding = .ascii,
                   at start: Double, step: Double = 0.01) throws -> Double {
        let address = try Self.address(station)
        var t = start
        try host(.endOfTransmission, line: line, coding: coding, at: t)
        t += step
        try host(.poll(address), line: line, coding: coding, at: t)
        t += step
        guard let blocks else { return t + 3 * step }  // reply timeout: nothing came
        var odd = true
        for block in blocks {
            try self.station(block, line: line, coding: coding, at: t)
            t += step
            try host(.acknowledgment(odd: odd), line: line, coding: coding, at: t)
            t += step
            odd.toggle()
        }
        try self.station(.endOfTransmission, line: line, coding: coding, at: t)
        return t + step
    }

    /// The host selects `station` and sends `blocks`, each ACKed by the station, then EOT.
    @discardableResult
    func selectCycle(line: Int, station: UInt8, blocks: [BasicModeElement], coding: BasicModeCoding = .ascii,
                     at start: Double, step: Double = 0.01) throws -> Double {
        let address = try Self.address(station)
        var t = start
        try host(.endOfTransmission, line: line, coding: coding, at: t)
        t += step
        try host(.select(address), line: line, coding: coding, at: t)
        t += step
        try self.station(.ack0, line: line, coding: coding, at: t)
        t += step
        var odd = true
        for block in blocks {
            try host(block, line: line, coding: coding, at: t)
            t += step
            try self.station(.acknowledgment(odd: odd), line: line, coding: coding, at: t)
            t += step
            odd.toggle()
        }
        try host(.endOfTransmission, line: line, coding: coding, at: t)
        return t + step
    }
}
