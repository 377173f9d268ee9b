/// What the capture shows of one TCP connection between a terminal (client) and a host's
/// TN3270 server: who, which LU, how it went, and when.
public struct ConnectionFacts: Hashable, Sendable, Codable {
    /// The connection's number in order of appearance (1-based; a reused port pair gets
    /// a new number).
    public var id: Int
    /// The terminal side: what the host sees as the terminal's address.
    public var client: EndpointFact
    public var host: EndpointFact
    public var hostSource: HostSource
    /// The SYN or SYN-ACK was captured (otherwise the capture began mid-connection).
    public var sawHandshake: Bool
    /// "TN3270E", "TN3270" or "telnet"; nil when no payload was seen.
    public var dialect: String?
    /// "negotiated" (the option negotiation was captured) or "inferred" (from record shapes).
    public var dialectEvidence: String?
    /// The LU named by the last request (CONNECT name, ASSOCIATE name, or `@LU`); nil for
    /// a generic request or none.
    public var luRequested: String?
    /// "connect", "associate", "terminal-type" or "generic".
    public var requestMethod: String?
    /// The LU the host granted: DEVICE-TYPE IS ... CONNECT name. Nil in basic TN3270: the
    /// `@LU` suffix is only a request and the host never names what it gave (a host may
    /// give another device of a group, or ignore the suffix).
    public var luGranted: String?
    /// How the bind shows: "device-type-is" (TN3270E grant) or
    /// "records-after-terminal-type" (basic TN3270: records flowed; no LU was granted by name).
    public var grantEvidence: String?
    public var deviceType: String?
    /// TN3270E functions agreed (FUNCTIONS IS), nil if none were.
    public var functions: [String]?
    public var rejects: [RejectFact]
    /// First packet of the connection in the capture.
    public var opened: ReportTime
    /// When the last LU request was seen.
    public var requested: ReportTime?
    /// When the LU was granted (bound); nil when it never was.
    public var bound: ReportTime?
    /// First and last TCP payload in either direction (negotiation included).
    public var firstPayload: ReportTime?
    public var lastPayload: ReportTime?
    /// First and last 3270 record (ended by IAC EOR) in either direction: terminal data.
    public var firstRecord: ReportTime?
    public var lastRecord: ReportTime?
    /// Last TCP payload from the terminal: it was alive until then.
    public var lastFromClient: ReportTime?
    /// The host sent a record after a record from the terminal: it took input.
    public var hostTookInput: Bool
    public var ended: ReportTime
    public var endReason: ConnectionEnd
    /// Who sent the first FIN, or the RST; nil when the capture does not say.
    public var endedBy: ConnectionSide?
    public var records: DirectionCounts
    public var bytes: DirectionCounts
    /// Stream bytes the capture lacks (lost packets, snap length).
    public var gapBytes: Int
    /// Bytes that made no telnet sense (a capture starting mid-stream, garbage).
    public var anomalies: Int

    /// The LU this connection is about: the granted one, else the requested one.
    public var luName: String? { luGranted ?? luRequested }
    /// Bound, then closed (FIN) by the host without taking input: a rejection at screen level
    /// (e.g. "no available 3270 devices"), not a bound episode.
    public var closedWithoutInput: Bool { rejects.contains { $0.reason == RejectFact.closedWithoutInput } }
    public var isBound: Bool { bound != nil }
}
