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
        // Worst case every byte (and the FCS) is escaped; write straight into the buffer
        // instead of one writeInteger per byte.
        let worstCase = 2 * (content.count + 2) + 2
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: worstCase) { target in
            var index = 0
            @inline(__always) func put(_ byte: UInt8) {
                target[index] = byte
                index += 1
            }
            @inline(__always) func putTransparent(_ byte: UInt8) {
                if byte == HDLCFrameDecoder.flag || byte == HDLCFrameDecoder.controlEscape {
                    put(HDLCFrameDecoder.controlEscape)
                    put(byte ^ HDLCFrameDecoder.escapeMask)
                } else {
                    put(byte)
                }
            }
            put(HDLCFrameDecoder.flag)
            var register = CRC16X25.initialValue
            for byte in content {
                register = CRC16X25.update(register, byte: byte)
                putTransparent(byte)
            }
            let fcs = ~register
            putTransparent(UInt8(truncatingIfNeeded: fcs))  // low byte first
            putTransparent(UInt8(truncatingIfNeeded: fcs >> 8))
            put(HDLCFrameDecoder.flag)
            return index
        }
    }

    /// Appends an SDLC frame, framed, to `out`.
    public static func encode(_ frame: SDLCFrame, into out: inout ByteBuffer) {
        let header = [frame.address, frame.control.byte]
        frame.information.withUnsafeReadableBytes { information in
            encode(content: ConcatenatedBytes(header: header, body: information), into: &out)
        }
    }
}

/// Address and control followed by the information field, without copying them together.
struct ConcatenatedBytes: Collection {
    let header: [UInt8]
    let body: UnsafeRawBufferPointer

    var startIndex: Int { 0 }
    var endIndex: Int { header.count + body.count }
    func index(after index: Int) -> Int { index + 1 }
    subscript(position: Int) -> UInt8 {
        position < header.count ? header[position] : body[position - header.count]
    }
}
