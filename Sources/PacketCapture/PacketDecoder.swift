/// Decodes link, IP and TCP headers with direct loads; never allocates, never traps on
/// short or malformed input (it flags `issue` / `isTruncated` instead).
public enum PacketDecoder {
    @inline(__always)
    public static func decode(_ packet: CapturedPacket) -> DecodedPacket {
        decode(packet.bytes, linkType: packet.linkType, originalLength: packet.originalLength)
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, originalLength: Int? = nil) -> DecodedPacket {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        var out = DecodedPacket(
            link: LinkInfo(headerLength: 0, network: .unknown), ip: nil, tcp: nil,
            networkBytes: empty, payload: empty, payloadLength: 0,
            isTruncated: (originalLength ?? bytes.count) > bytes.count, issue: nil)
        switch decodeLink(bytes, linkType: linkType) {
        case .failure(let issue):
            out.issue = issue
            return out
        case .success(let link):
            out.link = link
        }
        out.networkBytes = bytes.clampedSlice(from: out.link.headerLength, count: bytes.count)
        switch out.link.network {
        case .ipv4, .ipv6: decodeIP(&out)
        default: break
        }
        return out
    }

    // MARK: Link layer

    static func decodeLink(_ b: UnsafeRawBufferPointer, linkType: LinkType) -> Result<LinkInfo, DecodeIssue> {
        switch linkType.rawValue {
        case LinkType.ethernet.rawValue:
            return decodeEthernet(b)
        case LinkType.linuxSLL.rawValue:
            guard b.count >= 16 else { return .failure(.truncatedLinkHeader(needed: 16, captured: b.count)) }
            return .success(LinkInfo(headerLength: 16, network: .fromEtherType(b.be16(14)), packetType: LinuxPacketType(rawValue: b.be16(0))))
        case LinkType.linuxSLL2.rawValue:
            guard b.count >= 20 else { return .failure(.truncatedLinkHeader(needed: 20, captured: b.count)) }
            return .success(LinkInfo(headerLength: 20, network: .fromEtherType(b.be16(0)), packetType: LinuxPacketType(rawValue: UInt16(b.u8(10)))))
        case LinkType.raw.rawValue, LinkType.rawOpenBSD.rawValue, LinkType.linktypeRaw.rawValue:
            guard b.count >= 1 else { return .failure(.truncatedLinkHeader(needed: 1, captured: 0)) }
            switch b.u8(0) >> 4 {
            case 4: return .success(LinkInfo(headerLength: 0, network: .ipv4))
            case 6: return .success(LinkInfo(headerLength: 0, network: .ipv6))
            case let v: return .failure(.badIPVersion(v))
            }
        case LinkType.ipv4.rawValue:
            return .success(LinkInfo(headerLength: 0, network: .ipv4))
        case LinkType.ipv6.rawValue:
            return .success(LinkInfo(headerLength: 0, network: .ipv6))
        case LinkType.null.rawValue:
            guard b.count >= 4 else { return .failure(.truncatedLinkHeader(needed: 4, captured: b.count)) }
            // Written in the capturing host's byte order: a value above 0xFFFF means the
            // other order (address families are small).
            var family = b.le32(0)
            if family > 0xFFFF { family = family.byteSwapped }
            return .success(LinkInfo(headerLength: 4, network: .fromAddressFamily(family)))
        case LinkType.loop.rawValue:
            guard b.count >= 4 else { return .failure(.truncatedLinkHeader(needed: 4, captured: b.count)) }
            return .success(LinkInfo(headerLength: 4, network: .fromAddressFamily(b.be32(0))))
        case LinkType.sdlc.rawValue:
            return .success(LinkInfo(headerLength: 0, network: .sdlc))
        case LinkType.sita.rawValue:
            guard let header = SITAHeader(parsing: b) else {
                return .failure(.truncatedLinkHeader(needed: SITAHeader.length, captured: b.count))
            }
            let network: NetworkProtocol = header.protocolByte == SITAHeader.protocolLAPB ? .lapb : .otherSITAProtocol(header.protocolByte)
            return .success(LinkInfo(headerLength: SITAHeader.length, network: network))
        default:
            return .failure(.unsupportedLinkType(linkType))
        }
    }

    @inline(__always)
    static func decodeEthernet(_ b: UnsafeRawBufferPointer) -> Result<LinkInfo, DecodeIssue> {
        guard b.count >= 14 else { return .failure(.truncatedLinkHeader(needed: 14, captured: b.count)) }
        var offset = 12
        var type = b.be16(offset)
        var tags = 0
        var outer: UInt16?
        // 802.1Q, 802.1ad and the old QinQ TPID.
        while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
            guard tags < 8 else { return .failure(.tooManyVLANTags) }
            guard b.count >= offset + 6 else { return .failure(.truncatedLinkHeader(needed: offset + 6, captured: b.count)) }
            if outer == nil { outer = b.be16(offset + 2) & 0x0FFF }
            tags += 1
            offset += 4
            type = b.be16(offset)
        }
        return .success(LinkInfo(headerLength: offset + 2, network: .fromEtherType(type), vlanTagCount: tags, outerVLAN: outer))
    }

    // MARK: IP and TCP

    @inline(__always)
    static func decodeIP(_ out: inout DecodedPacket) {
        let b = out.networkBytes
        guard b.count >= 1 else {
            out.issue = .truncatedIPHeader(needed: 20, captured: 0)
            return
        }
        let version = b.u8(0) >> 4
        let header: IPHeader
        if version == 4 {
            guard b.count >= 20 else {
                out.issue = .truncatedIPHeader(needed: 20, captured: b.count)
                return
            }
            let ihl = Int(b.u8(0) & 0x0F) * 4
            guard ihl >= 20 else {
                out.issue = .badIPv4HeaderLength(ihl)
                return
            }
            guard b.count >= ihl else {
                out.issue = .truncatedIPHeader(needed: ihl, captured: b.count)
                return
            }
            var total = Int(b.be16(2))
            // TSO/GSO captures may carry 0 here; the captured bytes are then all we know.
            if total == 0 { total = b.count }
            guard total >= ihl else {
                out.issue = .badIPTotalLength(total)
                return
            }
            let frag = b.be16(6)
            header = IPHeader(
                version: 4, source: .v4(b.be32(12)), destination: .v4(b.be32(16)),
                transportProtocol: b.u8(9), headerLength: ihl, totalLength: total, hopLimit: b.u8(8),
                identification: UInt32(b.be16(4)), optionsLength: ihl - 20,
                dontFragment: frag & 0x4000 != 0, moreFragments: frag & 0x2000 != 0,
                fragmentOffset: Int(frag & 0x1FFF) * 8)
        } else if version == 6 {
            guard let h = decodeIPv6(b, &out) else { return }
            header = h
        } else {
            out.issue = .badIPVersion(version)
            return
        }
        out.ip = header
        if header.totalLength > b.count { out.isTruncated = true }
        guard header.transportProtocol == 6, header.fragmentOffset == 0 else { return }
        decodeTCP(&out, ip: header)
    }

    static func decodeIPv6(_ b: UnsafeRawBufferPointer, _ out: inout DecodedPacket) -> IPHeader? {
        guard b.count >= 40 else {
            out.issue = .truncatedIPHeader(needed: 40, captured: b.count)
            return nil
        }
        var payloadLength = Int(b.be16(4))
        // A jumbogram (or offloaded capture) says 0: fall back to what was captured.
        if payloadLength == 0 { payloadLength = b.count - 40 }
        var header = IPHeader(
            version: 6, source: .v6(b.be64(8), b.be64(16)), destination: .v6(b.be64(24), b.be64(32)),
            transportProtocol: b.u8(6), headerLength: 40, totalLength: 40 + payloadLength, hopLimit: b.u8(7),
            identification: 0, optionsLength: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0)
        var walked = 0
        extensionWalk: while true {
            let next = header.transportProtocol
            let at = header.headerLength
            let length: Int
            switch next {
            case 0, 43, 60, 135, 139, 140:  // hop-by-hop, routing, destination, mobility, HIP, shim6
                guard b.count >= at + 2 else { break extensionWalk }
                length = (Int(b.u8(at + 1)) + 1) * 8
            case 51:  // AH counts 4-byte words, minus 2
                guard b.count >= at + 2 else { break extensionWalk }
                length = (Int(b.u8(at + 1)) + 2) * 4
            case 44:  // fragment
                guard b.count >= at + 8 else { break extensionWalk }
                length = 8
                let field = b.be16(at + 2)
                header.fragmentOffset = Int(field & 0xFFF8)
                header.moreFragments = field & 1 != 0
                header.identification = b.be32(at + 4)
            default:
                break extensionWalk
            }
            walked += 1
            guard walked <= 8 else {
                out.issue = .tooManyIPv6ExtensionHeaders
                return nil
            }
            header.transportProtocol = b.u8(at)
            header.headerLength += length
            header.optionsLength += length
            if next == 44 && header.fragmentOffset != 0 { break }
        }
        if header.headerLength > header.totalLength {
            out.issue = .badIPTotalLength(header.totalLength)
            return nil
        }
        return header
    }

    @inline(__always)
    static func decodeTCP(_ out: inout DecodedPacket, ip: IPHeader) {
        let b = out.networkBytes
        let at = ip.headerLength
        guard b.count >= at + 20 else {
            out.issue = .truncatedTCPHeader(needed: 20, captured: max(0, b.count - at))
            return
        }
        let offsetAndFlags = b.be16(at + 12)
        let tcpLength = Int(offsetAndFlags >> 12) * 4
        guard tcpLength >= 20 else {
            out.issue = .badTCPDataOffset(tcpLength)
            return
        }
        guard b.count >= at + tcpLength else {
            out.issue = .truncatedTCPHeader(needed: tcpLength, captured: b.count - at)
            return
        }
        out.tcp = TCPHeader(
            sourcePort: b.be16(at), destinationPort: b.be16(at + 2),
            sequenceNumber: b.be32(at + 4), acknowledgmentNumber: b.be32(at + 8),
            flags: TCPFlags(rawValue: UInt8(truncatingIfNeeded: offsetAndFlags)), window: b.be16(at + 14),
            headerLength: tcpLength, checksum: b.be16(at + 16), urgentPointer: b.be16(at + 18))
        let payloadStart = at + tcpLength
        // A first fragment holds only part of the segment: its true length is unknown.
        out.payloadLength = max(0, ip.totalLength - payloadStart)
        out.payload = b.clampedSlice(from: payloadStart, count: out.payloadLength)
        if out.payload.count < out.payloadLength { out.isTruncated = true }
    }
}
