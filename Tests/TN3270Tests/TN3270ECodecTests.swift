import NIOCore
import Testing

@testable import TN3270

/// Byte-exact vectors spelled after the RFCs' examples. The command sequences
/// are the RFCs'; LU names are ours where the RFC leaves them symbolic.
@Suite("TN3270E and TERMINAL-TYPE codecs")
struct TN3270ECodecTests {
    // RFC 2355 §3: command codes ASSOCIATE 0 ... SEND 8, reasons 0...7, functions 0...4.

    // RFC 2355 §7.1: "IAC SB TN3270E SEND DEVICE-TYPE IAC SE"
    static let sendDeviceType: [UInt8] = [IAC, SB, TN3270E, 0x08, 0x02, IAC, SE]
    // RFC 2355 §7.1: "IAC SB TN3270E DEVICE-TYPE REQUEST <device-type> CONNECT <device-name> IAC SE"
    static let requestConnect: [UInt8] = [IAC, SB, TN3270E, 0x02, 0x07] + ascii("IBM-3278-2") + [0x01] + ascii("LU0001") + [IAC, SE]
    // RFC 2355 §7.1.1 (device pools): request without CONNECT
    static let requestGeneric: [UInt8] = [IAC, SB, TN3270E, 0x02, 0x07] + ascii("IBM-3278-2-E") + [IAC, SE]
    // RFC 2355 §7.1.3 (ASSOCIATE): a printer associated with terminal LU0001
    static let requestAssociate: [UInt8] = [IAC, SB, TN3270E, 0x02, 0x07] + ascii("IBM-3287-1") + [0x00] + ascii("LU0001") + [IAC, SE]
    // RFC 2355 §7.1: "IAC SB TN3270E DEVICE-TYPE IS <device-type> CONNECT <device-name> IAC SE"
    static let isConnect: [UInt8] = [IAC, SB, TN3270E, 0x02, 0x04] + ascii("IBM-3278-2") + [0x01] + ascii("LU0001") + [IAC, SE]
    // RFC 2355 §7.1: "IAC SB TN3270E DEVICE-TYPE REJECT REASON <reason-code> IAC SE", DEVICE-IN-USE
    static let rejectInUse: [UInt8] = [IAC, SB, TN3270E, 0x02, 0x06, 0x05, 0x01, IAC, SE]
    // RFC 2355 §7.2: "IAC SB TN3270E FUNCTIONS REQUEST <function-list> IAC SE", BIND-IMAGE RESPONSES SYSREQ
    static let functionsRequest: [UInt8] = [IAC, SB, TN3270E, 0x03, 0x07, 0x00, 0x02, 0x04, IAC, SE]
    // RFC 2355 §7.2: "IAC SB TN3270E FUNCTIONS IS <function-list> IAC SE", RESPONSES
    static let functionsIs: [UInt8] = [IAC, SB, TN3270E, 0x03, 0x04, 0x02, IAC, SE]

    static let vectors: [([UInt8], TN3270ESubnegotiation)] = [
        (sendDeviceType, .sendDeviceType),
        (requestConnect, .deviceTypeRequest(deviceType: "IBM-3278-2", target: .connect("LU0001"))),
        (requestGeneric, .deviceTypeRequest(deviceType: "IBM-3278-2-E", target: .any)),
        (requestAssociate, .deviceTypeRequest(deviceType: "IBM-3287-1", target: .associate("LU0001"))),
        (isConnect, .deviceTypeIs(deviceType: "IBM-3278-2", deviceName: "LU0001")),
        (rejectInUse, .deviceTypeReject(.deviceInUse)),
        (functionsRequest, .functionsRequest([.bindImage, .responses, .sysreq])),
        (functionsIs, .functionsIs([.responses])),
    ]

    @Test func serialisesEverySubnegotiationByteExactly() {
        for (bytes, message) in Self.vectors {
            #expect(message.bytes.bytes == bytes, "\(message)")
        }
    }

    @Test func parsesEverySubnegotiation() throws {
        for (bytes, message) in Self.vectors {
            let events = try decodeTelnet([bytes])
            guard case .subnegotiation(.tn3270e, let payload)? = events.first else {
                Issue.record("not a TN3270E sub-negotiation: \(events)")
                continue
            }
            #expect(try TN3270ESubnegotiation(payload: payload) == message)
        }
    }

    @Test(arguments: 0...8 as ClosedRange<UInt8>)
    func everyRejectReasonRoundTrips(code: UInt8) throws {
        let reason = TN3270ERejectReason(code: code)
        let message = TN3270ESubnegotiation.deviceTypeReject(reason)
        #expect(try TN3270ESubnegotiation(payload: message.payload) == message)
        #expect(reason.code == code)
    }

    @Test func rejectReasonNamesMatchRFC2355() {
        let names = (0...7 as ClosedRange<UInt8>).map { TN3270ERejectReason(code: $0).description }
        #expect(names == [
            "CONN-PARTNER", "DEVICE-IN-USE", "INV-ASSOCIATE", "INV-NAME",
            "INV-DEVICE-TYPE", "TYPE-NAME-ERROR", "UNKNOWN-ERROR", "UNSUPPORTED-REQ",
        ])
        #expect(TN3270ERejectReason(code: 9) == .unrecognized(9))
    }

    @Test func malformedSubnegotiationsAreErrorsNamingTheByte() {
        let cases: [([UInt8], Int, String)] = [
            ([], 0, "payload ends where command was expected"),
            ([0x02, 0x04] + ascii("IBM-3278-2"), 12, "DEVICE-TYPE IS without CONNECT"),
            ([0x02, 0x06, 0x05], 3, "payload ends where reason code was expected"),
            ([0x02, 0x06, 0x01, 0x01], 2, "REJECT followed by 1, not REASON"),
            ([0x02, 0x07, 0x01] + ascii("LU1"), 2, "empty device-type"),
            ([0x02, 0x07] + ascii("IBM 3278"), 5, "byte 32 is not printable ASCII"),
            ([0x09], 0, "unknown TN3270E command 9"),
            ([0x08, 0x02, 0x00], 2, "1 unexpected trailing bytes"),
        ]
        for (payload, offset, reason) in cases {
            let error = #expect(throws: SubnegotiationParseError.self) {
                try TN3270ESubnegotiation(payload: buffer(payload))
            }
            #expect(error?.offset == offset, "\(payload)")
            #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "no error") vs \(reason)")
        }
    }

    // MARK: - RFC 1091 TERMINAL-TYPE and RFC 1646 @LU

    // RFC 1091: "IAC SB TERMINAL-TYPE SEND IAC SE" and "IAC SB TERMINAL-TYPE IS ... IAC SE"
    @Test func terminalTypeVectors() throws {
        #expect(TerminalTypeSubnegotiation.send.bytes.bytes == [IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE])
        let isBytes: [UInt8] = [IAC, SB, TERMINAL_TYPE, 0x00] + ascii("IBM-3278-2") + [IAC, SE]
        #expect(TerminalTypeSubnegotiation.is("IBM-3278-2").bytes.bytes == isBytes)
        #expect(try TerminalTypeSubnegotiation(payload: buffer([0x00] + ascii("IBM-3278-2"))) == .is("IBM-3278-2"))
        #expect(try TerminalTypeSubnegotiation(payload: buffer([0x01])) == .send)
        #expect(throws: SubnegotiationParseError.self) { try TerminalTypeSubnegotiation(payload: buffer([0x02])) }
    }

    // RFC 1646 §3: the LU name follows the terminal type after "@".
    @Test func terminalTypeLUSuffix() {
        let specific = TerminalTypeName(parsing: "IBM-3278-2@LU0001")
        #expect(specific == TerminalTypeName(deviceType: "IBM-3278-2", luName: "LU0001"))
        #expect(specific.description == "IBM-3278-2@LU0001")
        #expect(TerminalTypeName(parsing: "IBM-3279-4-E@NETLU22").luName == "NETLU22")
        #expect(TerminalTypeName(parsing: "IBM-3278-2") == TerminalTypeName(deviceType: "IBM-3278-2", luName: nil))
        #expect(TerminalTypeName(parsing: "IBM-3278-2@").luName == nil)
    }

    // MARK: - RFC 2355 §8.1 header

    @Test func headerRoundTripsAndIsBigEndian() throws {
        let header = TN3270EHeader(dataType: .data3270, responseFlag: TN3270EResponseFlag.alwaysResponse, sequenceNumber: 0x0102)
        var bytes = ByteBuffer()
        header.write(to: &bytes)
        #expect(bytes.bytes == [0x00, 0x00, 0x02, 0x01, 0x02])
        #expect(try TN3270EHeader(buffer: &bytes) == header)
        #expect(bytes.readableBytes == 0)
    }

    @Test func everyDataTypeHasItsRFCName() {
        let names = (0...8 as ClosedRange<UInt8>).map { TN3270EDataType(rawValue: $0).description }
        #expect(names == [
            "3270-DATA", "SCS-DATA", "RESPONSE", "BIND-IMAGE", "UNBIND",
            "NVT-DATA", "REQUEST", "SSCP-LU-DATA", "PRINT-EOJ",
        ])
    }

    @Test func truncatedHeaderIsAnError() {
        var short = buffer([0x00, 0x00, 0x02])
        let error = #expect(throws: TN3270EHeaderError.self) { try TN3270EHeader(buffer: &short) }
        #expect(error?.availableBytes == 3)
        #expect(error?.description == "TN3270E record of 3 bytes is shorter than the 5-byte header")
    }

    @Test func recordFramingDoublesIACInHeaderAndData() {
        // Sequence number 0x00FF puts an IAC into the header itself.
        let header = TN3270EHeader(dataType: .data3270, sequenceNumber: 0x00FF)
        var wire = ByteBuffer()
        wire.writeTN3270Record(header: header, data: buffer([0x7D, 0xFF, 0x40]))
        #expect(wire.bytes == [0x00, 0x00, 0x00, 0x00, IAC, IAC, 0x7D, IAC, IAC, 0x40, IAC, EOR])
    }

    // RFC 2355 §10.4: a positive response carries DEVICE-END (0x00), a
    // negative one its sense byte, both with the request's sequence number.
    @Test func responseMessages() {
        var positive = ByteBuffer()
        positive.writeTN3270Response(TN3270Response(sequenceNumber: 7, outcome: .positive))
        #expect(positive.bytes == [0x02, 0x00, 0x00, 0x00, 0x07, 0x00, IAC, EOR])
        var negative = ByteBuffer()
        negative.writeTN3270Response(TN3270Response(sequenceNumber: 7, outcome: .negative(sense: TN3270ESense.interventionRequired)))
        #expect(negative.bytes == [0x02, 0x00, 0x01, 0x00, 0x07, 0x01, IAC, EOR])
    }

    @Test func sequenceNumbersWrapAfter32767() {
        #expect(TN3270EHeader.sequenceNumber(after: 0) == 1)
        #expect(TN3270EHeader.sequenceNumber(after: 32766) == 32767)
        #expect(TN3270EHeader.sequenceNumber(after: 32767) == 0)
    }
}
