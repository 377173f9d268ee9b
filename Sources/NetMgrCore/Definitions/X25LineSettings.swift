/// The packet-network settings of an `hdlc-packet` line: the node's X.121 address and the
/// LAPB and X.25 packet-layer parameters the access line is subscribed with. The access
/// line carries the address, so it is the same on both nodes.
public struct X25LineSettings: Sendable, Hashable {
    /// The DTE's own X.121 address (1–15 digits): the calling address of every call.
    public var dteAddress: String?
    /// Maximum data field of a DATA packet, bytes (a power of two, 16–4096).
    public var packetSize = X25LineSettings.defaultPacketSize
    /// Packet-layer window W (modulo 8: 1–7).
    public var packetWindow = X25LineSettings.defaultPacketWindow
    /// LAPB retransmission timer T1, milliseconds.
    public var lapbT1Milliseconds = X25LineSettings.defaultLAPBT1Milliseconds
    /// LAPB maximum retransmissions N2.
    public var lapbN2 = X25LineSettings.defaultLAPBN2
    /// LAPB window k (modulo 8: 1–7).
    public var lapbWindow = X25LineSettings.defaultLAPBWindow
    /// The logical channel netmgrd's calls use (1–4095).
    public var logicalChannel = X25LineSettings.defaultLogicalChannel

    public static let defaultPacketSize = 128
    public static let defaultPacketWindow = 2
    public static let defaultLAPBT1Milliseconds = 3000
    public static let defaultLAPBN2 = 10
    public static let defaultLAPBWindow = 7
    public static let defaultLogicalChannel = 1

    public static let packetSizes = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    public static let windowRange = 1...7
    public static let lapbT1Range = 100...60_000
    public static let lapbN2Range = 1...255
    public static let logicalChannelRange = 1...4095

    /// Largest HDLC frame content (FCS included) the line's HDLC decoder accepts
    /// (`HDLCFrameDecoder.defaultMaximumFrameLength`; a test keeps the two equal).
    public static let switchedLineMaximumFrameLength = 4096 + 4

    /// The HDLC frame content of a full DATA packet on a LAPB line: address, control, the
    /// modulo-8 packet header (3 bytes), the data field and the FCS (2 bytes).
    public static func switchedFrameLength(packetSize: Int) -> Int { 1 + 1 + 3 + packetSize + 2 }

    /// The keys only `hdlc-packet` lines take.
    public static let keys = ["dte-address", "packet-size", "packet-window", "lapb-t1", "lapb-n2", "lapb-window", "logical-channel"]

    public init() {}

    /// An X.121 address as written: 1 to 15 decimal digits.
    public static func isX121Address(_ text: String) -> Bool {
        (1...15).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `3s`, `2.5s`, `500ms` or a plain number of seconds, in milliseconds; nil if not a duration.
    public static func milliseconds(parsing text: String) -> Int? {
        let lower = text.lowercased().filter { $0 != " " }
        let (number, scale): (Substring, Double) =
            lower.hasSuffix("ms") ? (lower.dropLast(2), 1) : lower.hasSuffix("s") ? (lower.dropLast(1), 1000) : (Substring(lower), 1000)
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), number.count <= 9,
              let value = Double(number), value.isFinite else { return nil }
        let result = (value * scale).rounded()
        guard result >= 0, result <= 86_400_000 else { return nil }
        return Int(result)
    }
}

extension Line {
    /// Whether every node reaches the packet network over XOT (`xot:HOST:PORT`), so no
    /// line switch is needed: the calling address alone identifies the terminal.
    public var isXOTOnly: Bool {
        !perNode.isEmpty && perNode.values.allSatisfy { $0.device?.lowercased().hasPrefix("xot:") == true }
    }
}
