/// What a passive observer learned about one TN3270 connection.
public struct TN3270CaptureFacts: Hashable, Sendable {
    public enum Dialect: Hashable, Sendable, CustomStringConvertible {
        case tn3270e
        case tn3270
        /// Telnet without any 3270 negotiation or records.
        case telnet

        public var description: String {
            switch self {
            case .tn3270e: "TN3270E"
            case .tn3270: "TN3270"
            case .telnet: "telnet"
            }
        }
    }

    /// How the dialect was established.
    public enum Evidence: Hashable, Sendable {
        /// The option negotiation was in the capture.
        case negotiated
        /// The negotiation was missed (capture started mid-stream): guessed
        /// from the shape of the records (5-byte TN3270E headers or not), or
        /// plain telnet when there were neither negotiation nor records.
        case inferred
    }

    public enum RequestMethod: Hashable, Sendable {
        /// TN3270E DEVICE-TYPE REQUEST (CONNECT name, or none = generic).
        case deviceTypeRequest
        /// TN3270E DEVICE-TYPE REQUEST ... ASSOCIATE name (printer).
        case associate
        /// TERMINAL-TYPE IS type[@LU] (RFC 1646).
        case terminalType
    }

    public struct LURequest: Hashable, Sendable {
        /// Nil for a generic request.
        public var luName: String?
        public var deviceType: String
        public var method: RequestMethod
        public var direction: TN3270CaptureDirection
        /// Bytes of `direction` fed before the end of the request.
        public var offset: Int
    }

    public enum GrantEvidence: Hashable, Sendable {
        /// TN3270E DEVICE-TYPE IS ... CONNECT name.
        case deviceTypeIs
        /// Basic TN3270: records flowed after TERMINAL-TYPE IS type@LU; the
        /// host has no message that names the LU, so this is the requested one.
        case recordsAfterTerminalType
    }

    public struct Grant: Hashable, Sendable {
        /// Nil when a generic basic TN3270 request was served (name never on the wire).
        public var luName: String?
        public var deviceType: String
        public var dialect: TN3270Dialect
        public var evidence: GrantEvidence
        public var direction: TN3270CaptureDirection
        public var offset: Int
    }

    public enum Event: Hashable, Sendable {
        case requested(LURequest)
        case rejected(TN3270ERejectReason, direction: TN3270CaptureDirection, offset: Int)
        case granted(Grant)
        case functionsAgreed([TN3270EFunction], direction: TN3270CaptureDirection, offset: Int)
        /// WONT/DONT TN3270E: the connection backs off to basic TN3270.
        case tn3270eRefused(direction: TN3270CaptureDirection, offset: Int)
    }

    /// Per direction counts. Records are the units ended by IAC EOR.
    public struct Counts: Hashable, Sendable {
        public var bytes = 0
        public var records = 0
        /// Records whose first 5 bytes look like a TN3270E header.
        public var headerShapedRecords = 0
        /// TN3270E records by DATA-TYPE (index 0...8; index 9 counts the rest).
        public var recordsByDataType = [Int](repeating: 0, count: 10)
        public var positiveResponses = 0
        public var negativeResponses = 0
        /// Records that are Query Replies (AID 0x88): a terminal answering the host's query.
        public var queryReplies = 0

        /// 3270 data records: 3270-DATA and SCS-DATA in TN3270E, every record in basic TN3270.
        public func dataRecords(in dialect: Dialect?) -> Int {
            dialect == .tn3270e ? self.recordsByDataType[0] + self.recordsByDataType[1] : self.records
        }
    }

    /// The side that behaved as the telnet server (sent DO TN3270E or
    /// DO TERMINAL-TYPE, or answered a request), nil if never seen.
    public internal(set) var serverSide: TN3270CaptureDirection?
    public internal(set) var requests: [LURequest] = []
    public internal(set) var rejects: [TN3270ERejectReason] = []
    public internal(set) var grant: Grant?
    public internal(set) var functions: [TN3270EFunction]?
    public internal(set) var events: [Event] = []
    public internal(set) var fromClient = Counts()
    public internal(set) var fromServer = Counts()
    /// Whether the start of negotiation (DO TN3270E or DO TERMINAL-TYPE) was seen.
    public internal(set) var sawNegotiationStart = false
    /// Bytes that made no telnet sense (unknown commands, runaway or
    /// malformed sub-negotiations): expected when a capture starts mid-stream.
    public internal(set) var anomalies = 0

    // Kept as independent flags so the result does not depend on how the
    // two directions were interleaved when fed.
    var tn3270eOffered = false  // DO TN3270E
    var tn3270eAccepted = false  // WILL TN3270E
    var tn3270eSubnegotiated = false  // any SB TN3270E
    var tn3270eRefused = false  // WONT or DONT TN3270E
    var basicOptionsSeen = false  // WILL/DO BINARY or EOR

    public func counts(_ direction: TN3270CaptureDirection) -> Counts {
        direction == .fromClient ? self.fromClient : self.fromServer
    }

    /// The last LU request seen.
    public var lastRequest: LURequest? { self.requests.last }

    /// The LU asked for by the last request; nil if generic or none seen.
    public var luRequested: String? { self.lastRequest?.luName }

    /// The LU the host granted; nil if not (yet) granted or not named.
    public var luGranted: String? { self.grant?.luName }

    public var deviceType: String? { self.grant?.deviceType ?? self.lastRequest?.deviceType }

    public var dialect: Dialect? { self.dialectAndEvidence?.0 }

    public var dialectEvidence: Evidence? { self.dialectAndEvidence?.1 }

    private var dialectAndEvidence: (Dialect, Evidence)? {
        if let negotiated = self.negotiatedDialect {
            return (negotiated, .negotiated)
        }
        let headerShaped = self.fromClient.headerShapedRecords + self.fromServer.headerShapedRecords
        let records = self.fromClient.records + self.fromServer.records
        if records > 0 {
            // A basic 3270 record starts with a command or AID byte (0x01...,
            // 0x7D, 0xF1 ...), almost never with a 0-8 / 0-1 / 0-2 triple.
            return (headerShaped * 2 > records ? .tn3270e : .tn3270, .inferred)
        }
        if self.fromClient.bytes + self.fromServer.bytes > 0 {
            return (.telnet, .inferred)
        }
        return nil
    }

    var negotiatedDialect: Dialect? {
        if self.grant?.dialect == .tn3270e { return .tn3270e }
        if !self.tn3270eRefused && (self.tn3270eSubnegotiated || (self.tn3270eOffered && self.tn3270eAccepted)) {
            return .tn3270e
        }
        if self.basicOptionsSeen || self.requests.contains(where: { $0.method == .terminalType }) {
            return .tn3270
        }
        return nil
    }
}
