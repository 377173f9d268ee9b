import NIOCore

/// The 5-byte header that starts every TN3270E data message (RFC 2355 §8.1):
/// DATA-TYPE, REQUEST-FLAG, RESPONSE-FLAG, SEQ-NUMBER (2 bytes, big endian).
public struct TN3270EHeader: Hashable, Sendable, CustomStringConvertible {
    public static let length = 5
    /// Sequence numbers wrap to 0 after this value (15 bits, as x3270 and
    /// IBM's servers do).
    public static let maximumSequenceNumber: UInt16 = 0x7FFF

    public var dataType: TN3270EDataType
    public var requestFlag: UInt8
    public var responseFlag: UInt8
    public var sequenceNumber: UInt16

    public init(dataType: TN3270EDataType, requestFlag: UInt8 = 0, responseFlag: UInt8 = 0, sequenceNumber: UInt16 = 0) {
        self.dataType = dataType
        self.requestFlag = requestFlag
        self.responseFlag = responseFlag
        self.sequenceNumber = sequenceNumber
    }

    /// Reads a header from the front of `buffer` (unescaped record bytes).
    public init(buffer: inout ByteBuffer) throws(TN3270EHeaderError) {
        guard buffer.readableBytes >= Self.length,
            let (type, request, response, sequence) = buffer.readMultipleIntegers(as: (UInt8, UInt8, UInt8, UInt16).self)
        else {
            throw TN3270EHeaderError(availableBytes: buffer.readableBytes)
        }
        self.init(dataType: TN3270EDataType(rawValue: type), requestFlag: request, responseFlag: response, sequenceNumber: sequence)
    }

    /// Writes the header unescaped; record framing escapes it with the data.
    @discardableResult
    public func write(to buffer: inout ByteBuffer) -> Int {
        buffer.writeMultipleIntegers(self.dataType.rawValue, self.requestFlag, self.responseFlag, self.sequenceNumber)
    }

    public var description: String {
        "\(self.dataType) req=\(self.requestFlag) rsp=\(self.responseFlag) seq=\(self.sequenceNumber)"
    }

    /// The sequence number after `number`, wrapping at `maximumSequenceNumber`.
    public static func sequenceNumber(after number: UInt16) -> UInt16 {
        number >= Self.maximumSequenceNumber ? 0 : number + 1
    }
}

/// A TN3270E record too short to hold the 5-byte header.
public struct TN3270EHeaderError: Error, Hashable, Sendable, CustomStringConvertible {
    public var availableBytes: Int

    public var description: String {
        "TN3270E record of \(self.availableBytes) bytes is shorter than the \(TN3270EHeader.length)-byte header"
    }
}
