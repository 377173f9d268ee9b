/// The 5-byte pseudo-header of a LINKTYPE_SITA (196) record, as Wireshark's wiretap reads
/// it (pcap-common.c, packet-sita.c): byte 0 flags, byte 1 modem signals, bytes 2-3 error
/// flags, byte 4 the protocol of the frame that follows. tshark 4.0 hands protocol 0x01 to
/// its LAPB dissector, which hands I-frames to X.25.
///
/// Direction: flags bit 0x01 clear ("TXED", Wireshark shows "from Local") is a frame the
/// recording side sent; set ("RXED", "from Remote") is one it received. netmgr's line
/// monitor records as the DTE (the node's netmgrd) would: `.fromLocal` = sent by the DTE
/// towards the network, `.fromRemote` = sent by the DCE (the host's X.25 network).
public struct SITAHeader: Hashable, Sendable {
    public enum Direction: Hashable, Sendable {
        /// Flags bit 0x01 clear: transmitted by the recording side (here: the DTE).
        case fromLocal
        /// Flags bit 0x01 set: received from the other side (here: the DCE).
        case fromRemote
    }

    public static let length = 5
    public static let directionBit: UInt8 = 0x01
    /// Flags bit 0x80: the recorder had no buffer for a frame (frames were lost).
    public static let noBuffersBit: UInt8 = 0x80
    /// Protocol byte 0x01: a bit-oriented LAPB frame (address, control, information; no FCS).
    public static let protocolLAPB: UInt8 = 0x01
    /// Modem signals: DSR 0x01, DTR 0x02, CTS 0x04, RTS 0x08, DCD 0x10.
    public static let signalsAllUp: UInt8 = 0x1F

    public var flags: UInt8
    public var signals: UInt8
    public var errors1: UInt8
    public var errors2: UInt8
    public var protocolByte: UInt8

    public init(flags: UInt8, signals: UInt8, errors1: UInt8, errors2: UInt8, protocolByte: UInt8) {
        self.flags = flags
        self.signals = signals
        self.errors1 = errors1
        self.errors2 = errors2
        self.protocolByte = protocolByte
    }

    /// A LAPB record in one direction, signals up, no errors.
    public static func lapb(_ direction: Direction) -> SITAHeader {
        SITAHeader(
            flags: direction == .fromRemote ? directionBit : 0, signals: signalsAllUp, errors1: 0, errors2: 0,
            protocolByte: protocolLAPB)
    }

    public var direction: Direction { flags & Self.directionBit != 0 ? .fromRemote : .fromLocal }

    public var bytes: [UInt8] { [flags, signals, errors1, errors2, protocolByte] }

    /// Reads the header at the start of a record; nil when the record is shorter.
    public init?(parsing record: UnsafeRawBufferPointer) {
        guard record.count >= Self.length else { return nil }
        self.init(flags: record[0], signals: record[1], errors1: record[2], errors2: record[3], protocolByte: record[4])
    }
}
