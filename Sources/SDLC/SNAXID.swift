import NIOCore
// XIDNodeID lives in NetMgrAddresses, shared with the definitions.
@_exported import NetMgrAddresses

/// The SNA XID information field's fixed part: byte 0 format (high nibble) and node type
/// (low nibble, 2 = PU type 2), byte 1 length, bytes 2–5 IDBLK/IDNUM. Format 0 is exactly
/// these 6 bytes; formats 1–3 carry the same node id and more, which is kept as `remainder`.
public struct SNAXID: Hashable, Sendable {
    public var format: UInt8
    public var nodeType: UInt8
    public var length: UInt8
    public var nodeID: XIDNodeID
    /// Bytes after the node id (formats 1–3); empty for format 0.
    public var remainder: ByteBuffer

    public static let fixedLength = 6
    public static let peripheralNodeType: UInt8 = 2

    public init(format: UInt8, nodeType: UInt8, length: UInt8, nodeID: XIDNodeID, remainder: ByteBuffer = ByteBuffer()) {
        self.format = format & 0x0F
        self.nodeType = nodeType & 0x0F
        self.length = length
        self.nodeID = nodeID
        self.remainder = remainder
    }

    /// XID format 0 of a PU type 2 (or `nodeType`) with the given node id.
    public static func format0(nodeType: UInt8 = peripheralNodeType, nodeID: XIDNodeID) -> SNAXID {
        SNAXID(format: 0, nodeType: nodeType, length: UInt8(fixedLength), nodeID: nodeID)
    }

    /// Decodes an XID information field. An empty field (a "null XID" solicitation) is an
    /// error here; callers check `readableBytes == 0` first when they accept one.
    public init(parsing information: ByteBuffer) throws(SNAParseError) {
        let available = information.readableBytes
        guard available >= Self.fixedLength,
            let first = information.getInteger(at: information.readerIndex, as: UInt8.self),
            let length = information.getInteger(at: information.readerIndex + 1, as: UInt8.self),
            let id = information.getInteger(at: information.readerIndex + 2, as: UInt32.self)
        else {
            throw SNAParseError(field: "XID", offset: 0, reason: .truncated(needed: Self.fixedLength, available: available))
        }
        self.format = first >> 4
        self.nodeType = first & 0x0F
        self.length = length
        self.nodeID = XIDNodeID(rawValue: id)
        self.remainder = information.getSlice(at: information.readerIndex + Self.fixedLength, length: available - Self.fixedLength)!
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(format << 4 | nodeType)
        buffer.writeInteger(length)
        buffer.writeInteger(nodeID.rawValue)
        var remainder = remainder
        buffer.writeBuffer(&remainder)
    }

    public var information: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: Self.fixedLength + remainder.readableBytes)
        write(into: &buffer)
        return buffer
    }
}
