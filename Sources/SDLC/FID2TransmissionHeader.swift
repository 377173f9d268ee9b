import NIOCore

/// The FID2 transmission header (6 bytes) used between a subarea boundary node and a PU 2:
/// byte 0 `FFFF MMOE` (FID 0x2, mapping field, ODAI, expedited flow), byte 1 reserved,
/// byte 2 DAF', byte 3 OAF', bytes 4–5 sequence number (big-endian).
public struct FID2TransmissionHeader: Hashable, Sendable {
    /// Whether this PIU is a whole BIU or which segment of one.
    public enum MappingField: UInt8, Hashable, Sendable {
        case middleSegment = 0
        case lastSegment = 1
        case firstSegment = 2
        case wholeBIU = 3
    }

    public static let length = 6
    public static let formatIdentifier: UInt8 = 0x2

    public var mappingField: MappingField
    /// OAF'-DAF' assignor indicator; 0 for sessions the boundary node assigned (all here).
    public var odai: Bool
    /// Expedited flow (session control and network control RUs) rather than normal flow.
    public var expeditedFlow: Bool
    /// DAF': local address of the destination (0 = SSCP or PU, else an LU or PLU).
    public var destinationAddress: UInt8
    /// OAF': local address of the origin.
    public var originAddress: UInt8
    /// Sequence number (normal flow) or identifier (expedited flow).
    public var sequenceNumber: UInt16

    public init(
        mappingField: MappingField = .wholeBIU, odai: Bool = false, expeditedFlow: Bool = false,
        destinationAddress: UInt8, originAddress: UInt8, sequenceNumber: UInt16
    ) {
        self.mappingField = mappingField
        self.odai = odai
        self.expeditedFlow = expeditedFlow
        self.destinationAddress = destinationAddress
        self.originAddress = originAddress
        self.sequenceNumber = sequenceNumber
    }

    /// Byte 0: 0x2C for a whole BIU on normal flow, 0x2D on expedited flow.
    public var firstByte: UInt8 {
        Self.formatIdentifier << 4 | mappingField.rawValue << 2 | (odai ? 0x02 : 0) | (expeditedFlow ? 0x01 : 0)
    }

    /// Decodes the TH at the reader index of `buffer` (which is not moved).
    public init(parsing buffer: ByteBuffer) throws(SNAParseError) {
        try self.init(parsing: buffer.readableBytesView)
    }

    /// Decodes the TH at the start of raw bytes (e.g. a capture record), without copying.
    public init<Bytes: RandomAccessCollection>(parsing bytes: Bytes) throws(SNAParseError) where Bytes.Element == UInt8 {
        guard bytes.count >= Self.length else {
            throw SNAParseError(field: "FID2 TH", offset: 0, reason: .truncated(needed: Self.length, available: bytes.count))
        }
        func byte(_ offset: Int) -> UInt8 { bytes[bytes.index(bytes.startIndex, offsetBy: offset)] }
        let first = byte(0)
        guard first >> 4 == Self.formatIdentifier else {
            throw SNAParseError(field: "FID2 TH", offset: 0, reason: .unsupportedFID(first >> 4))
        }
        self.mappingField = MappingField(rawValue: (first >> 2) & 0x03)!  // 2 bits, all cases exist
        self.odai = first & 0x02 != 0
        self.expeditedFlow = first & 0x01 != 0
        self.destinationAddress = byte(2)
        self.originAddress = byte(3)
        self.sequenceNumber = UInt16(byte(4)) << 8 | UInt16(byte(5))
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(firstByte)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(destinationAddress)
        buffer.writeInteger(originAddress)
        buffer.writeInteger(sequenceNumber)
    }
}
