import NIOCore

/// One 3270 record as received (the bytes between two IAC EORs, unescaped).
public struct TN3270Record: Hashable, Sendable {
    /// The TN3270E header; nil in basic TN3270.
    public var header: TN3270EHeader?
    /// The record's data after the header.
    public var data: ByteBuffer

    public init(header: TN3270EHeader?, data: ByteBuffer) {
        self.header = header
        self.data = data
    }

    /// Whether this host record gives the keyboard back (see `TN3270DataStream`).
    /// Only meaningful for 3270-DATA (or basic TN3270) records.
    public var restoresKeyboard: Bool {
        if let header, header.dataType != .data3270 { return false }
        return TN3270DataStream.restoresKeyboard(self.data)
    }
}
