import NIOCore
import Testing
@testable import X25

/// QLLC control codes (IBM QLLC; Wireshark packet-qllc.c) and XOT framing (RFC 1613).
@Suite struct QLLCAndXOTCodecTests {
    @Test(arguments: [
        (QLLCPacket.command(.setMode), [UInt8(0xFF), 0x93]),
        (QLLCPacket.response(.unnumberedAcknowledgment), [0x00, 0x73]),
        (QLLCPacket.command(.disconnect), [0xFF, 0x53]),
        (QLLCPacket.response(.disconnectedMode), [0x00, 0x1F]),
        (QLLCPacket.command(.receiveReady), [0xFF, 0xF1]),
        (QLLCPacket.command(.test, information: ByteBuffer(bytes: [1, 2])), [0xFF, 0xF3, 1, 2]),
        (QLLCPacket.response(.frameReject, information: ByteBuffer(bytes: [0xFF, 0x88])), [0x00, 0x97, 0xFF, 0x88]),
        (QLLCPacket.command(.exchangeIdentification), [0xFF, 0xBF]),
    ])
    func vector(packet: QLLCPacket, expected: [UInt8]) throws {
        #expect(bytes(packet.bytes) == expected)
        #expect(try QLLCPacket(parsing: buffer(expected)) == packet)
    }

    @Test func qxidCarriesXIDFormat0() throws {
        let nodeID = try #require(XIDNodeID(parsing: "05D00002"))
        let packet = QLLCPacket.exchangeIdentification(nodeID: nodeID, command: false)
        #expect(bytes(packet.bytes) == [0x00, 0xBF, 0x02, 0x06, 0x05, 0xD0, 0x00, 0x02])
        let parsed = try QLLCPacket(parsing: packet.bytes)
        #expect(try parsed.xid()?.nodeID == nodeID)
        #expect(try QLLCPacket.command(.exchangeIdentification).xid() == nil)
    }

    @Test func qllcErrors() {
        #expect(throws: QLLCPacketError.tooShort(length: 1)) { try QLLCPacket(parsing: buffer([0xFF])) }
        #expect(throws: QLLCPacketError.invalidAddress(0x01)) { try QLLCPacket(parsing: buffer([0x01, 0x93])) }
        // A long XID3 (VTAM's, with control vectors) is several hundred bytes: it reads; over
        // 1024 is refused.
        #expect((try? QLLCPacket(parsing: buffer([0x00, 0xBF] + [UInt8](repeating: 0x32, count: 600))))?.information.readableBytes == 600)
        #expect(throws: QLLCPacketError.informationTooLong(length: 1025, limit: 1024)) {
            try QLLCPacket(parsing: buffer([0x00, 0xBF] + [UInt8](repeating: 0x32, count: 1025)))
        }
    }

    @Test func xotFramesAndSplitsAnywhere() throws {
        let restart = X25Packet(logicalChannel: 0, body: .restartConfirmation)
        let framed = XOTFraming.frame(restart)
        #expect(bytes(framed) == [0x00, 0x00, 0x00, 0x03, 0x10, 0x00, 0xFF])
        var stream: [UInt8] = []
        for _ in 0..<3 { stream += bytes(framed) }
        for split in 0...stream.count {
            var decoder = XOTFrameDecoder()
            var input = buffer(Array(stream[..<split]))
            var packets: [[UInt8]] = []
            while let packet = try decoder.decode(buffer: &input) { packets.append(bytes(packet)) }
            input.writeBytes(stream[split...])
            while let packet = try decoder.decode(buffer: &input) { packets.append(bytes(packet)) }
            #expect(packets == Array(repeating: [0x10, 0x00, 0xFF], count: 3), "split at \(split)")
        }
    }

    @Test func xotErrors() {
        var decoder = XOTFrameDecoder(maximumPacketLength: 16)
        var wrongVersion = buffer([0x00, 0x01, 0x00, 0x03])
        #expect(throws: XOTFramingError.unsupportedVersion(1, streamOffset: 0)) { try decoder.decode(buffer: &wrongVersion) }
        var empty = buffer([0x00, 0x00, 0x00, 0x00])
        #expect(throws: XOTFramingError.emptyPacket(streamOffset: 0)) { try decoder.decode(buffer: &empty) }
        var long = buffer([0x00, 0x00, 0x00, 0x11])
        #expect(throws: XOTFramingError.packetTooLong(length: 17, limit: 16, streamOffset: 0)) { try decoder.decode(buffer: &long) }
        var truncated = buffer([0x00, 0x00, 0x00, 0x03, 0x10])
        #expect(throws: XOTFramingError.truncatedAtEnd(bytes: 5, streamOffset: 0)) { try decoder.decodeLast(buffer: &truncated, seenEOF: true) }
    }
}
