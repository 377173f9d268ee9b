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

    public init(protocol: DialProtocol, configuration: Configuration = .init()) {
        self.protocol = `protocol`
        self.configuration = configuration
    }

    /// True while the exchange passes bytes through between the DTE and the other party.
    public var isDataMode: Bool { phase == .data }
    /// True when no call is ringing, being placed or up (the exchange signals busy otherwise).
    public var isIdle: Bool { phase == .idle }
    public var nextDeadline: NIODeadline? { deadline }
}

enum EmulatorPhase: Hashable, Sendable {
    case idle
    case data
}

extension ModemEmulator {
    /// Bytes from the DTE in command mode (in data mode they go to `fromDTEInDataMode`).
    public mutating func fromDTE(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] { [] }
    /// Data-mode bytes, shown only for the `+++` escape (Hayes); the exchange passes them on itself.
    public mutating func fromDTEInDataMode(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] { [] }
    /// A call for this modem's line: RING (+ caller id), auto-answer after S0 rings; V.25bis INC.
    public mutating func incomingCall(from number: String?, now: NIODeadline) -> [Action] { [] }
    /// The outcome of `.dial` or `.answer`: `.connect`, `.busy`, `.noAnswer`, `.noDialtone`, `.noCarrier`, `.error`.
    public mutating func callProgress(_ result: ModemResult, now: NIODeadline) -> [Action] { [] }
    /// The other party hung up (or stopped ringing): NO CARRIER in a call, back to command mode.
    public mutating func remoteHungUp(now: NIODeadline) -> [Action] { [] }
    /// The DTE dropped DTR (TCP closed): hang up any call, back to command mode.
    public mutating func dtrDropped(now: NIODeadline) -> [Action] { [] }
    public mutating func tick(now: NIODeadline) -> [Action] { [] }
}
