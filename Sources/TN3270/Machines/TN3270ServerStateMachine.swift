import NIOCore

/// The host side of a TN3270 / TN3270E connection, as a value type. It never
/// decides which LU a client gets: it reports `.luRequested` and waits for
/// its owner to call `grant(luName:)` or `reject(_:)`.
public struct TN3270ServerStateMachine: Sendable, TelnetDrivenMachine {
    public enum Action: Hashable, Sendable, TelnetMachineAction {
        /// Write these bytes to the client.
        case send(ByteBuffer)
        /// The client asks for an LU; answer with `grant` or `reject`.
        case luRequested(TN3270LURequest)
        /// Negotiation finished; records can flow.
        case bound(TN3270Binding)
        /// A client record (with its TN3270E header, if any).
        case record(TN3270Record)
        /// The client's RESPONSE to a host record that asked for one.
        case response(TN3270Response)
        /// The client answered a `probe()` (WILL or WONT TIMING-MARK).
        case probeAnswered(TelnetVerb)
        /// Close the connection (protocol error, or a basic-mode reject).
        case close(TN3270CloseReason)
        /// Answer to `connectionClosed()`.
        case closed(TN3270ConnectionOutcome)
        /// STARTTLS: both FOLLOWS were exchanged (ours is in the `.send` before this). Put a
        /// TLS server handler in front of the connection now, hand it these bytes (the
        /// client's first TLS bytes, if they came in the same read) and call
        /// `tlsEstablished()` when its handshake completed.
        case startTLS(ByteBuffer)
    }

    enum State: Hashable, Sendable {
        case idle
        /// DO START_TLS sent; waiting for WILL (then FOLLOWS) or WONT.
        case offeringStartTLS
        /// The TLS handshake runs below us.
        case tlsHandshake
        case offeringTN3270E
        case awaitingDeviceTypeRequest
        case awaitingGrant(TN3270LURequest)
        case awaitingFunctions(Granted, proposed: [TN3270EFunction]?, rounds: Int)
        case awaitingTerminalTypeOption
        case awaitingTerminalType
        case basicOptions(Granted)
        case bound(TN3270Binding)
        case failed(TN3270CloseReason)
        case closed
    }

    struct Granted: Hashable, Sendable {
        var request: TN3270LURequest
        var luName: String
    }

    public let configuration: TN3270ServerConfiguration
    private var state: State = .idle
    var endpoint: TelnetEndpoint
    private var nextSequenceNumber: UInt16
    /// DO TIMING-MARKs sent and not yet answered.
    public private(set) var outstandingProbes = 0
    /// STARTTLS completed: the telnet session runs inside TLS now.
    public private(set) var isSecuredByStartTLS = false
    /// The functions this connection agrees to: the configuration's, or the grant's.
    private var supportedFunctions: [TN3270EFunction]

    public init(configuration: TN3270ServerConfiguration = TN3270ServerConfiguration()) {
        self.configuration = configuration
        self.endpoint = TelnetEndpoint(maximumRecordLength: configuration.maximumRecordLength)
        self.nextSequenceNumber = configuration.firstSequenceNumber
        self.supportedFunctions = configuration.supportedFunctions
    }

    public var binding: TN3270Binding? {
        if case .bound(let binding) = self.state { return binding }
        return nil
    }

    public var phase: TN3270NegotiationPhase? {
        switch self.state {
        case .idle, .offeringTN3270E: .initial
        case .offeringStartTLS, .tlsHandshake: .startTLS
        case .awaitingDeviceTypeRequest: .tn3270eDeviceType
        case .awaitingGrant(let request): .awaitingGrant(request)
        case .awaitingFunctions: .tn3270eFunctions
        case .awaitingTerminalTypeOption, .awaitingTerminalType: .terminalType
        case .basicOptions: .basicOptions
        case .bound, .failed, .closed: nil
        }
    }

    // MARK: - Start and inbound

    /// The host speaks first: DO START_TLS when it offers STARTTLS (and the session is not
    /// inside TLS yet), else DO TN3270E, or DO TERMINAL-TYPE on a basic-only host.
    public mutating func start() -> [Action] {
        guard case .idle = self.state else { return [] }
        if self.configuration.offersStartTLS, !self.isSecuredByStartTLS {
            self.endpoint.request(.startTLS, .remote)
            self.state = .offeringStartTLS
            return self.endpoint.actions([], send: Action.send)
        }
        self.offerDialect()
        return self.endpoint.actions([], send: Action.send)
    }

    private mutating func offerDialect() {
        if self.configuration.offersTN3270E {
            self.endpoint.request(.tn3270e, .remote)
            self.state = .offeringTN3270E
        } else {
            self.endpoint.request(.terminalType, .remote)
            self.state = .awaitingTerminalTypeOption
        }
    }

    /// The TLS handshake the `.startTLS` action started has completed: telnet starts over
    /// inside TLS (every option is negotiated again), with the host's first offer.
    public mutating func tlsEstablished() throws(TN3270UsageError) -> [Action] {
        guard case .tlsHandshake = self.state else {
            throw TN3270UsageError("tlsEstablished without a STARTTLS handshake (\(self.phase?.description ?? "not negotiating"))")
        }
        self.endpoint.restart()
        self.isSecuredByStartTLS = true
        self.outstandingProbes = 0
        self.state = .idle
        return self.start()
    }

    /// Bytes from the client, in order, split anywhere.
    public mutating func receive(_ bytes: ByteBuffer) -> [Action] { self.drive(bytes) }

    /// One decoded event, for owners that run `TelnetDecoder` in a pipeline.
    public mutating func receive(event: TelnetEvent) -> [Action] { self.drive(event: event) }

    public mutating func connectionClosed() -> [Action] {
        let outcome: TN3270ConnectionOutcome
        switch self.state {
        case .bound(let binding): outcome = .closedAfterBound(binding)
        case .failed(let reason): outcome = .closedAfter(reason)
        case .closed: return []
        default: outcome = .closedBeforeBound(self.phase ?? .initial)
        }
        self.state = .closed
        return [.closed(outcome)]
    }

    var isOpen: Bool {
        switch self.state {
        case .failed, .closed: false
        default: true
        }
    }

    private mutating func fail(_ reason: TN3270CloseReason, _ reports: inout [Action]) {
        self.state = .failed(reason)
        reports.append(.close(reason))
    }

    mutating func fail(_ kind: TN3270ProtocolError.Kind, _ reports: inout [Action]) {
        self.fail(.protocolError(self.endpoint.error(kind)), &reports)
    }

    mutating func handle(_ event: TelnetEvent, _ reports: inout [Action]) {
        // During the handshake the bytes are TLS, the owner's to hand to its TLS handler.
        if case .tlsHandshake = self.state { return }
        switch event {
        case .data(let bytes):
            if !self.endpoint.record.append(bytes) {
                self.fail(.recordTooLong(limit: self.configuration.maximumRecordLength), &reports)
            }
        case .command(.endOfRecord):
            self.recordEnded(self.endpoint.record.take(), &reports)
        case .command:
            break
        case .negotiation(let verb, let option):
            self.negotiate(verb, option, &reports)
        case .subnegotiation(.terminalType, let payload):
            self.terminalTypeSubnegotiation(payload, &reports)
        case .subnegotiation(.tn3270e, let payload):
            self.tn3270eSubnegotiation(payload, &reports)
        case .subnegotiation(.startTLS, let payload):
            self.startTLSSubnegotiation(payload, &reports)
        case .subnegotiation:
            break
        }
    }

    private mutating func startTLSSubnegotiation(_ payload: ByteBuffer, _ reports: inout [Action]) {
        guard case .offeringStartTLS = self.state, self.endpoint.options.isEnabled(.startTLS, .remote) else {
            return  // not agreed: ignore (RFC 855)
        }
        guard payload.readableBytes == 1, payload.getInteger(at: payload.readerIndex, as: UInt8.self) == StartTLSCode.follows else {
            self.fail(.unexpected("START-TLS sub-negotiation \(payload.readableBytesView.map { String($0) }.joined(separator: " ")), not FOLLOWS (1)"), &reports)
            return
        }
        // Our FOLLOWS went with the WILL's answer; what comes after the client's is TLS.
        self.state = .tlsHandshake
        reports.append(.startTLS(self.endpoint.parser.takeRemaining()))
    }

    // MARK: - Option negotiation

    private func accepts(_ verb: TelnetVerb, _ option: TelnetOption) -> Bool {
        switch (verb, option) {
        case (.will, .binary), (.will, .endOfRecord), (.do, .binary), (.do, .endOfRecord):
            return true
        case (.will, .tn3270e):
            switch self.state {
            case .idle, .offeringTN3270E: return self.configuration.offersTN3270E
            default: return false
            }
        case (.will, .startTLS):
            if case .offeringStartTLS = self.state { return true }
            return false
        case (.will, .terminalType):
            switch self.state {
            case .idle, .offeringTN3270E, .awaitingTerminalTypeOption, .awaitingTerminalType: return true
            default: return false
            }
        default:
            return false
        }
    }

    private mutating func negotiate(_ verb: TelnetVerb, _ option: TelnetOption, _ reports: inout [Action]) {
        if option == .timingMark {
            self.timingMark(verb, &reports)
            return
        }
        let outcome = self.endpoint.options.receive(verb, option, acceptable: self.accepts(verb, option))
        self.endpoint.send(outcome.reply, option)
        guard let change = outcome.change else { return }

        switch (option, change) {
        case (.startTLS, .enabled(.remote)):
            if case .offeringStartTLS = self.state { self.endpoint.sendStartTLSFollows() }
        case (.startTLS, .refused(.remote)):
            // The client will not do TLS: go on in plaintext, as a host with optional STARTTLS does.
            if case .offeringStartTLS = self.state {
                self.state = .idle
                self.offerDialect()
            }
        case (.tn3270e, .enabled(.remote)):
            self.endpoint.send(.sendDeviceType)
            self.state = .awaitingDeviceTypeRequest
        case (.tn3270e, .refused(.remote)), (.tn3270e, .disabled(.remote)):
            // WONT TN3270E, at once or after a REJECT: negotiate basic TN3270
            // (RFC 2355 §7.1 lets the client back off this way).
            if case .bound = self.state {
                self.fail(.optionDisabled(.tn3270e), &reports)
            } else {
                self.startBasic()
            }
        case (.terminalType, .enabled(.remote)):
            if case .awaitingTerminalTypeOption = self.state {
                self.endpoint.send(.send)
                self.state = .awaitingTerminalType
            }
        case (.terminalType, .refused(.remote)):
            self.fail(.optionRefused(.terminalType), &reports)
        case (.binary, .enabled), (.endOfRecord, .enabled):
            self.bindBasicIfReady(&reports)
        case (.binary, .refused), (.endOfRecord, .refused):
            if case .basicOptions = self.state { self.fail(.optionRefused(option), &reports) }
        case (.binary, .disabled), (.endOfRecord, .disabled):
            if case .bound(let binding) = self.state, binding.dialect == .tn3270 {
                self.fail(.optionDisabled(option), &reports)
            }
        default:
            break
        }
    }

    private mutating func timingMark(_ verb: TelnetVerb, _ reports: inout [Action]) {
        switch verb {
        case .will, .wont:
            if self.outstandingProbes > 0 {
                self.outstandingProbes -= 1
                reports.append(.probeAnswered(verb))
            } else if verb == .will {
                self.endpoint.send(.dont, .timingMark)  // unsolicited: refuse (RFC 854)
            }
        case .do:
            self.endpoint.send(.will, .timingMark)
        case .dont:
            break
        }
    }

    private mutating func startBasic() {
        self.endpoint.request(.terminalType, .remote)
        if self.endpoint.options.isEnabled(.terminalType, .remote) {
            self.endpoint.send(.send)
            self.state = .awaitingTerminalType
        } else {
            self.state = .awaitingTerminalTypeOption
        }
    }

    private mutating func bindBasicIfReady(_ reports: inout [Action]) {
        guard case .basicOptions(let granted) = self.state else { return }
        let options = self.endpoint.options
        guard options.isEnabled(.binary, .local), options.isEnabled(.binary, .remote),
            options.isEnabled(.endOfRecord, .local), options.isEnabled(.endOfRecord, .remote)
        else { return }
        let binding = TN3270Binding(
            dialect: .tn3270,
            luName: granted.luName,
            requestedLUName: granted.request.luName,
            deviceType: granted.request.deviceType
        )
        self.state = .bound(binding)
        // Unterminated bytes from before the bind are NVT text (a banner), not a record.
        _ = self.endpoint.record.take()
        reports.append(.bound(binding))
    }

    // MARK: - Sub-negotiations

    private mutating func terminalTypeSubnegotiation(_ payload: ByteBuffer, _ reports: inout [Action]) {
        let message: TerminalTypeSubnegotiation
        do {
            message = try TerminalTypeSubnegotiation(payload: payload)
        } catch {
            self.fail(.subnegotiation(error), &reports)
            return
        }
        guard case .is(let string) = message, case .awaitingTerminalType = self.state else { return }
        let name = TerminalTypeName(parsing: string)
        let request = TN3270LURequest(
            dialect: .tn3270,
            deviceType: name.deviceType,
            target: name.luName.map { .connect($0) } ?? .any
        )
        self.state = .awaitingGrant(request)
        reports.append(.luRequested(request))
    }

    private mutating func tn3270eSubnegotiation(_ payload: ByteBuffer, _ reports: inout [Action]) {
        let message: TN3270ESubnegotiation
        do {
            message = try TN3270ESubnegotiation(payload: payload)
        } catch {
            self.fail(.subnegotiation(error), &reports)
            return
        }
        guard self.endpoint.options.isEnabled(.tn3270e, .remote) else { return }

        switch (message, self.state) {
        case (.deviceTypeRequest(let deviceType, let target), .awaitingDeviceTypeRequest):
            let request = TN3270LURequest(dialect: .tn3270e, deviceType: deviceType, target: target)
            self.state = .awaitingGrant(request)
            reports.append(.luRequested(request))

        case (.functionsRequest(let list), .awaitingFunctions(let granted, _, let rounds)):
            let supported = list.filter { self.supportedFunctions.contains($0) }
            if supported.count == list.count {
                self.endpoint.send(.functionsIs(list))
                self.bindTN3270E(granted, functions: list, &reports)
            } else if rounds >= self.configuration.maximumFunctionRounds {
                self.fail(.functionsDidNotConverge(rounds: rounds), &reports)
            } else {
                // RFC 2355 §7.2: counter with the subset we support; the client
                // then agrees with FUNCTIONS IS.
                self.endpoint.send(.functionsRequest(supported))
                self.state = .awaitingFunctions(granted, proposed: supported, rounds: rounds + 1)
            }

        case (.functionsIs(let list), .awaitingFunctions(let granted, .some(let proposed), _)):
            let added = list.filter { !proposed.contains($0) }
            guard added.isEmpty else {
                self.fail(.functionsAdded(added), &reports)
                return
            }
            self.bindTN3270E(granted, functions: list, &reports)

        default:
            self.fail(.unexpected("TN3270E \(message) during \(self.phase?.description ?? "bound session")"), &reports)
        }
    }

    private mutating func bindTN3270E(_ granted: Granted, functions: [TN3270EFunction], _ reports: inout [Action]) {
        let binding = TN3270Binding(
            dialect: .tn3270e,
            luName: granted.luName,
            requestedLUName: granted.request.luName,
            deviceType: granted.request.deviceType,
            functions: Set(functions)
        )
        self.state = .bound(binding)
        // Unterminated bytes from before the bind are NVT text (a banner), not a record.
        _ = self.endpoint.record.take()
        reports.append(.bound(binding))
    }

    // MARK: - Records

    private mutating func recordEnded(_ bytes: ByteBuffer, _ reports: inout [Action]) {
        guard let binding = self.binding, binding.dialect == .tn3270e else {
            reports.append(.record(TN3270Record(header: nil, data: bytes)))
            return
        }
        var data = bytes
        let header: TN3270EHeader
        do {
            header = try TN3270EHeader(buffer: &data)
        } catch {
            self.fail(.header(error), &reports)
            return
        }
        if header.dataType == .response {
            reports.append(.response(TN3270Response(header: header, data: data)))
        } else {
            reports.append(.record(TN3270Record(header: header, data: data)))
        }
    }

    // MARK: - Owner requests

    /// Gives the client `luName`: DEVICE-TYPE IS ... CONNECT luName in
    /// TN3270E, BINARY + EOR negotiation in basic TN3270.
    /// `supportedFunctions`, when given, replaces the configuration's for this connection
    /// (what the granted LU can do, e.g. BIND-IMAGE only for SNA LUs).
    public mutating func grant(luName: String, supportedFunctions: [TN3270EFunction]? = nil) throws(TN3270UsageError) -> [Action] {
        guard case .awaitingGrant(let request) = self.state else {
            throw TN3270UsageError("grant(\(luName)) without a pending LU request (\(self.phase?.description ?? "not negotiating"))")
        }
        if let supportedFunctions { self.supportedFunctions = supportedFunctions }
        let granted = Granted(request: request, luName: luName)
        var reports: [Action] = []
        switch request.dialect {
        case .tn3270e:
            self.endpoint.send(.deviceTypeIs(deviceType: request.deviceType, deviceName: luName))
            self.state = .awaitingFunctions(granted, proposed: nil, rounds: 1)
        case .tn3270:
            // RFC 1576 §3 order: EOR both ways, then BINARY both ways.
            self.state = .basicOptions(granted)
            self.endpoint.request(.endOfRecord, .remote)
            self.endpoint.request(.endOfRecord, .local)
            self.endpoint.request(.binary, .remote)
            self.endpoint.request(.binary, .local)
            self.bindBasicIfReady(&reports)
        }
        return self.endpoint.actions(reports, send: Action.send)
    }

    /// Refuses the pending request: DEVICE-TYPE REJECT REASON in TN3270E (the
    /// client may retry on the same connection); a `.close` in basic TN3270.
    public mutating func reject(_ reason: TN3270ERejectReason) throws(TN3270UsageError) -> [Action] {
        guard case .awaitingGrant(let request) = self.state else {
            throw TN3270UsageError("reject(\(reason)) without a pending LU request (\(self.phase?.description ?? "not negotiating"))")
        }
        var reports: [Action] = []
        switch request.dialect {
        case .tn3270e:
            self.endpoint.send(.deviceTypeReject(reason))
            self.state = .awaitingDeviceTypeRequest
        case .tn3270:
            self.fail(.rejected(reason), &reports)
        }
        return self.endpoint.actions(reports, send: Action.send)
    }

    /// Frames a host record. In TN3270E the machine assigns the sequence
    /// number; `requestingResponse` sets ALWAYS-RESPONSE when RESPONSES was agreed.
    public mutating func sendRecord(
        _ data: ByteBuffer,
        dataType: TN3270EDataType = .data3270,
        requestingResponse: Bool = false
    ) throws(TN3270UsageError) -> TN3270OutboundRecord {
        guard let binding = self.binding else {
            throw TN3270UsageError("sendRecord before the session is bound (\(self.phase?.description ?? "closed"))")
        }
        var bytes = ByteBuffer()
        guard binding.dialect == .tn3270e else {
            bytes.writeTN3270Record(header: nil, data: data)
            return TN3270OutboundRecord(bytes: bytes, sequenceNumber: nil, expectsResponse: false)
        }
        let expectsResponse = requestingResponse && binding.responsesEnabled
        let sequence = self.nextSequenceNumber
        self.nextSequenceNumber = TN3270EHeader.sequenceNumber(after: sequence)
        let header = TN3270EHeader(
            dataType: dataType,
            responseFlag: expectsResponse ? TN3270EResponseFlag.alwaysResponse : TN3270EResponseFlag.noResponse,
            sequenceNumber: sequence
        )
        bytes.writeTN3270Record(header: header, data: data)
        return TN3270OutboundRecord(bytes: bytes, sequenceNumber: sequence, expectsResponse: expectsResponse)
    }

    /// Answers `record` with its own sequence number.
    public func respond(to record: TN3270Record, _ outcome: TN3270Response.Outcome) throws(TN3270UsageError) -> ByteBuffer {
        guard let header = record.header else {
            throw TN3270UsageError("a record without a TN3270E header cannot be answered")
        }
        return try self.respond(TN3270Response(sequenceNumber: header.sequenceNumber, outcome: outcome))
    }

    /// A POSITIVE or NEGATIVE RESPONSE to the client record with the same
    /// sequence number (TN3270E with RESPONSES only).
    public func respond(_ response: TN3270Response) throws(TN3270UsageError) -> ByteBuffer {
        guard let binding = self.binding, binding.responsesEnabled else {
            throw TN3270UsageError("responses need a bound TN3270E session with RESPONSES agreed")
        }
        var bytes = ByteBuffer()
        bytes.writeTN3270Response(response)
        return bytes
    }

    /// IAC DO TIMING-MARK (RFC 860): any live client answers WILL or WONT,
    /// reported as `.probeAnswered`. The owner times out silent clients.
    public mutating func probe() -> ByteBuffer {
        self.outstandingProbes += 1
        var bytes = ByteBuffer()
        bytes.writeTelnetNegotiation(.do, .timingMark)
        return bytes
    }

    /// IAC NOP: keeps TCP busy so a dead peer is noticed by the socket layer;
    /// nothing answers it.
    public func noOperation() -> ByteBuffer {
        var bytes = ByteBuffer()
        bytes.writeTelnetCommand(.noOperation)
        return bytes
    }
}
