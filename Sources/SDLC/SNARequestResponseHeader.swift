import NIOCore

/// The 3-byte request/response header, named as Wireshark's `sna.rh.*` fields.
/// Byte 0: RRI 0x80, RU category 0x60, FI 0x08, SDI 0x04, BCI 0x02, ECI 0x01.
/// Byte 1: DR1 0x80, LCCI 0x40 (requests), DR2 0x20, ERI (requests) / RTI (responses) 0x10,
/// RLWI 0x04, QRI 0x02, PI 0x01.
/// Byte 2 (requests): BBI 0x80, EBI 0x40, CDI 0x20, CSI 0x08, EDI 0x04, PDI 0x02, CEBI 0x01.
public struct SNARequestResponseHeader: Hashable, Sendable {
    public static let length = 3

    public var byte0: UInt8
    public var byte1: UInt8
    public var byte2: UInt8

    public init(byte0: UInt8, byte1: UInt8, byte2: UInt8) {
        self.byte0 = byte0
        self.byte1 = byte1
        self.byte2 = byte2
    }

    /// Decodes the RH at `offset` bytes past the reader index of `buffer`.
    public init(parsing buffer: ByteBuffer, offset: Int = 0) throws(SNAParseError) {
        try self.init(parsing: buffer.readableBytesView, offset: offset)
    }

    /// Decodes the RH at `offset` in raw bytes (e.g. a capture record), without copying.
    public init<Bytes: RandomAccessCollection>(parsing bytes: Bytes, offset: Int = 0) throws(SNAParseError)
    where Bytes.Element == UInt8 {
        guard offset >= 0, bytes.count - offset >= Self.length else {
            throw SNAParseError(field: "RH", offset: offset, reason: .truncated(needed: Self.length, available: max(0, bytes.count - offset)))
        }
        let start = bytes.index(bytes.startIndex, offsetBy: offset)
        self.init(
            byte0: bytes[start], byte1: bytes[bytes.index(start, offsetBy: 1)], byte2: bytes[bytes.index(start, offsetBy: 2)])
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(byte0)
        buffer.writeInteger(byte1)
        buffer.writeInteger(byte2)
    }

    private static func bit(_ byte: UInt8, _ mask: UInt8) -> Bool { byte & mask != 0 }
    private static func set(_ byte: inout UInt8, _ mask: UInt8, _ on: Bool) {
        byte = on ? byte | mask : byte & ~mask
    }

    // Byte 0
    /// RRI: response (true) or request.
    public var isResponse: Bool { get { Self.bit(byte0, 0x80) } set { Self.set(&byte0, 0x80, newValue) } }
    public var category: SNARUCategory {
        get { SNARUCategory(rawValue: (byte0 >> 5) & 0x03)! }  // 2 bits, all cases exist
        set { byte0 = byte0 & ~0x60 | newValue.rawValue << 5 }
    }
    /// FI: requests: FM header follows (FMD) or RU starts with a request code (others).
    public var formatIndicator: Bool { get { Self.bit(byte0, 0x08) } set { Self.set(&byte0, 0x08, newValue) } }
    /// SDI: 4 bytes of sense data start the RU.
    public var senseDataIncluded: Bool { get { Self.bit(byte0, 0x04) } set { Self.set(&byte0, 0x04, newValue) } }
    public var beginChain: Bool { get { Self.bit(byte0, 0x02) } set { Self.set(&byte0, 0x02, newValue) } }
    public var endChain: Bool { get { Self.bit(byte0, 0x01) } set { Self.set(&byte0, 0x01, newValue) } }

    // Byte 1
    public var definiteResponse1: Bool { get { Self.bit(byte1, 0x80) } set { Self.set(&byte1, 0x80, newValue) } }
    public var lengthCheckedCompression: Bool { get { Self.bit(byte1, 0x40) } set { Self.set(&byte1, 0x40, newValue) } }
    public var definiteResponse2: Bool { get { Self.bit(byte1, 0x20) } set { Self.set(&byte1, 0x20, newValue) } }
    /// ERI on a request: with DR1/DR2, only a negative response is wanted.
    public var exceptionResponse: Bool { get { Self.bit(byte1, 0x10) } set { Self.set(&byte1, 0x10, newValue) } }
    /// RTI on a response: negative (true) or positive. Same bit as ERI.
    public var isNegative: Bool { get { Self.bit(byte1, 0x10) } set { Self.set(&byte1, 0x10, newValue) } }
    public var requestLargerWindow: Bool { get { Self.bit(byte1, 0x04) } set { Self.set(&byte1, 0x04, newValue) } }
    public var queuedResponse: Bool { get { Self.bit(byte1, 0x02) } set { Self.set(&byte1, 0x02, newValue) } }
    public var pacing: Bool { get { Self.bit(byte1, 0x01) } set { Self.set(&byte1, 0x01, newValue) } }

    // Byte 2 (requests)
    public var beginBracket: Bool { get { Self.bit(byte2, 0x80) } set { Self.set(&byte2, 0x80, newValue) } }
    public var endBracket: Bool { get { Self.bit(byte2, 0x40) } set { Self.set(&byte2, 0x40, newValue) } }
    public var changeDirection: Bool { get { Self.bit(byte2, 0x20) } set { Self.set(&byte2, 0x20, newValue) } }
    /// CSI: code selection, ASCII (true) or EBCDIC.
    public var codeSelectionASCII: Bool { get { Self.bit(byte2, 0x08) } set { Self.set(&byte2, 0x08, newValue) } }
    public var enciphered: Bool { get { Self.bit(byte2, 0x04) } set { Self.set(&byte2, 0x04, newValue) } }
    public var padded: Bool { get { Self.bit(byte2, 0x02) } set { Self.set(&byte2, 0x02, newValue) } }
    public var conditionalEndBracket: Bool { get { Self.bit(byte2, 0x01) } set { Self.set(&byte2, 0x01, newValue) } }

    /// Whether a request asks for a response in every case (DR1 or DR2, ERI off).
    public var wantsDefiniteResponse: Bool {
        !isResponse && (definiteResponse1 || definiteResponse2) && !exceptionResponse
    }

    /// Whether a request wants a response at all (definite, or negative only with ERI).
    public var wantsResponse: Bool {
        !isResponse && (definiteResponse1 || definiteResponse2)
    }

    /// A single-element-chain request with DR1: `0x6B 0x80 0x00` for session control
    /// (FI set: the RU starts with a request code), `0x03 0x80 0x00` for FMD data.
    public static func request(_ category: SNARUCategory, definiteResponse: Bool = true) -> SNARequestResponseHeader {
        var header = SNARequestResponseHeader(byte0: 0x03, byte1: 0, byte2: 0)
        header.category = category
        header.formatIndicator = category != .functionManagementData
        header.definiteResponse1 = definiteResponse
        return header
    }

    /// The response header for `request`: same category and FI, DR1/DR2/QRI echoed, RTI and
    /// SDI set for a negative response.
    public static func response(to request: SNARequestResponseHeader, negative: Bool) -> SNARequestResponseHeader {
        var header = SNARequestResponseHeader(byte0: 0x83, byte1: 0, byte2: 0)
        header.category = request.category
        header.formatIndicator = request.formatIndicator
        header.senseDataIncluded = negative
        header.definiteResponse1 = request.definiteResponse1
        header.definiteResponse2 = request.definiteResponse2
        header.queuedResponse = request.queuedResponse
        header.isNegative = negative
        return header
    }
}
