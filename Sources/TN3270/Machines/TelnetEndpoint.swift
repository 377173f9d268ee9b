import NIOCore

/// What both state machines share: the inbound parser, the option table,
/// the record being assembled and the bytes to send for the current event.
struct TelnetEndpoint: Sendable {
    var parser = TelnetStreamParser()
    var options = TelnetOptionNegotiator()
    var record: RecordAssembler
    private var output = ByteBuffer()

    init(maximumRecordLength: Int) {
        self.record = RecordAssembler(maximumLength: maximumRecordLength)
    }

    mutating func send(_ verb: TelnetVerb?, _ option: TelnetOption) {
        guard let verb else { return }
        self.output.writeTelnetNegotiation(verb, option)
    }

    mutating func send(_ subnegotiation: TN3270ESubnegotiation) {
        self.output.writeTelnetSubnegotiation(.tn3270e, payload: subnegotiation.payload)
    }

    mutating func send(_ subnegotiation: TerminalTypeSubnegotiation) {
        self.output.writeTelnetSubnegotiation(.terminalType, payload: subnegotiation.payload)
    }

    /// IAC SB START_TLS FOLLOWS IAC SE.
    mutating func sendStartTLSFollows() {
        self.output.writeTelnetSubnegotiation(.startTLS, payload: ByteBuffer(bytes: [StartTLSCode.follows]))
    }

    mutating func send(_ response: TN3270Response) {
        self.output.writeTN3270Response(response)
    }

    /// Asks for `option` on `side` unless already on or asked.
    mutating func request(_ option: TelnetOption, _ side: TelnetOptionNegotiator.Side) {
        self.send(self.options.requestEnable(option, side), option)
    }

    /// Starts telnet over (after a STARTTLS handshake: draft-altman-telnet-starttls says every
    /// option is negotiated again); bytes queued but not yet returned are kept.
    mutating func restart() {
        let output = self.output
        self = TelnetEndpoint(maximumRecordLength: self.record.maximumLength)
        self.output = output
    }

    /// Puts the bytes queued during this call in front of the reports.
    mutating func actions<Action>(_ reports: [Action], send: (ByteBuffer) -> Action) -> [Action] {
        guard self.output.readableBytes > 0 else { return reports }
        let bytes = self.output
        self.output = ByteBuffer()
        return [send(bytes)] + reports
    }

    /// An error located at the start of the event being handled.
    func error(_ kind: TN3270ProtocolError.Kind) -> TN3270ProtocolError {
        if case .telnet(let telnet) = kind {
            return TN3270ProtocolError(kind, streamOffset: telnet.streamOffset)
        }
        return TN3270ProtocolError(kind, streamOffset: self.parser.eventOffset)
    }
}
