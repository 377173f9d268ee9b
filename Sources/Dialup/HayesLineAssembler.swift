import NIOCore

/// Splits a modem's output into lines (CR or LF ends a line; empty lines are skipped). Lines
/// longer than `maximumLineLength` are dropped whole and counted; memory stays bounded.
public struct HayesLineAssembler: Sendable {
    public static let defaultMaximumLineLength = 256
    public let maximumLineLength: Int
    /// Lines dropped because they were longer than the maximum.
    public private(set) var droppedLines = 0

    var partial: [UInt8] = []
    var overlong = false

    public init(maximumLineLength: Int = HayesLineAssembler.defaultMaximumLineLength) {
        self.maximumLineLength = max(1, maximumLineLength)
    }

    /// Consumes bytes from `buffer` up to and including the end of the next complete line (and
    /// an LF right after its CR) and returns the line without its terminator; nil when the
    /// buffer ran out first (the partial line is kept for the next call).
    public mutating func nextLine(from buffer: inout ByteBuffer) -> String? {
        while let byte = buffer.readInteger(as: UInt8.self) {
            if byte == 0x0D || byte == 0x0A {
                if byte == 0x0D, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x0A {
                    buffer.moveReaderIndex(forwardBy: 1)
                }
                if overlong {
                    overlong = false
                    droppedLines += 1
                    continue
                }
                guard !partial.isEmpty else { continue }
                let line = String(decoding: partial, as: UTF8.self)
                partial.removeAll(keepingCapacity: true)
                return line
            }
            guard !overlong else { continue }
            if partial.count >= maximumLineLength {
                overlong = true
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
            }
        }
        return nil
    }

    /// All complete lines in `bytes`.
    public mutating func lines(in bytes: ByteBuffer) -> [String] {
        var buffer = bytes
        var result: [String] = []
        while let line = nextLine(from: &buffer) { result.append(line) }
        return result
    }

    /// Forgets a partial line.
    public mutating func reset() {
        partial.removeAll(keepingCapacity: true)
        overlong = false
    }
}
