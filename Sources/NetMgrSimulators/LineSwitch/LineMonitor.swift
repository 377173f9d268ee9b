#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import PacketCapture
import SDLC

/// Records the frames on the host side of the lines, like a line monitor clipped onto the
/// host's cable: both directions decoded from their HDLC byte streams, written to a pcap
/// file with the time the bytes arrived. SDLC lines go to one file (LINKTYPE_SDLC 268:
/// address, control, PIU); X.25 lines to another (LINKTYPE_SITA 196: the `SITAHeader`
/// saying which side sent it, then the LAPB frame without FCS), because a pcap file has
/// one link type. Files are flushed per frame, so they stay readable if the simulator is
/// killed. Confined to the switch's event loop.
final class LineMonitor {
    enum Direction: Hashable {
        case fromHost
        case toHost
    }

    private let writer: CaptureWriter?
    /// LINKTYPE_SITA file for the X.25 lines; nil: they are not recorded.
    private let x25Writer: CaptureWriter?
    /// Indices of the lines that carry LAPB (X.25) rather than SDLC.
    private let x25Lines: Set<Int>
    /// Indices of the dial-up (`hdlc-public`) lines: between calls they carry modem
    /// commands (Hayes text, V.25bis frames), so only well-formed SDLC frames are recorded.
    private let publicLines: Set<Int>
    private let logger: Logger
    private var decoders: [Key: HDLCFrameDecoder] = [:]
    private(set) var framesRecorded = 0
    private(set) var framingErrors = 0
    private var writeFailed = false
    private var x25WriteFailed = false

    struct Key: Hashable {
        var line: Int
        var direction: Direction
    }

    init(path: String?, x25Path: String? = nil, x25Lines: Set<Int> = [], publicLines: Set<Int> = [], logger: Logger) throws {
        self.logger = logger
        self.x25Lines = x25Lines
        self.publicLines = publicLines
        if let path {
            writer = try CaptureWriter(path: path, linkType: .sdlc, options: .lineMonitor)
        } else {
            writer = nil
        }
        if let x25Path, !x25Lines.isEmpty {
            x25Writer = try CaptureWriter(path: x25Path, linkType: .sita, options: .lineMonitor)
        } else {
            x25Writer = nil
        }
    }

    /// Bytes seen on the host side of `line`; returns how many complete frames were found
    /// (SDLC lines: frames that parse as SDLC; X.25 lines: frames with address and control).
    @discardableResult
    func observe(_ bytes: ByteBuffer, line: Int, direction: Direction) -> Int {
        if x25Lines.contains(line) { return observeLAPB(bytes, line: line, direction: direction) }
        return observeSDLC(bytes, line: line, direction: direction).count
    }

    private func observeSDLC(_ bytes: ByteBuffer, line: Int, direction: Direction) -> [SDLCFrame] {
        let time = CaptureTime.now()
        let key = Key(line: line, direction: direction)
        var decoder = decoders[key] ?? HDLCFrameDecoder()
        var buffer = bytes
        var frames: [SDLCFrame] = []
        while let output = decoder.decode(buffer: &buffer) {
            switch output {
            case .frame(let content):
                let frame = try? SDLCFrame(parsing: content)
                if publicLines.contains(line) {
                    // V.25bis commands are HDLC frames too (address 0xFF, control 0x13, IA5 text).
                    guard let frame, !Self.isV25bisCommand(content) else { continue }
                    record(content, time: time)
                    frames.append(frame)
                    continue
                }
                record(content, time: time)
                if let frame { frames.append(frame) }
            case .error(let error):
                if publicLines.contains(line) { continue }  // modem text between calls, not a broken frame
                framingErrors += 1
                logger.debug("line monitor, line \(line) \(direction): \(error)")
            }
        }
        decoders[key] = decoder
        return frames
    }

    /// A V.25bis command or indication: address 0xFF, control 0x13 (UI, P/F set).
    static func isV25bisCommand(_ content: ByteBuffer) -> Bool {
        content.getInteger(at: content.readerIndex, as: UInt8.self) == 0xFF
            && content.getInteger(at: content.readerIndex + 1, as: UInt8.self) == 0x13
    }

    /// An X.25 line: the node is the DTE, the host's network the DCE (`SITAHeader`).
    private func observeLAPB(_ bytes: ByteBuffer, line: Int, direction: Direction) -> Int {
        let time = CaptureTime.now()
        let key = Key(line: line, direction: direction)
        var decoder = decoders[key] ?? HDLCFrameDecoder()
        var buffer = bytes
        var frames = 0
        let header = SITAHeader.lapb(direction == .toHost ? .fromLocal : .fromRemote).bytes
        while let output = decoder.decode(buffer: &buffer) {
            switch output {
            case .frame(let content):
                if content.readableBytes >= 2 { frames += 1 }
                recordLAPB(header + Array(content.readableBytesView), time: time)
            case .error(let error):
                framingErrors += 1
                logger.debug("line monitor, X.25 line \(line) \(direction): \(error)")
            }
        }
        decoders[key] = decoder
        return frames
    }

    /// The line was switched: what the old node was sending is cut off mid-frame.
    func restart(line: Int, direction: Direction) {
        decoders[Key(line: line, direction: direction)] = nil
    }

    func close() {
        do {
            try writer?.close()
        } catch {
            logger.error("line capture: \(error)")
        }
        do {
            try x25Writer?.close()
        } catch {
            logger.error("X.25 line capture: \(error)")
        }
    }

    private func recordLAPB(_ record: [UInt8], time: CaptureTime) {
        framesRecorded += 1
        guard let x25Writer, !x25WriteFailed else { return }
        do {
            try x25Writer.write(record, timestamp: time)
        } catch {
            x25WriteFailed = true  // say it once, keep switching
            logger.error("X.25 line capture \(x25Writer.path): \(error); recording stops, the switch goes on")
        }
    }

    private func record(_ content: ByteBuffer, time: CaptureTime) {
        framesRecorded += 1
        guard let writer, !writeFailed else { return }
        let result: Result<Void, CaptureError> = content.withUnsafeReadableBytes { bytes in
            Result { () throws(CaptureError) in try writer.write(bytes, timestamp: time) }
        }
        if case .failure(let error) = result {
            writeFailed = true  // say it once, keep switching
            logger.error("line capture \(writer.path): \(error); recording stops, the switch goes on")
        }
    }
}
