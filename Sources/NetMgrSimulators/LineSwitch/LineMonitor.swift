#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import PacketCapture
import SDLC

/// Records the frames on the host side of the lines, like a line monitor clipped onto the
/// host's cable: both directions decoded from their HDLC byte streams, written to a pcap
/// file (LINKTYPE_SDLC 268: address, control, PIU) with the time the bytes arrived. The
/// file is flushed per frame, so it stays readable if the simulator is killed.
/// Confined to the switch's event loop.
final class LineMonitor {
    enum Direction: Hashable {
        case fromHost
        case toHost
    }

    private let writer: CaptureWriter?
    private let logger: Logger
    private var decoders: [Key: HDLCFrameDecoder] = [:]
    private(set) var framesRecorded = 0
    private(set) var framingErrors = 0
    private var writeFailed = false

    struct Key: Hashable {
        var line: Int
        var direction: Direction
    }

    init(path: String?, logger: Logger) throws {
        self.logger = logger
        if let path {
            writer = try CaptureWriter(path: path, linkType: .sdlc, options: .lineMonitor)
        } else {
            writer = nil
        }
    }

    /// Bytes seen on the host side of `line`; returns the complete frames found.
    @discardableResult
    func observe(_ bytes: ByteBuffer, line: Int, direction: Direction) -> [SDLCFrame] {
        let time = Self.now()
        let key = Key(line: line, direction: direction)
        var decoder = decoders[key] ?? HDLCFrameDecoder()
        var buffer = bytes
        var frames: [SDLCFrame] = []
        while let output = decoder.decode(buffer: &buffer) {
            switch output {
            case .frame(let content):
                record(content, time: time)
                if let frame = try? SDLCFrame(parsing: content) { frames.append(frame) }
            case .error(let error):
                framingErrors += 1
                logger.debug("line monitor, line \(line) \(direction): \(error)")
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

    static func now() -> CaptureTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CaptureTime(seconds: Int64(spec.tv_sec), nanoseconds: Int64(spec.tv_nsec))
    }
}
