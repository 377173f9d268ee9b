import NIOCore

/// XOT (RFC 1613, X.25 over TCP, port 1998): each X.25 packet is preceded by a 2-byte
/// version (0) and a 2-byte length of the packet, both big-endian. No LAPB underneath.
public enum XOTFraming {
    public static let port = 1998
    public static let version: UInt16 = 0
    public static let headerLength = 4

    /// Appends the XOT header and `packet`.
    public static func write(_ packet: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(version)
        buffer.writeInteger(UInt16(truncatingIfNeeded: packet.readableBytes))
        var packet = packet
        buffer.writeBuffer(&packet)
    }

    public static func frame(_ packet: X25Packet) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: headerLength + 8)
        buffer.writeInteger(version)
        buffer.writeInteger(UInt16(0))
        packet.write(into: &buffer)
        let length = buffer.readableBytes - headerLength
        buffer.setInteger(UInt16(truncatingIfNeeded: length), at: buffer.readerIndex + 2)
        return buffer
    }
}

/// Single-step decoder for an XOT byte stream: yields each packet's bytes (undecoded, so
/// that the owner can report X.25 errors per packet). A wrong version, a zero length or a
/// length over `maximumPacketLength` is an error after which the stream cannot be trusted:
/// the owner closes the connection.
public struct XOTFrameDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = ByteBuffer

    public let maximumPacketLength: Int
    private var offset = 0  // stream offset of the next header, for errors

    public init(maximumPacketLength: Int = X25Packet.defaultMaximumLength) {
        self.maximumPacketLength = max(X25Packet.headerLength, min(Int(UInt16.max), maximumPacketLength))
    }

    public mutating func decode(buffer: inout ByteBuffer) throws(XOTFramingError) -> ByteBuffer? {
        guard let version = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self)
        else {
            return nil
        }
        guard version == XOTFraming.version else { throw .unsupportedVersion(version, streamOffset: offset) }
        guard length > 0 else { throw .emptyPacket(streamOffset: offset) }
        guard Int(length) <= maximumPacketLength else {
            throw .packetTooLong(length: Int(length), limit: maximumPacketLength, streamOffset: offset)
        }
        guard buffer.readableBytes >= XOTFraming.headerLength + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: XOTFraming.headerLength)
        offset += XOTFraming.headerLength + Int(length)
        return buffer.readSlice(length: Int(length))
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws(XOTFramingError) -> ByteBuffer? {
        if let packet = try decode(buffer: &buffer) { return packet }
        if seenEOF, buffer.readableBytes > 0 {
            throw .truncatedAtEnd(bytes: buffer.readableBytes, streamOffset: offset)
        }
        return nil
    }
}

public enum XOTFramingError: Error, Hashable, Sendable, CustomStringConvertible {
    case unsupportedVersion(UInt16, streamOffset: Int)
    case emptyPacket(streamOffset: Int)
    case packetTooLong(length: Int, limit: Int, streamOffset: Int)
    /// The stream ended inside a header or packet.
    case truncatedAtEnd(bytes: Int, streamOffset: Int)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version, let offset):
            return "XOT header at stream offset \(offset): version \(version), expected 0 (RFC 1613)"
        case .emptyPacket(let offset):
            return "XOT header at stream offset \(offset): length 0"
        case .packetTooLong(let length, let limit, let offset):
            return "XOT header at stream offset \(offset): packet length \(length) exceeds the limit of \(limit)"
        case .truncatedAtEnd(let bytes, let offset):
            return "XOT stream ended \(bytes) byte(s) into the packet at stream offset \(offset)"
        }
    }
}
