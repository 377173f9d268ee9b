import CPcap

/// A data link type as libpcap reports it (a DLT_ value; libpcap maps the file's
/// LINKTYPE_ value to it, e.g. LINKTYPE_RAW 101 reads back as DLT_RAW 12 on Linux).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// BSD loopback: 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    /// DLT_RAW as most systems define it (raw IPv4/IPv6, no link header).
    public static let raw = LinkType(rawValue: 12)
    /// DLT_RAW as OpenBSD defines it; libpcap may hand it out for old files.
    public static let rawOpenBSD = LinkType(rawValue: 14)
    /// LINKTYPE_RAW as stored in files; libpcap normally maps it to `raw` (12).
    public static let linktypeRaw = LinkType(rawValue: 101)
    /// OpenBSD loopback: 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    /// LINKTYPE_USER0 (DLT_USER0): private use; netmgr's BDLC line captures (a direction/line
    /// byte, then one basic-mode transmission element). Not in `decodable`: the verifier's
    /// basic-mode path reads it.
    public static let user0 = LinkType(rawValue: 147)
    /// LINKTYPE_USER1 (DLT_USER1): private use; netmgr's dial-up dialogue captures (one
    /// `DialogueRecord` direction byte, then the bytes between a DTE and its modem in command
    /// mode). Wireshark decodes it with Integrations/wireshark/dialup.lua.
    public static let user1 = LinkType(rawValue: 148)
    /// LINKTYPE_LINUX_LAPD: a 16-byte `LinuxLAPDHeader`, then one LAPD frame (Q.921, no FCS);
    /// what tshark decodes as lapd → q931.
    public static let linuxLAPD = LinkType(rawValue: 177)
    /// SITA WAN frames: a 5-byte header (direction, signals, errors, protocol; `SITAHeader`)
    /// then the frame; protocol 0x01 is LAPB (X.25 lines), without FCS.
    public static let sita = LinkType(rawValue: 196)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    /// SDLC frames: address byte, control byte, PIU; no flags, no FCS.
    public static let sdlc = LinkType(rawValue: 268)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Link types `PacketDecoder` understands.
    public static let decodable: Set<LinkType> = [
        .null, .ethernet, .raw, .rawOpenBSD, .linktypeRaw, .loop, .linuxSLL, .ipv4, .ipv6, .sdlc, .sita, .linuxSLL2,
    ]

    /// libpcap's short name ("EN10MB", "SDLC"), or nil when libpcap has none for it.
    public var name: String? {
        guard let c = pcap_datalink_val_to_name(rawValue) else { return nil }
        return String(cString: c)
    }

    /// libpcap's description ("Ethernet"), or nil when libpcap has none for it.
    public var longName: String? {
        guard let c = pcap_datalink_val_to_description(rawValue) else { return nil }
        return String(cString: c)
    }

    /// "1 (EN10MB, Ethernet)", "999 (unknown to libpcap)": number and name, for messages.
    public var description: String {
        switch (name, longName) {
        case let (n?, d?) where n != d: return "\(rawValue) (\(n), \(d))"
        case let (n?, _): return "\(rawValue) (\(n))"
        case let (nil, d?): return "\(rawValue) (\(d))"
        case (nil, nil): return "\(rawValue) (unknown to libpcap)"
        }
    }
}
