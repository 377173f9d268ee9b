import NIOCore

/// Encodes frame content (address, control, information) for a byte stream: opening flag,
/// content and FCS with transparency applied, closing flag.
public struct HDLCFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) {
        Self.encode(content: data.readableBytesView, into: &out)
    }

    /// Appends one framed frame to `out`.
    public static func encode<Bytes: Collection>(content: Bytes, into out: inout ByteBuffer)
    where Bytes.Element == UInt8 {
        out.reserveCapacity(minimumWritableBytes: content.count + content.count / 8 + 6)
        out.writeInteger(HDLCFrameDecoder.flag)
        var register = CRC16X25.initialValue
        for byte in content {
            register = CRC16X25.update(register, byte: byte)
            writeTransparent(byte, into: &out)
        }
        let fcs = ~register
        writeTransparent(UInt8(truncatingIfNeeded: fcs), into: &out)  // low byte first
        writeTransparent(UInt8(truncatingIfNeeded: fcs >> 8), into: &out)
        out.writeInteger(HDLCFrameDecoder.flag)
    }

    /// Appends an SDLC frame, framed, to `out`.
    public static func encode(_ frame: SDLCFrame, into out: inout ByteBuffer) {
        var content = ByteBufferAllocator().buffer(capacity: frame.information.readableBytes + 2)
        frame.write(into: &content)
        encode(content: content.readableBytesView, into: &out)
    }

    @inline(__always)
    private static func writeTransparent(_ byte: UInt8, into out: inout ByteBuffer) {
        if byte == HDLCFrameDecoder.flag || byte == HDLCFrameDecoder.controlEscape {
            out.writeInteger(HDLCFrameDecoder.controlEscape)
            out.writeInteger(byte ^ HDLCFrameDecoder.escapeMask)
        } else {
            out.writeInteger(byte)
        }
    }
}
