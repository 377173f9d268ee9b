import NIOCore

/// The 3270 display a terminal type names: IBM-3278-2 is 24x80, model 3 32x80, model 4
/// 43x80, model 5 27x132 (GA23-0059; x3270 and IBM's emulators use the same table).
/// Model 2 is also every display's default (implicit partition) size.
public struct TN3270ScreenSize: Hashable, Sendable, CustomStringConvertible {
    public var rows: Int
    public var columns: Int

    public static let model2 = TN3270ScreenSize(rows: 24, columns: 80)

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    /// The size of `IBM-327x-M[-E]`; model 2 for anything else.
    public init(deviceType: String) {
        let parts = deviceType.uppercased().split(separator: "-")
        let model = parts.count >= 3 ? Int(parts[2]) : nil
        switch model {
        case 3: self.init(rows: 32, columns: 80)
        case 4: self.init(rows: 43, columns: 80)
        case 5: self.init(rows: 27, columns: 132)
        default: self = .model2
        }
    }

    public var description: String { "\(rows)x\(columns)" }
}

extension TN3270DataStream {
    /// Query codes (QCODE) of the Query Reply structured fields this terminal answers.
    public enum QueryCode {
        public static let summary: UInt8 = 0x80
        public static let usableArea: UInt8 = 0x81
        public static let alphanumericPartitions: UInt8 = 0x84
        public static let color: UInt8 = 0x86
        public static let highlighting: UInt8 = 0x87
        public static let replyModes: UInt8 = 0x88
        public static let implicitPartition: UInt8 = 0xA6
        public static let null: UInt8 = 0xFF

        /// What a terminal of this library supports, in the order it replies (any order is
        /// valid; Wireshark's dissector reads past an Implicit Partition that ends the record,
        /// so it does not come last).
        public static let supported: [UInt8] = [
            summary, usableArea, alphanumericPartitions, implicitPartition, color, highlighting, replyModes,
        ]
    }

    /// AID of an inbound structured-field record (a Query Reply).
    public static let structuredFieldAID: UInt8 = 0x88
    /// AID of the Enter key.
    public static let enterAID: UInt8 = 0x7D
    static let readPartition: UInt8 = 0x01
    static let queryReplyID: UInt8 = 0x81

    /// What a host's Read Partition asks for: every reply (Query, or Query List "all" or
    /// "equivalent"), or the listed codes (Query List "list").
    public struct Query: Hashable, Sendable {
        /// Nil: every supported reply.
        public var listed: [UInt8]?

        public init(listed: [UInt8]? = nil) {
            self.listed = listed
        }
    }

    /// The Read Partition Query (or Query List) in a host record, if it holds one: a WSF
    /// (0xF3 or SNA 0x11) with a Read Partition field for partition 0xFF of type 0x02
    /// (Query) or 0x03 (Query List). `record` is 3270 data without a TN3270E header.
    public static func query(in record: ByteBuffer) -> Query? {
        let bytes = Array(record.readableBytesView)
        guard let first = bytes.first, Command(code: first) == .writeStructuredField else { return nil }
        var found: Query?
        forEachStructuredField(in: bytes, from: 1) { id, body in
            // Read Partition for partition 0xFF: type 0x02 Query, or 0x03 Query List whose
            // REQTYP is 0x00 list (QCODEs follow), 0x40 equivalent or 0x80 all.
            guard id == readPartition, body.count >= 2, bytes[body.lowerBound] == 0xFF else { return true }
            switch bytes[body.lowerBound + 1] {
            case 0x02:
                found = Query()
            case 0x03:
                let listed = body.count >= 3 && bytes[body.lowerBound + 2] & 0xC0 == 0
                found = listed ? Query(listed: Array(bytes[(body.lowerBound + 3)..<body.upperBound])) : Query()
            default:
                return true
            }
            return false
        }
        return found
    }

    /// Whether an inbound record (3270 data, no TN3270E header) is a structured-field
    /// reply such as a Query Reply, not an operator's input.
    public static func isQueryReply(_ inbound: ByteBuffer) -> Bool {
        inbound.readableBytesView.first == structuredFieldAID
    }

    /// The inbound record answering `query` for a terminal of `deviceType`: AID 0x88, then
    /// one Query Reply structured field per code (2-byte length, 0x81, QCODE, body).
    public static func queryReply(to query: Query, deviceType: String) -> ByteBuffer {
        let size = TN3270ScreenSize(deviceType: deviceType)
        let color = deviceType.uppercased().hasPrefix("IBM-3279")
        var codes = QueryCode.supported
        if let listed = query.listed {
            // A list request gets the Summary and the listed replies it supports; none: Null.
            let wanted = QueryCode.supported.filter { $0 != QueryCode.summary && listed.contains($0) }
            codes = wanted.isEmpty ? [QueryCode.null] : [QueryCode.summary] + wanted
        }
        var buffer = ByteBuffer()
        buffer.writeInteger(structuredFieldAID)
        for code in codes {
            let body = queryReplyBody(code, size: size, color: color)
            buffer.writeInteger(UInt16(4 + body.count))
            buffer.writeInteger(queryReplyID)
            buffer.writeInteger(code)
            buffer.writeBytes(body)
        }
        return buffer
    }

    private static func queryReplyBody(_ code: UInt8, size: TN3270ScreenSize, color: Bool) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        switch code {
        case QueryCode.summary:
            return QueryCode.supported
        case QueryCode.usableArea:
            // 12/14-bit addressing, no special features, width, height, units mm, Xr and Yr
            // (mm per cell as fractions of a 3278's face), cell width and height, buffer size.
            return [0x01, 0x00] + u16(size.columns) + u16(size.rows) + [0x01]
                + [0x00, 0x0A, 0x02, 0xE5] + [0x00, 0x02, 0x00, 0x6F] + [0x09, 0x0C] + u16(size.rows * size.columns)
        case QueryCode.alphanumericPartitions:
            // One partition, its buffer size, no special features.
            return [0x00] + u16(size.rows * size.columns) + [0x00]
        case QueryCode.color:
            // No options, 8 pairs: default → green, then blue..white as themselves (a
            // monochrome 3278 maps them to the default).
            var body: [UInt8] = [0x00, 0x08, 0x00, 0xF4]
            for value in UInt8(0xF1)...0xF7 { body += [value, color ? value : 0x00] }
            return body
        case QueryCode.highlighting:
            // 5 pairs: default → normal, blink, reverse, underscore, intensify.
            return [0x05, 0x00, 0xF0, 0xF1, 0xF1, 0xF2, 0xF2, 0xF4, 0xF4, 0xF8, 0xF8]
        case QueryCode.replyModes:
            // Field, extended field and character modes.
            return [0x00, 0x01, 0x02]
        case QueryCode.implicitPartition:
            // Reserved, then the size self-defining parameter: default 80x24, alternate the model's.
            return [0x00, 0x00, 0x0B, 0x01, 0x00] + u16(80) + u16(24) + u16(size.columns) + u16(size.rows)
        default:
            return []  // Null
        }
    }
}
