import NIOCore

/// Just enough of the 3270 data stream (IBM GA23-0059, "3270 Data Stream
/// Programmer's Reference") to tell when the host gives the keyboard back,
/// which is how a basic TN3270 host says "input accepted".
public enum TN3270DataStream {
    /// Outbound commands the host sends; each exists in a local (channel)
    /// code and an SNA code, and TN3270 hosts use either.
    public enum Command: Hashable, Sendable {
        case write, eraseWrite, eraseWriteAlternate, eraseAllUnprotected, writeStructuredField

        public init?(code: UInt8) {
            switch code {
            case 0xF1, 0x01: self = .write
            case 0xF5, 0x05: self = .eraseWrite
            case 0x7E, 0x0D: self = .eraseWriteAlternate
            case 0x6F, 0x0F: self = .eraseAllUnprotected
            case 0xF3, 0x11: self = .writeStructuredField
            default: return nil
            }
        }

        /// The SNA code, which is what we send.
        public var snaCode: UInt8 {
            switch self {
            case .write: 0xF1
            case .eraseWrite: 0xF5
            case .eraseWriteAlternate: 0x7E
            case .eraseAllUnprotected: 0x6F
            case .writeStructuredField: 0xF3
            }
        }

        /// W, EW and EWA carry a WCC in the byte after the command.
        var carriesWCC: Bool {
            self == .write || self == .eraseWrite || self == .eraseWriteAlternate
        }
    }

    /// Write Control Character bits. Bits are numbered 0 (high) to 7 (low)
    /// in IBM's manuals: bit 6 is "keyboard restore", 0x02.
    public struct WriteControl: OptionSet, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let resetModifiedDataTags = WriteControl(rawValue: 0x01)
        public static let keyboardRestore = WriteControl(rawValue: 0x02)
        public static let soundAlarm = WriteControl(rawValue: 0x04)
        public static let startPrinter = WriteControl(rawValue: 0x08)

        /// The WCC byte as a host sends it: the 6 low bits mapped through the
        /// 3270 code table so the byte is a printable EBCDIC graphic.
        public var wireByte: UInt8 {
            TN3270DataStream.graphicCode[Int(self.rawValue & 0x3F)]
        }
    }

    /// Structured-field id of "Outbound 3270DS", which wraps W/EW/EWA/EAU
    /// inside a Write Structured Field.
    static let outbound3270DS: UInt8 = 0x40

    /// Whether a host record unlocks the keyboard: W/EW/EWA with the WCC
    /// keyboard-restore bit, EAU (which always restores the keyboard), or a
    /// WSF holding an Outbound 3270DS field that does one of those.
    /// `record` is the 3270 data without any TN3270E header.
    public static func restoresKeyboard(_ record: ByteBuffer) -> Bool {
        record.withUnsafeReadableBytes { Self.restoresKeyboard(UnsafeRawBufferPointer($0)) }
    }

    public static func restoresKeyboard(_ record: [UInt8]) -> Bool {
        record.withUnsafeBytes { Self.restoresKeyboard($0) }
    }

    static func restoresKeyboard(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, let command = Command(code: first) else { return false }
        switch command {
        case .eraseAllUnprotected:
            return true
        case .write, .eraseWrite, .eraseWriteAlternate:
            guard bytes.count >= 2 else { return false }
            return WriteControl(rawValue: bytes[1]).contains(.keyboardRestore)
        case .writeStructuredField:
            var restores = false
            forEachStructuredField(in: bytes, from: 1) { id, body in
                // Outbound 3270DS: partition, then a 3270 command and (for W/EW/EWA) its WCC.
                if id == outbound3270DS, body.count >= 2,
                    restoresKeyboard(UnsafeRawBufferPointer(rebasing: bytes[(body.lowerBound + 1)..<body.upperBound])) {
                    restores = true
                }
                return !restores
            }
            return restores
        }
    }

    /// Calls `body` with each structured field's id and the range of the bytes after its id,
    /// from `start` (the byte after a WSF command): a 2-byte length (0 = to the end), the id,
    /// the rest. Stops at the first malformed field, or when `body` returns false.
    static func forEachStructuredField<Bytes: RandomAccessCollection>(
        in bytes: Bytes, from start: Int, _ body: (UInt8, Range<Int>) -> Bool
    ) where Bytes.Element == UInt8, Bytes.Index == Int {
        var offset = start
        while bytes.endIndex - offset >= 3 {
            let declared = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            let length = declared == 0 ? bytes.endIndex - offset : declared
            guard length >= 3, offset + length <= bytes.endIndex else { return }
            guard body(bytes[offset + 2], (offset + 3)..<(offset + length)) else { return }
            offset += length
        }
    }

    /// A host record: command, WCC (for W/EW/EWA), then `orders` verbatim.
    public static func record(_ command: Command, control: WriteControl = [], orders: [UInt8] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(command.snaCode)
        if command.carriesWCC {
            buffer.writeInteger(control.wireByte)
        }
        buffer.writeBytes(orders)
        return buffer
    }

    /// The 3270 code table for 6-bit values (buffer addresses, WCC, attributes).
    static let graphicCode: [UInt8] = [
        0x40, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
        0x50, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
        0x60, 0x61, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
        0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
    ]
}
