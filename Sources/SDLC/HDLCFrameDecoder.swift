import NIOCore

/// What the HDLC decoder yields per step: a frame's content (address, control, information;
/// flags, transparency and FCS removed) or the error that made it drop one.
public enum HDLCDecoderOutput: Hashable, Sendable {
    case frame(ByteBuffer)
    case error(HDLCFramingError)
}

/// Single-step decoder for HDLC frames carried in a byte stream (flag 0x7E, control escape
/// 0x7D with XOR 0x20, CRC-16/X.25 FCS). It keeps its state between calls, so any split of
/// the stream decodes the same. Several flags between frames are idle fill; one flag may
/// close a frame and open the next.
public struct HDLCFrameDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = HDLCDecoderOutput

    public static let flag: UInt8 = 0x7E
    public static let controlEscape: UInt8 = 0x7D
    public static let escapeMask: UInt8 = 0x20
    /// 4 KiB of information plus address, control and FCS.
    public static let defaultMaximumFrameLength = 4096 + 4

    /// Largest content (FCS included) accepted between two flags.
    public let maximumFrameLength: Int

    private var inFrame = false  // false: hunting for a flag
    private var escaped = false
    private var content: ByteBuffer
    private var register = CRC16X25.initialValue
    private var streamOffset = 0  // offset of the next unread byte
    private var frameStart = 0

    public init(maximumFrameLength: Int = HDLCFrameDecoder.defaultMaximumFrameLength) {
        self.maximumFrameLength = max(4, maximumFrameLength)
        self.content = ByteBufferAllocator().buffer(capacity: 256)
    }

    public mutating func decode(buffer: inout ByteBuffer) -> HDLCDecoderOutput? {
        var output: HDLCDecoderOutput? = nil
        let used = buffer.withUnsafeReadableBytes { bytes -> Int in
            var index = 0
            while index < bytes.count, output == nil {
                let byte = bytes[index]
                if byte == Self.flag {
                    output = self.flagSeen(at: self.streamOffset + index)
                    index += 1
                } else if !self.inFrame {
                    index += 1  // hunting: skip to the next flag
                } else if byte == Self.controlEscape, !self.escaped {
                    self.escaped = true
                    index += 1
                } else if self.escaped {
                    self.escaped = false
                    output = self.append(byte ^ Self.escapeMask)
                    index += 1
                } else {
                    // A run of plain bytes is copied and checked in one go.
                    var end = index + 1
                    while end < bytes.count, bytes[end] != Self.flag, bytes[end] != Self.controlEscape {
                        end += 1
                    }
                    output = self.append(UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                    index = end
                }
            }
            return index
        }
        buffer.moveReaderIndex(forwardBy: used)
        streamOffset += used
        return output
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) -> HDLCDecoderOutput? {
        if let output = decode(buffer: &buffer) { return output }
        guard seenEOF, inFrame, content.readableBytes > 0 || escaped else { return nil }
        let error = HDLCFramingError(kind: .unterminated, streamOffset: frameStart, length: content.readableBytes)
        startHunting()
        return .error(error)
    }

    private mutating func flagSeen(at offset: Int) -> HDLCDecoderOutput? {
        defer { openFrame(after: offset) }
        guard inFrame else { return nil }
        let length = content.readableBytes
        if escaped {
            return .error(HDLCFramingError(kind: .aborted, streamOffset: frameStart, length: length))
        }
        if length == 0 { return nil }  // back-to-back flags: idle fill
        if length < 4 {
            return .error(HDLCFramingError(kind: .runt, streamOffset: frameStart, length: length))
        }
        if register != CRC16X25.goodResidue {
            let received = UInt16(content.getInteger(at: content.readerIndex + length - 2, endianness: .little, as: UInt16.self) ?? 0)
            let computed = CRC16X25.checksum(content.readableBytesView.prefix(length - 2))
            return .error(HDLCFramingError(kind: .badFCS(received: received, computed: computed), streamOffset: frameStart, length: length))
        }
        var frame = content
        frame.moveWriterIndex(to: frame.writerIndex - 2)
        return .frame(frame)
    }

    private mutating func openFrame(after flagOffset: Int) {
        inFrame = true
        escaped = false
        content.clear()
        register = CRC16X25.initialValue
        frameStart = flagOffset + 1
    }

    private mutating func startHunting() {
        inFrame = false
        escaped = false
        content.clear()
        register = CRC16X25.initialValue
    }

    private mutating func append(_ byte: UInt8) -> HDLCDecoderOutput? {
        content.writeInteger(byte)
        register = CRC16X25.update(register, byte: byte)
        return checkLength()
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) -> HDLCDecoderOutput? {
        content.writeBytes(bytes)
        register = CRC16X25.update(register, bytes: bytes)
        return checkLength()
    }

    private mutating func checkLength() -> HDLCDecoderOutput? {
        let length = content.readableBytes
        guard length > maximumFrameLength else { return nil }
        let error = HDLCFramingError(kind: .tooLong(limit: maximumFrameLength), streamOffset: frameStart, length: length)
        startHunting()
        return .error(error)
    }
}
