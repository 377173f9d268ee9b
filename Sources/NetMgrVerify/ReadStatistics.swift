/// Counters from reading the capture, for judging its quality.
public struct ReadStatistics: Hashable, Sendable, Codable {
    public var tcpSegments: Int = 0
    /// TCP connections seen in all.
    public var tcpConnections: Int = 0
    /// Connections that were not TN3270 (not to a known host, and no 3270 negotiation).
    public var ignoredConnections: Int = 0
    public var retransmittedBytes: Int = 0
    public var outOfOrderSegments: Int = 0
    /// Stream bytes missing from the capture, all connections.
    public var gapBytes: Int = 0
    /// Packets that were not TCP over IP (ARP, UDP...), or not decodable.
    public var otherPackets: Int = 0
    /// Packets cut by the snapshot length.
    public var truncatedPackets: Int = 0
    /// Line path: SDLC frames, and records too short to be one.
    public var sdlcFrames: Int = 0
    public var shortSDLCFrames: Int = 0
    /// BDLC path: elements decoded, records that were no element in either coding, and
    /// elements from a tributary before the host addressed any station on its line.
    public var basicModeElements: Int?
    public var unreadableBasicModeRecords: Int?
    public var unattributedBasicModeElements: Int?
    /// X.25 path (absent on others): LAPB frames, X.25 packets in I-frames, records that
    /// were not LAPB or too short, I-frames whose packet did not decode, I-frames out of
    /// N(S) sequence (retransmissions the receiver discards).
    public var lapbFrames: Int? = nil
    public var x25Packets: Int? = nil
    public var unreadableLAPBRecords: Int? = nil
    public var unreadableX25Packets: Int? = nil
    public var outOfSequenceIFrames: Int? = nil
    /// XOT on the IP path (absent without it): TCP connections to or from port 1998, and
    /// directions whose XOT framing broke (bad version or length, a gap in the stream).
    public var xotConnections: Int? = nil
    public var xotFramingErrors: Int? = nil

    /// Switched path (absent on others): dial-up dialogue records, Hayes lines and V.25bis
    /// frames in them; LINUX_LAPD records and the Q.931 messages in them; records, lines or
    /// messages that could not be read.
    public var dialogueRecords: Int? = nil
    public var dialogueLines: Int? = nil
    public var v25bisFrames: Int? = nil
    public var lapdRecords: Int? = nil
    public var q931Messages: Int? = nil
    public var unreadableSwitchedRecords: Int? = nil

    public init() {}
}
