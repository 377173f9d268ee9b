import NIOCore

/// The DCE side: a modem at the exchange simulator, talking to its DTE over the serial cable
/// (TCP). Command mode parses AT commands or V.25bis frames; data mode bytes are passed through
/// by the exchange, which shows them to `fromDTEInDataMode` only for the Hayes `+++` escape.
public struct ModemEmulator: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Between RINGs (and repeated INCs).
        public var ringInterval: TimeAmount
        /// Hayes escape guard time (S12), before and after `+++`.
        public var escapeGuardTime: TimeAmount
        /// The speed in `CONNECT <speed>`.
        public var connectSpeed: Int
        /// Caller id `DATE = MMDD` and `TIME = HHMM` texts.
        public var callerIDDate: String
        public var callerIDTime: String

        public init(
            ringInterval: TimeAmount = .seconds(1), escapeGuardTime: TimeAmount = .seconds(1),
            connectSpeed: Int = 9600, callerIDDate: String = "0101", callerIDTime: String = "0000"
        ) {
            self.ringInterval = ringInterval
            self.escapeGuardTime = escapeGuardTime
            self.connectSpeed = connectSpeed
            self.callerIDDate = callerIDDate
            self.callerIDTime = callerIDTime
        }
    }

    public enum Action: Hashable, Sendable {
        /// Bytes to the DTE.
        case toDTE(ByteBuffer)
        /// The DTE asked to dial: the exchange places the call and reports with `callProgress`.
        case dial(number: String)
        /// The modem goes off hook to answer the ringing call: the exchange connects it and
        /// reports `callProgress(.connect(speed:))`.
        case answer
        /// The modem hangs up the call (ATH, DTR drop, DIC, ATZ in a call).
        case hangUp
        case setTimer(NIODeadline)
    }

    public let `protocol`: DialProtocol
    public let configuration: Configuration
    var phase: EmulatorPhase = .idle
    var deadline: NIODeadline? = nil
    var settings = HayesSettings()
    var commandLine: [UInt8] = []
    var commandLineOverflow = false
    var frames = V25bisFrameReader()
    var ringCount = 0
    var callingNumber: String? = nil
    // The +++ escape: pluses seen, when the first came, when data last came.
    var escapePluses = 0
    var firstPlusTime = NIODeadline.uptimeNanoseconds(0)
    var lastDataTime = NIODeadline.uptimeNanoseconds(0)

    public init(protocol: DialProtocol, configuration: Configuration = .init()) {
        self.protocol = `protocol`
        self.configuration = configuration
    }

    /// True while the exchange passes bytes through between the DTE and the other party.
    /// After a `+++` escape the call stays up in online command mode (`ATO` returns, `ATH` hangs up).
    public var isDataMode: Bool { phase == .data }
    /// True when no call is ringing, being placed or up (the exchange signals busy otherwise).
    public var isIdle: Bool { phase == .idle }
    /// True while a call is up (data mode or online command mode).
    public var isInCall: Bool { phase == .data || phase == .onlineCommand }
    /// `tick` is due at this time (ring cadence, escape guard time).
    public var nextDeadline: NIODeadline? { deadline }
    /// Rings signalled for the current incoming call.
    public var rings: Int { ringCount }
}

enum EmulatorPhase: Hashable, Sendable {
    case idle
    case ringing
    /// `.answer` was given; `callProgress` is awaited.
    case answering
    /// `.dial` was given; `callProgress` is awaited.
    case dialing
    case data
    case onlineCommand
}

/// The Hayes settings ATZ restores.
struct HayesSettings: Hashable, Sendable {
    var echo = true
    var verbose = true
    var autoAnswerRings = 0
    var callerID = false
}
