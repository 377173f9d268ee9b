import NIOCore

/// The DTE side of a switched line's modem dialogue (netmgrd, the host simulator): from `start`
/// to `.connected` (the line carries HDLC-framed SDLC from then on) or `.failed`. One attempt per
/// `start`; the owner redials (see `RedialPolicy`) by calling `start` again.
public struct ModemDialer: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var `protocol`: DialProtocol
        public var direction: DialDirection
        /// Call-out: the number to dial (digits; `*`, `#` and `,` are passed on).
        public var number: String?
        /// Call-in, Hayes: `ATS0=n`; 0 = the dialer answers each RING with `ATA`.
        public var answerAfterRings: Int
        /// Call-in, Hayes: send `AT+VCID=1` so that the modem reports the calling number.
        public var callerID: Bool
        /// Per command, from sending it to its result (default 5 s).
        public var commandTimeout: TimeAmount
        /// From dialling (`ATD`, `CRN`) or the first RING/INC to CONNECT/CNX (default 60 s).
        public var connectTimeout: TimeAmount

        public init(
            protocol: DialProtocol = .hayes, direction: DialDirection = .callOut, number: String? = nil,
            answerAfterRings: Int = 1, callerID: Bool = true,
            commandTimeout: TimeAmount = .seconds(5), connectTimeout: TimeAmount = .seconds(60)
        ) {
            self.protocol = `protocol`
            self.direction = direction
            self.number = number
            self.answerAfterRings = answerAfterRings
            self.callerID = callerID
            self.commandTimeout = commandTimeout
            self.connectTimeout = connectTimeout
        }
    }

    public enum Action: Hashable, Sendable {
        /// Bytes to the modem.
        case send(ByteBuffer)
        /// The call is up: data mode from now on (upgrade the line to HDLC). `callingNumber` is
        /// the caller id seen on call-in (Hayes `NMBR`, V.25bis `INC<digits>`), else nil.
        case connected(callingNumber: String?)
        /// Bytes that followed CONNECT/CNX in the same read: the first data-mode bytes; feed them
        /// to the HDLC decoder (always right after `.connected`, only when there are some).
        case dataModeBytes(ByteBuffer)
        /// This attempt failed; `reason` names the modem's result code (log it); back off and redial.
        case failed(ModemResult?, reason: String)
        /// Call `tick` at (or after) this time.
        case setTimer(NIODeadline)
    }

    public let configuration: Configuration
    var state: DialerState = .idle
    var deadline: NIODeadline? = nil
    var lines = HayesLineAssembler()
    var frames = V25bisFrameReader()
    var callingNumber: String? = nil
    /// What `ATD` dials (validated by `start`).
    var dialString = ""

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The time `tick` is due, if a command or the call has a deadline.
    public var nextDeadline: NIODeadline? { deadline }

    /// True between `.connected` and `carrierLost`.
    public var isConnected: Bool { state == .connected }
}

enum DialerState: Hashable, Sendable {
    case idle
    /// Hayes: a set-up command is out, its OK is awaited.
    case command(HayesSetupCommand)
    /// Hayes: `ATD…` is out, CONNECT is awaited.
    case dialing
    /// Call-in: waiting for RING (Hayes) or INC (V.25bis); no deadline.
    case waitingForCall
    /// Hayes call-in: RING seen (auto-answer) or `ATA` sent, CONNECT is awaited.
    case answering
    /// V.25bis: `CRN…` or `CIC` is out, VAL is awaited.
    case awaitingValid(command: String)
    /// V.25bis: VAL came, CNX is awaited.
    case awaitingConnect(command: String)
    case connected
    case failed
}

enum HayesSetupCommand: Hashable, Sendable {
    case reset
    case initialise
    case callerID
    case autoAnswer
}
