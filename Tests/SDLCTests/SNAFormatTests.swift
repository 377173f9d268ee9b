import NIOCore
import SDLC
import Testing

@Suite("SNA formats: FID2 TH, RH, RU, XID")
struct SNAFormatTests {
    @Test func fid2HeaderVectors() throws {
        let th = try FID2TransmissionHeader(parsing: buffer([0x2C, 0x00, 0x05, 0x01, 0x12, 0x34]))
        #expect(th == FID2TransmissionHeader(destinationAddress: 5, originAddress: 1, sequenceNumber: 0x1234))
        #expect(th.mappingField == .wholeBIU)
        #expect(!th.expeditedFlow && !th.odai)

        let expedited = try FID2TransmissionHeader(parsing: buffer([0x2D, 0x00, 0x00, 0x00, 0x00, 0x01]))
        #expect(expedited.expeditedFlow)
        #expect(try FID2TransmissionHeader(parsing: buffer([0x2E, 0, 0, 0, 0, 0])).odai)
        #expect(try FID2TransmissionHeader(parsing: buffer([0x28, 0, 0, 0, 0, 0])).mappingField == .firstSegment)
        #expect(try FID2TransmissionHeader(parsing: buffer([0x24, 0, 0, 0, 0, 0])).mappingField == .lastSegment)
        #expect(try FID2TransmissionHeader(parsing: buffer([0x20, 0, 0, 0, 0, 0])).mappingField == .middleSegment)

        var out = ByteBuffer()
        FID2TransmissionHeader(expeditedFlow: true, destinationAddress: 2, originAddress: 0, sequenceNumber: 7).write(into: &out)
        #expect(bytes(out) == [0x2D, 0x00, 0x02, 0x00, 0x00, 0x07])
    }

    @Test func fid2HeaderErrors() {
        #expect(throws: SNAParseError(field: "FID2 TH", offset: 0, reason: .truncated(needed: 6, available: 3))) {
            try FID2TransmissionHeader(parsing: buffer([0x2C, 0x00, 0x01]))
        }
        #expect(throws: SNAParseError(field: "FID2 TH", offset: 0, reason: .unsupportedFID(4))) {
            try FID2TransmissionHeader(parsing: buffer([0x4C, 0, 0, 0, 0, 0]))
        }
        let error = SNAParseError(field: "FID2 TH", offset: 0, reason: .truncated(needed: 6, available: 3))
        #expect(error.description == "FID2 TH at offset 0: needs 6 byte(s), only 3 present")
    }

    @Test func requestHeaderVectors() throws {
        let sc = SNARequestResponseHeader.request(.sessionControl)
        #expect([sc.byte0, sc.byte1, sc.byte2] == [0x6B, 0x80, 0x00])
        #expect(sc.category == .sessionControl && sc.formatIndicator && sc.beginChain && sc.endChain && sc.definiteResponse1)
        #expect(!sc.isResponse && sc.wantsDefiniteResponse)

        let fmd = SNARequestResponseHeader.request(.functionManagementData)
        #expect([fmd.byte0, fmd.byte1, fmd.byte2] == [0x03, 0x80, 0x00])
        let noResponse = SNARequestResponseHeader.request(.functionManagementData, definiteResponse: false)
        #expect(!noResponse.wantsResponse)

        let positive = SNARequestResponseHeader.response(to: sc, negative: false)
        #expect([positive.byte0, positive.byte1, positive.byte2] == [0xEB, 0x80, 0x00])
        let negative = SNARequestResponseHeader.response(to: sc, negative: true)
        #expect([negative.byte0, negative.byte1, negative.byte2] == [0xEF, 0x90, 0x00])
        #expect(negative.isResponse && negative.isNegative && negative.senseDataIncluded)
        let fmdResponse = SNARequestResponseHeader.response(to: fmd, negative: false)
        #expect([fmdResponse.byte0, fmdResponse.byte1, fmdResponse.byte2] == [0x83, 0x80, 0x00])

        #expect(try SNARequestResponseHeader(parsing: buffer([0x6B, 0x80, 0x00])) == sc)
        #expect(SNARUCategory(rawValue: 1)?.description == "NC")
    }

    @Test func everyRequestHeaderBit() {
        typealias Bit = (WritableKeyPath<SNARequestResponseHeader, Bool>, Int, UInt8)
        let bits: [Bit] = [
            (\.isResponse, 0, 0x80), (\.formatIndicator, 0, 0x08), (\.senseDataIncluded, 0, 0x04),
            (\.beginChain, 0, 0x02), (\.endChain, 0, 0x01),
            (\.definiteResponse1, 1, 0x80), (\.lengthCheckedCompression, 1, 0x40), (\.definiteResponse2, 1, 0x20),
            (\.exceptionResponse, 1, 0x10), (\.isNegative, 1, 0x10), (\.requestLargerWindow, 1, 0x04),
            (\.queuedResponse, 1, 0x02), (\.pacing, 1, 0x01),
            (\.beginBracket, 2, 0x80), (\.endBracket, 2, 0x40), (\.changeDirection, 2, 0x20),
            (\.codeSelectionASCII, 2, 0x08), (\.enciphered, 2, 0x04), (\.padded, 2, 0x02),
            (\.conditionalEndBracket, 2, 0x01),
        ]
        for (path, index, mask) in bits {
            var rh = SNARequestResponseHeader(byte0: 0, byte1: 0, byte2: 0)
            rh[keyPath: path] = true
            #expect([rh.byte0, rh.byte1, rh.byte2] == (0..<3).map { $0 == index ? mask : 0 })
            #expect(rh[keyPath: path])
            rh[keyPath: path] = false
            #expect([rh.byte0, rh.byte1, rh.byte2] == [0, 0, 0])
        }
        for category in [SNARUCategory.functionManagementData, .networkControl, .dataFlowControl, .sessionControl] {
            var rh = SNARequestResponseHeader(byte0: 0xFF, byte1: 0, byte2: 0)
            rh.category = category
            #expect(rh.byte0 == 0x9F | category.rawValue << 5)
            #expect(rh.category == category)
        }
    }

    @Test func exceptionResponseOnlyWantsNegative() {
        var rh = SNARequestResponseHeader.request(.functionManagementData)
        rh.exceptionResponse = true
        #expect(rh.wantsResponse && !rh.wantsDefiniteResponse)
    }

    @Test func actluRequestAndResponses() throws {
        let request = try SNAPathInformationUnit(parsing: buffer([0x2D, 0x00, 0x02, 0x00, 0x00, 0x01, 0x6B, 0x80, 0x00, 0x0D, 0x01, 0x01]))
        #expect(request.transmissionHeader.destinationAddress == 2)
        #expect(request.transmissionHeader.originAddress == 0)
        #expect(request.requestCode == .activateLogicalUnit)
        #expect(request.senseCode == nil)
        #expect(request.description.contains("ACTLU"))

        let positive = request.response()
        #expect(bytes(positive.bytes) == [0x2D, 0x00, 0x00, 0x02, 0x00, 0x01, 0xEB, 0x80, 0x00, 0x0D])
        let negative = request.response(sense: .resourceNotAvailable)
        #expect(bytes(negative.bytes) == [0x2D, 0x00, 0x00, 0x02, 0x00, 0x01, 0xEF, 0x90, 0x00, 0x08, 0x01, 0x00, 0x00, 0x0D])
        let parsed = try SNAPathInformationUnit(parsing: negative.bytes)
        #expect(parsed.senseCode == .resourceNotAvailable)
        #expect(parsed.requestCode == .activateLogicalUnit)
        #expect(parsed.description.contains("-RSP ACTLU sense 08010000"))
    }

    @Test func dataRequestAndResponse() throws {
        let piu = SNAPathInformationUnit.request(
            .functionManagementData, destination: 1, origin: 2, sequenceNumber: 3, ru: buffer([0xC1, 0xC2]))
        #expect(bytes(piu.bytes) == [0x2C, 0x00, 0x01, 0x02, 0x00, 0x03, 0x03, 0x80, 0x00, 0xC1, 0xC2])
        let parsed = try SNAPathInformationUnit(parsing: piu.bytes)
        #expect(parsed == piu)
        #expect(parsed.requestCode == nil)
        #expect(bytes(parsed.payload) == [0xC1, 0xC2])
        #expect(bytes(parsed.response().bytes) == [0x2C, 0x00, 0x02, 0x01, 0x00, 0x03, 0x83, 0x80, 0x00])
        let negative = parsed.response(sense: .noSession)
        #expect(bytes(negative.bytes) == [0x2C, 0x00, 0x02, 0x01, 0x00, 0x03, 0x87, 0x90, 0x00, 0x80, 0x05, 0x00, 0x00])
    }

    @Test func requestCodes() {
        let codes: [(SNARequestCode, UInt8, String)] = [
            (.actpu, 0x11, "ACTPU"), (.dactpu, 0x12, "DACTPU"), (.actlu, 0x0D, "ACTLU"), (.dactlu, 0x0E, "DACTLU"),
            (.bind, 0x31, "BIND"), (.unbind, 0x32, "UNBIND"), (.sdt, 0xA0, "SDT"), (.clear, 0xA1, "CLEAR"),
        ]
        for (code, value, name) in codes {
            #expect(code.rawValue == value)
            #expect(code.description == name)
        }
    }

    @Test func malformedPIUsAreErrors() {
        #expect(throws: SNAParseError(field: "FID2 TH", offset: 0, reason: .truncated(needed: 6, available: 0))) {
            try SNAPathInformationUnit(parsing: ByteBuffer())
        }
        #expect(throws: SNAParseError(field: "RH", offset: 6, reason: .truncated(needed: 3, available: 1))) {
            try SNAPathInformationUnit(parsing: buffer([0x2C, 0, 1, 2, 0, 1, 0x03]))
        }
        #expect(throws: SNAParseError(field: "sense data", offset: 9, reason: .truncated(needed: 4, available: 2))) {
            try SNAPathInformationUnit(parsing: buffer([0x2C, 0, 1, 2, 0, 1, 0x87, 0x90, 0x00, 0x08, 0x01]))
        }
        #expect(throws: SNAParseError(field: "RH", offset: 6, reason: .segmentWithoutHeader(mappingField: 0))) {
            try SNAPathInformationUnit(parsing: buffer([0x20, 0, 1, 2, 0, 1, 0x03, 0x80, 0x00]))
        }
        #expect(throws: SNAParseError(field: "FID2 TH", offset: 0, reason: .unsupportedFID(1))) {
            try SNAPathInformationUnit(parsing: buffer([0x1C, 0, 1, 2, 0, 1, 0x03, 0x80, 0x00]))
        }
        // A PIU of just TH and RH is fine: a response to data carries no RU.
        #expect(throws: Never.self) { try SNAPathInformationUnit(parsing: buffer([0x2C, 0, 1, 2, 0, 1, 0x83, 0x80, 0x00])) }
    }

    @Test func parsingDoesNotCopyTheRU() throws {
        let input = buffer([0x2C, 0, 1, 2, 0, 1, 0x03, 0x80, 0x00, 0xAA, 0xBB])
        let piu = try SNAPathInformationUnit(parsing: input)
        let inputBase = input.withUnsafeReadableBytes { $0.baseAddress! }
        let ruBase = piu.requestResponseUnit.withUnsafeReadableBytes { $0.baseAddress! }
        #expect(ruBase == inputBase + 9)
    }

    @Test func headersFromRawCaptureBytes() throws {
        // An SDLC record as pcap stores it: address, control, then the PIU.
        let record: [UInt8] = [0xC1, 0x10, 0x2C, 0x00, 0x01, 0x02, 0x00, 0x07, 0x03, 0x80, 0x00, 0xC8, 0xC9]
        let headers = try record.withUnsafeBytes { raw throws(SNAParseError) in
            try SNAPathInformationUnit.parseHeaders(UnsafeRawBufferPointer(rebasing: raw[2...]))
        }
        #expect(headers.transmissionHeader.originAddress == 2)
        #expect(headers.transmissionHeader.sequenceNumber == 7)
        #expect(headers.requestResponseHeader.category == .functionManagementData)
        #expect(headers.requestResponseUnitOffset == 9)
        #expect(headers.requestResponseUnitLength == 2)
        #expect(try SNAPathInformationUnit.parseHeaders(record.dropFirst(2)) == headers)
        #expect(throws: SNAParseError(field: "RH", offset: 6, reason: .truncated(needed: 3, available: 2))) {
            try SNAPathInformationUnit.parseHeaders(record[2..<10])
        }
    }

    @Test func xidFormat0() throws {
        let nodeID = try #require(XIDNodeID(idBlock: 0x017, idNumber: 0x00001))
        #expect(nodeID.rawValue == 0x0170_0001)
        #expect(nodeID.vtamDescription == "IDBLK=017 IDNUM=00001" && nodeID.description == "01700001")
        let xid = SNAXID.format0(nodeID: nodeID)
        #expect(bytes(xid.information) == [0x02, 0x06, 0x01, 0x70, 0x00, 0x01])
        let parsed = try SNAXID(parsing: buffer([0x02, 0x06, 0xFF, 0xFA, 0xBC, 0xDE]))
        #expect(parsed.format == 0 && parsed.nodeType == 2 && parsed.length == 6)
        #expect(parsed.nodeID.idBlock == 0xFFF)
        #expect(parsed.nodeID.idNumber == 0xABCDE)
        #expect(XIDNodeID(idBlock: 0x1000, idNumber: 0) == nil)
        #expect(XIDNodeID(idBlock: 0, idNumber: 0x10_0000) == nil)
        // Format 3 keeps the node id at the same place; the rest is kept as is.
        let format3 = try SNAXID(parsing: buffer([0x32, 0x08, 0x05, 0xD0, 0x00, 0x02, 0xAA, 0xBB]))
        #expect(format3.format == 3 && format3.nodeID == XIDNodeID(idBlock: 0x05D, idNumber: 2))
        #expect(bytes(format3.remainder) == [0xAA, 0xBB])
        #expect(throws: SNAParseError(field: "XID", offset: 0, reason: .truncated(needed: 6, available: 0))) {
            try SNAXID(parsing: ByteBuffer())
        }
    }
}
