import NIOCore
import NIOEmbedded
import Testing

@testable import TN3270

@Suite("Telnet decoder")
struct TelnetDecoderTests {
    /// A stream with every kind of event, including IAC doubling in data and
    /// inside a sub-negotiation.
    static let mixedStream: [UInt8] =
        [IAC, DO, TN3270E]  // RFC 2355 §7.1 opening
        + [0x41, 0x42, IAC, IAC, 0x43]  // data with an escaped 0xFF
        + [IAC, NOP]
        + [IAC, SB, TERMINAL_TYPE, 0x00] + ascii("IBM-3278-2") + [IAC, SE]
        + [IAC, SB, TN3270E, 0x03, 0x07, 0x02, IAC, IAC, 0x04, IAC, SE]  // payload with 0xFF
        + [0xF5, 0xC3, IAC, EOR]
        + [IAC, WONT, TIMING_MARK]

    static let expectedEvents: [TelnetEvent] = [
        .negotiation(.do, .tn3270e),
        .data(buffer([0x41, 0x42, 0xFF, 0x43])),
        .command(.noOperation),
        .subnegotiation(.terminalType, buffer([0x00] + ascii("IBM-3278-2"))),
        .subnegotiation(.tn3270e, buffer([0x03, 0x07, 0x02, 0xFF, 0x04])),
        .data(buffer([0xF5, 0xC3])),
        .command(.endOfRecord),
        .negotiation(.wont, .timingMark),
    ]

    @Test func decodesEveryEventKind() throws {
        #expect(try decodeTelnet([Self.mixedStream]) == Self.expectedEvents)
    }

    @Test func byteByByteGivesTheSameEvents() throws {
        let chunks = Self.mixedStream.map { [$0] }
        #expect(try decodeTelnet(chunks) == Self.expectedEvents)
    }

    @Test(arguments: 1...50 as ClosedRange<UInt64>)
    func randomSplitsGiveTheSameEvents(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let chunks = randomSplits(Self.mixedStream, using: &rng)
        #expect(try decodeTelnet(chunks) == Self.expectedEvents)
    }

    @Test func encoderIsTheInverseOfTheDecoder() throws {
        var encoded = ByteBuffer()
        for event in Self.expectedEvents { encoded.writeTelnetEvent(event) }
        #expect(encoded.bytes == Self.mixedStream)
    }

    @Test func dataRunsAreSlicesUpToTheNextIAC() throws {
        var decoder = TelnetDecoder()
        var input = buffer(ascii("hello") + [IAC, NOP] + ascii("world"))
        #expect(try decoder.decode(buffer: &input) == .data(buffer(ascii("hello"))))
        #expect(try decoder.decode(buffer: &input) == .command(.noOperation))
        #expect(try decoder.decode(buffer: &input) == .data(buffer(ascii("world"))))
        #expect(try decoder.decode(buffer: &input) == nil)
        #expect(decoder.streamOffset == 12)
    }

    // MARK: - Malformed input gives error values

    @Test func subnegotiationWithoutSEAtEndOfStream() throws {
        let error = #expect(throws: TelnetDecodingError.self) {
            try decodeTelnet([[IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02]])
        }
        #expect(error?.kind == .truncated(pendingBytes: 5, inside: "a sub-negotiation for TN3270E without IAC SE"))
        #expect(error?.streamOffset == 3)
        #expect(error?.description.contains("stream offset 3") == true)
    }

    @Test func unknownCommandByte() throws {
        let error = #expect(throws: TelnetDecodingError.self) {
            try decodeTelnet([ascii("ab") + [IAC, 0x10]])
        }
        #expect(error?.kind == .unknownCommand(0x10))
        #expect(error?.streamOffset == 2)
    }

    @Test func seWithoutSB() throws {
        let error = #expect(throws: TelnetDecodingError.self) { try decodeTelnet([[IAC, SE]]) }
        #expect(error?.kind == .unexpectedSubnegotiationEnd)
    }

    @Test func commandInsideSubnegotiation() throws {
        let error = #expect(throws: TelnetDecodingError.self) {
            try decodeTelnet([[IAC, SB, TN3270E, 0x08, IAC, NOP, IAC, SE]])
        }
        #expect(error?.kind == .commandInsideSubnegotiation(option: TN3270E, command: NOP))
        #expect(error?.streamOffset == 4)
    }

    @Test func emptySubnegotiation() throws {
        let error = #expect(throws: TelnetDecodingError.self) { try decodeTelnet([[IAC, SB, IAC, SE]]) }
        #expect(error?.kind == .emptySubnegotiation)
    }

    @Test func runawaySubnegotiationIsBounded() throws {
        var decoder = TelnetDecoder(maximumSubnegotiationLength: 16)
        var input = buffer([IAC, SB, TN3270E] + Array(repeating: 0x41, count: 40))
        let error = #expect(throws: TelnetDecodingError.self) { try decoder.decode(buffer: &input) }
        #expect(error?.kind == .subnegotiationTooLong(option: TN3270E, limit: 16))
    }

    @Test func truncatedNegotiationAndCommandAtEnd() throws {
        let negotiation = #expect(throws: TelnetDecodingError.self) { try decodeTelnet([[IAC, DO]]) }
        #expect(negotiation?.kind == .truncated(pendingBytes: 2, inside: "an option negotiation"))
        let command = #expect(throws: TelnetDecodingError.self) { try decodeTelnet([[0x41, IAC]]) }
        #expect(command?.kind == .truncated(pendingBytes: 1, inside: "a telnet command"))
        #expect(command?.streamOffset == 1)
    }

    // MARK: - In a NIO pipeline

    @Test func worksAsAByteToMessageHandler() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TelnetDecoder()))
        for byte in [IAC, DO, TERMINAL_TYPE, 0x41, IAC, EOR] {
            try channel.writeInbound(buffer([byte]))
        }
        var events: [TelnetEvent] = []
        while let event = try channel.readInbound(as: TelnetEvent.self) { events.append(event) }
        #expect(events == [.negotiation(.do, .terminalType), .data(buffer([0x41])), .command(.endOfRecord)])
        #expect(try channel.finish().isClean)
    }

    @Test func encoderWorksAsAMessageToByteHandler() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(TelnetEncoder()))
        try channel.writeOutbound(TelnetEvent.data(buffer([0x01, 0xFF])))
        try channel.writeOutbound(TelnetEvent.command(.endOfRecord))
        var written: [UInt8] = []
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) { written += bytes.bytes }
        #expect(written == [0x01, IAC, IAC, IAC, EOR])
        #expect(try channel.finish().isClean)
    }
}
