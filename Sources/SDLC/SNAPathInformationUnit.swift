import NIOCore

/// A PIU as an SDLC I-frame carries it between a boundary node and a PU 2: FID2 TH, RH, RU.
/// Parsing keeps the RU as a slice of the input (no copy), so a capture verifier can decode
/// every I-frame of a capture cheaply.
public struct SNAPathInformationUnit: Hashable, Sendable {
    public var transmissionHeader: FID2TransmissionHeader
    public var requestResponseHeader: SNARequestResponseHeader
    /// The request/response unit, sense data included when the RH says so.
    public var requestResponseUnit: ByteBuffer

    public init(
        transmissionHeader: FID2TransmissionHeader, requestResponseHeader: SNARequestResponseHeader,
        requestResponseUnit: ByteBuffer = ByteBuffer()
    ) {
        self.transmissionHeader = transmissionHeader
        self.requestResponseHeader = requestResponseHeader
        self.requestResponseUnit = requestResponseUnit
    }

    /// Decodes a PIU from an I-frame's information field. A negative response must carry
    /// its 4 bytes of sense data.
    public init(parsing buffer: ByteBuffer) throws(SNAParseError) {
        let headers = try Self.parseHeaders(buffer.readableBytesView)
        self.transmissionHeader = headers.transmissionHeader
        self.requestResponseHeader = headers.requestResponseHeader
        self.requestResponseUnit = buffer.getSlice(at: buffer.readerIndex + headers.requestResponseUnitOffset, length: headers.requestResponseUnitLength)!
    }

    /// TH and RH of a PIU and where its RU lies, decoded from raw bytes (a capture record's
    /// I-field) without copying or allocating: what a capture verifier needs per frame.
    public struct Headers: Hashable, Sendable {
        public var transmissionHeader: FID2TransmissionHeader
        public var requestResponseHeader: SNARequestResponseHeader
        public var requestResponseUnitOffset: Int
        public var requestResponseUnitLength: Int
    }

    public static func parseHeaders<Bytes: RandomAccessCollection>(_ bytes: Bytes) throws(SNAParseError) -> Headers
    where Bytes.Element == UInt8 {
        let th = try FID2TransmissionHeader(parsing: bytes)
        guard th.mappingField == .wholeBIU || th.mappingField == .firstSegment else {
            throw SNAParseError(field: "RH", offset: FID2TransmissionHeader.length, reason: .segmentWithoutHeader(mappingField: th.mappingField.rawValue))
        }
        let rh = try SNARequestResponseHeader(parsing: bytes, offset: FID2TransmissionHeader.length)
        let ruOffset = FID2TransmissionHeader.length + SNARequestResponseHeader.length
        let ruLength = bytes.count - ruOffset
        if rh.senseDataIncluded, ruLength < 4 {
            throw SNAParseError(field: "sense data", offset: ruOffset, reason: .truncated(needed: 4, available: ruLength))
        }
        return Headers(transmissionHeader: th, requestResponseHeader: rh, requestResponseUnitOffset: ruOffset, requestResponseUnitLength: ruLength)
    }

    public func write(into buffer: inout ByteBuffer) {
        transmissionHeader.write(into: &buffer)
        requestResponseHeader.write(into: &buffer)
        var ru = requestResponseUnit
        buffer.writeBuffer(&ru)
    }

    /// The encoded PIU, ready to be an I-field.
    public var bytes: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 9 + requestResponseUnit.readableBytes)
        write(into: &buffer)
        return buffer
    }

    public var isResponse: Bool { requestResponseHeader.isResponse }

    /// Sense data of a response or request with SDI set.
    public var senseCode: SNASenseCode? {
        guard requestResponseHeader.senseDataIncluded,
            let value = requestResponseUnit.getInteger(at: requestResponseUnit.readerIndex, as: UInt32.self)
        else { return nil }
        return SNASenseCode(rawValue: value)
    }

    /// The request code of a non-FMD request (FI set), or of a response that echoes one
    /// (after the sense data of a negative response, when present).
    public var requestCode: SNARequestCode? {
        let rh = requestResponseHeader
        guard rh.category != .functionManagementData, rh.formatIndicator else { return nil }
        let offset = rh.senseDataIncluded ? 4 : 0
        return requestResponseUnit.getInteger(at: requestResponseUnit.readerIndex + offset, as: UInt8.self)
            .map(SNARequestCode.init(rawValue:))
    }

    /// The RU after any sense data: FMD payload for data.
    public var payload: ByteBuffer {
        let skip = requestResponseHeader.senseDataIncluded ? min(4, requestResponseUnit.readableBytes) : 0
        return requestResponseUnit.getSlice(at: requestResponseUnit.readerIndex + skip, length: requestResponseUnit.readableBytes - skip)!
    }
}

extension SNAPathInformationUnit {
    /// A request with a single-element chain and DR1. Session and network control requests
    /// go on expedited flow.
    public static func request(
        _ category: SNARUCategory, destination: UInt8, origin: UInt8, sequenceNumber: UInt16,
        ru: ByteBuffer, definiteResponse: Bool = true
    ) -> SNAPathInformationUnit {
        let expedited = category == .sessionControl || category == .networkControl
        return SNAPathInformationUnit(
            transmissionHeader: FID2TransmissionHeader(
                expeditedFlow: expedited, destinationAddress: destination, originAddress: origin,
                sequenceNumber: sequenceNumber),
            requestResponseHeader: .request(category, definiteResponse: definiteResponse),
            requestResponseUnit: ru)
    }

    /// The response to this request: addresses swapped, same flow and sequence number.
    /// Positive responses to non-FMD requests carry the request code (plus `extra`);
    /// negative ones the sense code, then the request code where there is one.
    public func response(sense: SNASenseCode? = nil, extra: [UInt8] = []) -> SNAPathInformationUnit {
        var ru = ByteBufferAllocator().buffer(capacity: 5 + extra.count)
        if let sense { ru.writeInteger(sense.rawValue) }
        if let code = requestCode {
            ru.writeInteger(code.rawValue)
            if sense == nil { ru.writeBytes(extra) }
        }
        var th = transmissionHeader
        th.destinationAddress = transmissionHeader.originAddress
        th.originAddress = transmissionHeader.destinationAddress
        th.mappingField = .wholeBIU
        return SNAPathInformationUnit(
            transmissionHeader: th,
            requestResponseHeader: .response(to: requestResponseHeader, negative: sense != nil),
            requestResponseUnit: ru)
    }
}

extension SNAPathInformationUnit: CustomStringConvertible {
    public var description: String {
        let th = transmissionHeader
        let rh = requestResponseHeader
        var text = "DAF'=\(th.destinationAddress) OAF'=\(th.originAddress) SNF=\(th.sequenceNumber) \(rh.category) "
        if rh.isResponse {
            text += rh.isNegative ? "-RSP" : "+RSP"
        } else {
            text += "RQ"
        }
        if let code = requestCode { text += " \(code)" }
        if let sense = senseCode { text += " sense \(sense)" }
        if rh.category == .functionManagementData { text += " \(payload.readableBytes) bytes" }
        return text
    }
}
