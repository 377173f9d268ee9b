/// The 16-byte header of LINKTYPE_LINUX_LAPD (177) records, the Linux "cooked" LAPD header:
/// packet type (2, big-endian), ARPHRD type (2), address length (2), address (8), protocol (2,
/// ETH_P_LAPD 0x0030). Wireshark reads the first address byte as "we are the network side"; with
/// packet type 4 (outgoing: we sent it) that says who sent the frame, so Q.921's command/response
/// bit and Wireshark's user/network labels come out right.
public enum LinuxLAPDHeader {
    public static let length = 16
    /// ETH_P_LAPD.
    public static let protocolLAPD: UInt16 = 0x0030
    /// ARPHRD_LAPD (Linux mISDN / Wireshark's check).
    public static let hardwareTypeLAPD: UInt16 = 8445
    /// PACKET_OUTGOING.
    public static let packetTypeOutgoing: UInt16 = 4

    /// The header for a frame sent by the network side (`true`) or by the user side (`false`).
    public static func encode(fromNetwork: Bool) -> [UInt8] {
        var h: [UInt8] = []
        h.reserveCapacity(length)
        h += [UInt8(packetTypeOutgoing >> 8), UInt8(packetTypeOutgoing & 0xFF)]
        h += [UInt8(hardwareTypeLAPD >> 8), UInt8(hardwareTypeLAPD & 0xFF)]
        h += [0x00, 0x01]  // address length
        h += [fromNetwork ? 1 : 0, 0, 0, 0, 0, 0, 0, 0]
        h += [UInt8(protocolLAPD >> 8), UInt8(protocolLAPD & 0xFF)]
        return h
    }

    /// Who sent a LINUX_LAPD record: true = the network side; nil when `bytes` is shorter than the
    /// header or not LAPD. Incoming records (packet type ≠ 4) were sent by the other side.
    public static func sentByNetwork(_ bytes: some Collection<UInt8>) -> Bool? {
        guard bytes.count >= length else { return nil }
        let b = Array(bytes.prefix(length))
        guard UInt16(b[14]) << 8 | UInt16(b[15]) == protocolLAPD else { return nil }
        let weAreNetwork = b[6] != 0
        let outgoing = (UInt16(b[0]) << 8 | UInt16(b[1])) == packetTypeOutgoing
        return outgoing ? weAreNetwork : !weAreNetwork
    }
}

/// The record format of netmgr's USER1 (148) dialogue interface: one direction byte, then the
/// raw bytes that crossed the serial cable between a DTE and its modem in command mode (Hayes
/// text, or V.25bis HDLC frames including flags and FCS).
public enum DialogueRecord {
    /// DTE → modem (commands: AT…, CRN…).
    public static let fromDTE: UInt8 = 0x00
    /// Modem → DTE (results and indications: OK, RING, CONNECT, INC, CFI…).
    public static let toDTE: UInt8 = 0x01

    /// One record: direction byte then `bytes`.
    public static func encode(toDTE: Bool, _ bytes: some Sequence<UInt8>) -> [UInt8] {
        [toDTE ? Self.toDTE : Self.fromDTE] + Array(bytes)
    }
}
