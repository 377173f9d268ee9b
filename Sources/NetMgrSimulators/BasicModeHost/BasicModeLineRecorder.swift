import Foundation
import Logging
import PacketCapture

#if canImport(Glibc)
import Glibc
#endif

/// Records the host's side of the basic-mode (BDLC) lines into one classic pcap file,
/// LINKTYPE_USER0 (147), for `netmgr verify` and the Lua dissector in
/// Integrations/wireshark/basic-mode.lua.
///
/// One record per transmission element (a poll or select sequence, a block, an
/// ACK/NAK/WACK/RVI/EOT), bytes exactly as on the wire without the leading SYNs, prefixed by
/// one direction/line byte: bit 7 (0x80) set = from the tributary station to the host,
/// clear = from the host to the tributary; bits 0–6 = the host's line number (1-based, in
/// the order of the simulator's BDLC line list). The coding (ASCII or EBCDIC) is not
/// recorded: it is a property of the line in the definitions.
///
/// Written straight to `path` and flushed per record (like the SDLC line monitor), so a
/// killed simulator leaves a readable file. Safe to call from any thread.
public final class BasicModeLineRecorder: @unchecked Sendable {
    /// The highest line number the direction byte can carry.
    public static let maximumLine = 0x7F
    /// Bit 7 of the direction byte: the element came from the tributary station.
    public static let fromTributaryBit: UInt8 = 0x80

    public let path: String
    private let writer: CaptureWriter
    private let logger: Logger
    private let lock = NSLock()
    private var writeFailed = false
    private var closed = false
    private var recorded = 0
    private var refused = 0

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        writer = try CaptureWriter(path: path, linkType: .user0, options: .lineMonitor)
    }

    deinit { close() }

    /// Elements written so far.
    public var recordsWritten: Int { lock.withLock { recorded } }
    /// Elements not written: line number out of 1...127, or after `close()`.
    public var recordsRefused: Int { lock.withLock { refused } }

    /// The direction/line byte for `line` (1...127), or nil when the line cannot be encoded.
    public static func prefix(line: Int, fromTributary: Bool) -> UInt8? {
        guard (1...maximumLine).contains(line) else { return nil }
        return UInt8(line) | (fromTributary ? fromTributaryBit : 0)
    }

    /// Records one transmission element with the current time. A line number outside
    /// 1...127 is refused (logged, not trapped); a write failure stops the recording once
    /// and is logged, the line goes on.
    public func record(_ element: [UInt8], line: Int, fromTributary: Bool) {
        record(element, line: line, fromTributary: fromTributary, at: CaptureTime.now())
    }

    /// As `record(_:line:fromTributary:)`, with the time given (tests build captures with it).
    public func record(_ element: [UInt8], line: Int, fromTributary: Bool, at time: CaptureTime) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed, !writeFailed else {
            refused += 1
            return
        }
        guard let prefix = Self.prefix(line: line, fromTributary: fromTributary) else {
            refused += 1
            logger.error("BDLC line capture \(path): line number \(line) is outside 1...\(Self.maximumLine); element not recorded")
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(element.count + 1)
        bytes.append(prefix)
        bytes.append(contentsOf: element)
        do {
            try writer.write(bytes, timestamp: time)
            recorded += 1
        } catch {
            writeFailed = true  // say it once, keep the line running
            logger.error("BDLC line capture \(path): \(error); recording stops, the lines go on")
        }
    }

    /// Flushes and closes the file. Safe to call twice.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        do {
            try writer.close()
        } catch {
            logger.error("BDLC line capture \(path): \(error)")
        }
    }
}
