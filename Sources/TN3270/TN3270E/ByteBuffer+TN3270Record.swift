import NIOCore

extension ByteBuffer {
    /// A record on the wire: [header] data, IAC-doubled (header included:
    /// a sequence number can contain 0xFF), then IAC EOR.
    @discardableResult
    public mutating func writeTN3270Record(header: TN3270EHeader?, data: ByteBuffer) -> Int {
        var written = 0
        if let header {
            var headerBytes = ByteBuffer()
            headerBytes.reserveCapacity(TN3270EHeader.length)
            header.write(to: &headerBytes)
            written += self.writeTelnetEscaped(headerBytes)
        }
        written += self.writeTelnetEscaped(data)
        written += self.writeTelnetCommand(.endOfRecord)
        return written
    }

    /// A TN3270E RESPONSE message for `response` (RFC 2355 §10.4).
    @discardableResult
    public mutating func writeTN3270Response(_ response: TN3270Response) -> Int {
        let flag: UInt8
        let sense: UInt8
        switch response.outcome {
        case .positive:
            flag = TN3270EResponseFlag.positiveResponse
            sense = TN3270ESense.deviceEnd
        case .negative(let code):
            flag = TN3270EResponseFlag.negativeResponse
            sense = code
        }
        let header = TN3270EHeader(dataType: .response, responseFlag: flag, sequenceNumber: response.sequenceNumber)
        return self.writeTN3270Record(header: header, data: ByteBuffer(bytes: [sense]))
    }
}

extension TN3270Response {
    /// Reads a RESPONSE message's header and data.
    init(header: TN3270EHeader, data: ByteBuffer) {
        if header.responseFlag == TN3270EResponseFlag.positiveResponse {
            self.init(sequenceNumber: header.sequenceNumber, outcome: .positive)
        } else {
            let sense = data.getInteger(at: data.readerIndex, as: UInt8.self) ?? TN3270ESense.commandReject
            self.init(sequenceNumber: header.sequenceNumber, outcome: .negative(sense: sense))
        }
    }
}
