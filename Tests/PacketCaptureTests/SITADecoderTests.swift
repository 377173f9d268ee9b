import PacketCapture
import Testing

/// LINKTYPE_SITA (196): the 5-byte header as Wireshark reads it, and the LAPB frame after it.
@Suite("SITA records")
struct SITADecoderTests {
    @Test("the header gives the direction (bit 0x01) and protocol 0x01 hands on the LAPB frame")
    func lapb() {
        let fromDCE: [UInt8] = [0x01, 0x1F, 0x00, 0x00, 0x01, 0x03, 0x00, 0x10, 0x01, 0x0F]  // I-frame: CALL CONNECTED
        fromDCE.withUnsafeBytes { b in
            let d = PacketDecoder.decode(b, linkType: .sita)
            #expect(d.issue == nil && d.link.headerLength == 5 && d.link.network == .lapb && d.ip == nil)
            #expect(d.lapbFrame.map(Array.init) == Array(fromDCE.dropFirst(5)))
            #expect(SITAHeader(parsing: b)?.direction == .fromRemote)
        }
        #expect(SITAHeader.lapb(.fromLocal).bytes == [0x00, 0x1F, 0x00, 0x00, 0x01])
        #expect(SITAHeader.lapb(.fromRemote).bytes == [0x01, 0x1F, 0x00, 0x00, 0x01])
        #expect(SITAHeader(flags: 0x80, signals: 0, errors1: 0, errors2: 0, protocolByte: 1).direction == .fromLocal)
        #expect(LinkType.sita.rawValue == 196 && LinkType.decodable.contains(.sita))
        #expect(LinkType.sita.description.hasPrefix("196 (SITA"))
    }

    @Test("a short record is a truncated link header; another protocol byte is named, not LAPB")
    func oddRecords() {
        let short: [UInt8] = [0x00, 0x1F, 0x00]
        short.withUnsafeBytes { b in
            #expect(PacketDecoder.decode(b, linkType: .sita).issue == .truncatedLinkHeader(needed: 5, captured: 3))
            #expect(SITAHeader(parsing: b) == nil)
        }
        let frameRelay: [UInt8] = [0x00, 0x1F, 0x00, 0x00, 0x0C, 0x18, 0x41]
        frameRelay.withUnsafeBytes { b in
            let d = PacketDecoder.decode(b, linkType: .sita)
            #expect(d.link.network == .otherSITAProtocol(0x0C) && d.lapbFrame == nil)
        }
    }
}
