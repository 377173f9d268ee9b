/// What a link-layer header says: how long it is and what it carries.
public struct LinkInfo: Equatable, Sendable {
    public var headerLength: Int
    public var network: NetworkProtocol
    /// 802.1Q/802.1ad tags seen (Ethernet), outermost first.
    public var vlanTagCount: Int
    /// VLAN id (12 bits) of the outermost tag.
    public var outerVLAN: UInt16?
    /// Linux cooked captures (SLL/SLL2): which way the packet went.
    public var packetType: LinuxPacketType?

    public init(headerLength: Int, network: NetworkProtocol, vlanTagCount: Int = 0, outerVLAN: UInt16? = nil, packetType: LinuxPacketType? = nil) {
        self.headerLength = headerLength
        self.network = network
        self.vlanTagCount = vlanTagCount
        self.outerVLAN = outerVLAN
        self.packetType = packetType
    }
}

/// The protocol above the link layer.
public enum NetworkProtocol: Equatable, Sendable {
    case ipv4
    case ipv6
    /// An SDLC frame (LINKTYPE_SDLC): the whole packet, for the SDLC module to parse.
    case sdlc
    /// A LAPB frame after a LINKTYPE_SITA header (protocol 0x01): address, control,
    /// information, for the X25 module to parse.
    case lapb
    /// Another SITA protocol byte (ALC, UTS, Frame Relay...).
    case otherSITAProtocol(UInt8)
    case arp
    /// Another EtherType (Ethernet, SLL, SLL2).
    case otherEtherType(UInt16)
    /// An 802.3 length field instead of an EtherType (LLC/SNAP frames).
    case llc
    /// An address family the loopback header names that is not IPv4/IPv6.
    case otherAddressFamily(UInt32)
    /// A link type the decoder does not know.
    case unknown
}

/// The SLL/SLL2 packet type (Linux `PACKET_*`).
public enum LinuxPacketType: UInt16, Sendable {
    case toUs = 0, broadcast = 1, multicast = 2, otherHost = 3, outgoing = 4
}

extension NetworkProtocol {
    @inline(__always)
    static func fromEtherType(_ type: UInt16) -> NetworkProtocol {
        switch type {
        case 0x0800: return .ipv4
        case 0x86DD: return .ipv6
        case 0x0806: return .arp
        case ..<0x0600: return .llc
        default: return .otherEtherType(type)
        }
    }

    /// BSD AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (Net/OpenBSD), 28 (FreeBSD), 30 (macOS).
    @inline(__always)
    static func fromAddressFamily(_ family: UInt32) -> NetworkProtocol {
        switch family {
        case 2: return .ipv4
        case 10, 24, 28, 30: return .ipv6
        default: return .otherAddressFamily(family)
        }
    }
}
