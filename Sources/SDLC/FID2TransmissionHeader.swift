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
        let start = buffer.readerIndex
        guard buffer.readableBytes >= Self.length,
            let first = buffer.getInteger(at: start, as: UInt8.self),
            let daf = buffer.getInteger(at: start + 2, as: UInt8.self),
            let oaf = buffer.getInteger(at: start + 3, as: UInt8.self),
            let snf = buffer.getInteger(at: start + 4, as: UInt16.self)
        else {
            throw SNAParseError(field: "FID2 TH", offset: 0, reason: .truncated(needed: Self.length, available: buffer.readableBytes))
        }
        guard first >> 4 == Self.formatIdentifier else {
            throw SNAParseError(field: "FID2 TH", offset: 0, reason: .unsupportedFID(first >> 4))
        }
        self.mappingField = MappingField(rawValue: (first >> 2) & 0x03)!  // 2 bits, all cases exist
        self.odai = first & 0x02 != 0
        self.expeditedFlow = first & 0x01 != 0
        self.destinationAddress = daf
        self.originAddress = oaf
        self.sequenceNumber = snf
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(firstByte)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(destinationAddress)
        buffer.writeInteger(originAddress)
        buffer.writeInteger(sequenceNumber)
    }
}
