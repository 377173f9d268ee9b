import PacketCapture
import Testing

/// Link, IP and TCP decoding from handcrafted packets, including short and odd ones.
@Suite struct DecoderTests {
    static let payload = Array("TN3270 data".utf8)
    static let segment = Build.tcp(
        sourcePort: 40001, destinationPort: 23, seq: 0xFFFF_FFF0, ack: 0x1234_5678, flags: [.ack, .psh], window: 512,
        options: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], payload: payload)
    static let ipv4 = Build.ipv4(source: "127.0.0.11", destination: "127.0.0.100", payload: segment)

    func decode(_ bytes: [UInt8], _ linkType: LinkType, originalLength: Int? = nil) -> (DecodedPacket, [UInt8], [UInt8]) {
        bytes.withUnsafeBytes { b in
            let d = PacketDecoder.decode(b, linkType: linkType, originalLength: originalLength)
            return (d, Array(d.payload), Array(d.networkBytes))
        }
    }

    func expectTCP(_ d: DecodedPacket, _ payload: [UInt8], source: String = "127.0.0.11", destination: String = "127.0.0.100") {
        #expect(d.issue == nil)
        #expect(d.ip?.source == IPAddress(source))
        #expect(d.ip?.destination == IPAddress(destination))
        #expect(d.ip?.transportProtocol == 6)
        let tcp = d.tcp
        #expect(tcp?.sourcePort == 40001)
        #expect(tcp?.destinationPort == 23)
        #expect(tcp?.sequenceNumber == 0xFFFF_FFF0)
        #expect(tcp?.acknowledgmentNumber == 0x1234_5678)
        #expect(tcp?.flags == [.ack, .psh])
        #expect(tcp?.window == 512)
        #expect(tcp?.headerLength == 32)
        #expect(tcp?.optionsLength == 12)
        #expect(payload == Self.payload)
        #expect(d.payloadLength == Self.payload.count)
        #expect(!d.isTruncated)
    }

    @Test func ethernet() {
        let (d, payload, _) = decode(Build.ethernet(type: 0x0800, payload: Self.ipv4), .ethernet)
        #expect(d.link.headerLength == 14)
        #expect(d.link.network == .ipv4)
        expectTCP(d, payload)
    }

    @Test func ethernetWithMinimumFramePaddingIgnoresTheTrailer() {
        let tiny = Build.ipv4(source: "127.0.0.11", destination: "127.0.0.100", payload: Build.tcp(sourcePort: 1, destinationPort: 2, seq: 1, flags: .ack))
        let (d, payload, _) = decode(Build.ethernet(type: 0x0800, payload: tiny) + [0, 0, 0, 0, 0, 0], .ethernet)
        #expect(payload.isEmpty && d.payloadLength == 0 && !d.isTruncated)
    }

    @Test func ethernetWithStackedVLANTags() {
        let (d, payload, _) = decode(Build.ethernet(type: 0x0800, vlans: [0x2064, 0x0007], payload: Self.ipv4), .ethernet)
        #expect(d.link.vlanTagCount == 2)
        #expect(d.link.outerVLAN == 0x064)
        #expect(d.link.headerLength == 22)
        expectTCP(d, payload)
    }

    @Test func ethernetNonIP() {
        let (arp, _, _) = decode(Build.ethernet(type: 0x0806, payload: [UInt8](repeating: 0, count: 28)), .ethernet)
        #expect(arp.link.network == .arp && arp.ip == nil && arp.issue == nil)
        let (llc, _, _) = decode(Build.ethernet(type: 46, payload: [0x42, 0x42, 0x03]), .ethernet)
        #expect(llc.link.network == .llc)
    }

    @Test func linuxCookedSLLAndSLL2() {
        let (d1, p1, _) = decode(Build.sll(protocol: 0x0800, packetType: 4, payload: Self.ipv4), .linuxSLL)
        #expect(d1.link.headerLength == 16 && d1.link.packetType == .outgoing)
        expectTCP(d1, p1)
        let (d2, p2, _) = decode(Build.sll2(protocol: 0x0800, packetType: 0, payload: Self.ipv4), .linuxSLL2)
        #expect(d2.link.headerLength == 20 && d2.link.packetType == .toUs)
        expectTCP(d2, p2)
    }

    @Test(arguments: [LinkType.raw, .rawOpenBSD, .linktypeRaw, .ipv4])
    func rawIP(linkType: LinkType) {
        let (d, payload, _) = decode(Self.ipv4, linkType)
        #expect(d.link.headerLength == 0)
        expectTCP(d, payload)
    }

    @Test func bsdNullInBothByteOrdersAndOpenBSDLoop() {
        let (le, p1, _) = decode(Build.null(family: 2, payload: Self.ipv4), .null)
        expectTCP(le, p1)
        let (be, p2, _) = decode(Build.null(family: 2, bigEndian: true, payload: Self.ipv4), .null)
        expectTCP(be, p2)
        let (loop, p3, _) = decode(Build.loop(family: 2, payload: Self.ipv4), .loop)
        expectTCP(loop, p3)
        let v6 = Build.ipv6(source: "::1", destination: "::1", payload: Self.segment)
        for family: UInt32 in [10, 24, 28, 30] {
            let (d, p, _) = decode(Build.null(family: family, payload: v6), .null)
            #expect(d.link.network == .ipv6)
            expectTCP(d, p, source: "::1", destination: "::1")
        }
        let (other, _, _) = decode(Build.loop(family: 99, payload: [1, 2, 3]), .loop)
        #expect(other.link.network == .otherAddressFamily(99))
    }

    @Test func sdlcIsPassedThroughWhole() {
        let frame: [UInt8] = [0xC1, 0xBF, 0x00, 0x11, 0x22]  // XID
        let (d, _, network) = decode(frame, .sdlc)
        #expect(d.link.network == .sdlc && d.ip == nil && d.issue == nil)
        #expect(network == frame)
        #expect(d.sdlcFrame.map(Array.init) == frame)
    }

    @Test func ipv4OptionsAndFragments() {
        let withOptions = Build.ipv4(source: "10.1.2.3", destination: "10.3.2.1", payload: Self.segment, options: [0x94, 0x04, 0, 0])
        let (d, payload, _) = decode(withOptions, .raw)
        #expect(d.ip?.headerLength == 24 && d.ip?.optionsLength == 4)
        expectTCP(d, payload, source: "10.1.2.3", destination: "10.3.2.1")

        let first = Build.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: Array(Self.segment.prefix(40)), identification: 77, moreFragments: true)
        let (f1, _, _) = decode(first, .raw)
        #expect(f1.ip?.isFragment == true && f1.ip?.moreFragments == true && f1.ip?.identification == 77)
        #expect(f1.tcp?.destinationPort == 23)  // first fragment carries the header

        let later = Build.ipv4(source: "10.0.0.1", destination: "10.0.0.2", payload: Array(Self.segment.suffix(3)), fragmentOffset: 40)
        let (f2, _, _) = decode(later, .raw)
        #expect(f2.ip?.isFragment == true && f2.ip?.fragmentOffset == 40 && f2.tcp == nil && f2.issue == nil)
    }

    @Test func ipv6WithExtensionHeaders() {
        let hopByHop: [UInt8] = [0, 1, 0, 0, 0, 0, 0]  // next(filled in), len 0, PadN
        let destination: [UInt8] = [0, 1, 0, 0, 0, 0, 0]
        let packet = Build.ipv6(
            source: "2001:db8::11", destination: "2001:db8::100", extensions: [(0, hopByHop), (60, destination)], payload: Self.segment)
        let (d, payload, _) = decode(Build.ethernet(type: 0x86DD, payload: packet), .ethernet)
        #expect(d.ip?.version == 6)
        #expect(d.ip?.headerLength == 56 && d.ip?.optionsLength == 16)
        expectTCP(d, payload, source: "2001:db8::11", destination: "2001:db8::100")
        #expect(d.ip?.source.description == "2001:db8::11")

        let fragment: [UInt8] = [0, 0x00, 0x08, 0x00, 0x00, 0x00, 0x2A]  // offset 8, id 42
        let (f, _, _) = decode(Build.ipv6(source: "::1", destination: "::2", extensions: [(44, fragment)], payload: [1, 2, 3]), .raw)
        #expect(f.ip?.isFragment == true && f.ip?.fragmentOffset == 8 && f.ip?.identification == 42 && f.tcp == nil)
    }

    @Test func truncatedPacketIsFlaggedWithWhatWasCaptured() {
        let frame = Build.ethernet(type: 0x0800, payload: Self.ipv4)
        let cut = Array(frame.prefix(frame.count - 5))
        let (d, payload, _) = decode(cut, .ethernet, originalLength: frame.count)
        #expect(d.isTruncated)
        #expect(d.tcp != nil)
        #expect(payload == Array(Self.payload.prefix(Self.payload.count - 5)))
        #expect(d.payloadLength == Self.payload.count)
        #expect(d.missingPayloadBytes == 5)
    }

    @Test func shortAndMalformedHeadersAreIssuesNotCrashes() {
        let cases: [([UInt8], LinkType, DecodeIssue)] = [
            ([], .ethernet, .truncatedLinkHeader(needed: 14, captured: 0)),
            ([1, 2, 3], .linuxSLL, .truncatedLinkHeader(needed: 16, captured: 3)),
            ([1, 2, 3], .linuxSLL2, .truncatedLinkHeader(needed: 20, captured: 3)),
            ([2, 0], .null, .truncatedLinkHeader(needed: 4, captured: 2)),
            ([], .raw, .truncatedLinkHeader(needed: 1, captured: 0)),
            ([0x50, 0, 0], .raw, .badIPVersion(5)),
            (Array(Self.ipv4.prefix(12)), .raw, .truncatedIPHeader(needed: 20, captured: 12)),
            ([0x43] + Self.ipv4.dropFirst(), .raw, .badIPv4HeaderLength(12)),
            (Array(Self.ipv4.prefix(30)), .raw, .truncatedTCPHeader(needed: 20, captured: 10)),
            (Array(Self.ipv4.prefix(45)), .raw, .truncatedTCPHeader(needed: 32, captured: 25)),
            (Array(Build.ipv6(source: "::1", destination: "::2", payload: []).prefix(39)), .raw, .truncatedIPHeader(needed: 40, captured: 39)),
            (Build.ethernet(type: 0x8100, payload: []), .ethernet, .truncatedLinkHeader(needed: 18, captured: 14)),
            ([1, 2, 3], LinkType(rawValue: 147), .unsupportedLinkType(LinkType(rawValue: 147))),
        ]
        for (bytes, linkType, issue) in cases {
            let (d, _, _) = decode(bytes, linkType)
            #expect(d.issue == issue, "\(bytes.count) bytes as \(linkType)")
            #expect(d.tcp == nil)
        }
        var badOffset = Self.ipv4
        badOffset[20 + 12] = 0x30  // TCP data offset 3 words
        #expect(decode(badOffset, .raw).0.issue == .badTCPDataOffset(12))
        var badTotal = Self.ipv4
        badTotal[2] = 0; badTotal[3] = 10
        #expect(decode(badTotal, .raw).0.issue == .badIPTotalLength(10))
    }

    @Test func addressesParseAndPrint() {
        #expect(IPAddress("127.0.0.1") == .v4(0x7F00_0001))
        #expect(IPAddress("127.0.0.1")?.description == "127.0.0.1")
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("fe80::")?.description == "fe80::")
        #expect(IPAddress("1.2.3") == nil && IPAddress("1::2::3") == nil && IPAddress("300.1.1.1") == nil)
        #expect(LinkType.sdlc.description == "268 (SDLC, IBM SDLC frames)")
        #expect(LinkType.ethernet.description == "1 (EN10MB, Ethernet)")
    }
}
