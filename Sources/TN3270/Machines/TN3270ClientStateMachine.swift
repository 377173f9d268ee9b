import NIOCore

/// The terminal side of a TN3270 / TN3270E connection, as a value type: feed
/// it what the host sent and act on the returned actions.
///
/// It reaches "bound" in either dialect: TN3270E when the host offers it
/// (DO TN3270E), basic TN3270 when the host refuses it or starts with
/// DO TERMINAL-TYPE.
public struct TN3270ClientStateMachine: Sendable, TelnetDrivenMachine {
    public enum Action: Hashable, Sendable, TelnetMachineAction {
        /// Write these bytes to the host.
        case send(ByteBuffer)
        /// Negotiation finished; records can flow.
        case bound(TN3270Binding)
        /// TN3270E DEVICE-TYPE REJECT: call `retry(...)`, `fallBackToBasic()`
        /// or close the connection.
        case rejected(TN3270ERejectReason)
        /// A host record (with its TN3270E header, if any).
        case record(TN3270Record)
        /// The host's RESPONSE to one of our records.
        case response(TN3270Response)
        /// The host broke the protocol; close the connection.
        case close(TN3270CloseReason)
        /// Answer to `connectionClosed()`.
        case closed(TN3270ConnectionOutcome)
        /// STARTTLS: both FOLLOWS were exchanged. Put a TLS client handler in front of the
        /// connection now, hand it these bytes (what arrived after the host's FOLLOWS) and
        /// call `tlsEstablished()` when its handshake completed.
        case startTLS(ByteBuffer)
    }

    enum State: Hashable, Sendable {
        case initial
        /// We sent WILL START_TLS and FOLLOWS; waiting for the host's FOLLOWS.
        case awaitingStartTLSFollows
        /// The TLS handshake runs below us.
        case tlsHandshake
        case tn3270e(TN3270ENegotiation)
        case basic
        case bound(TN3270Binding)
        case failed(TN3270CloseReason)
        case closed
    }

    enum TN3270ENegotiation: Hashable, Sendable {
        case awaitingSendDeviceType
        case awaitingDeviceType(TN3270ELUTarget)
        case rejected(TN3270ERejectReason)
        case awaitingFunctions(Granted, proposed: [TN3270EFunction], rounds: Int)
    }

    struct Granted: Hashable, Sendable {
        var deviceType: String
        var luName: String
        var requested: TN3270ELUTarget
    }

    public let configuration: TN3270ClientConfiguration
    private var state: State = .initial
    var endpoint: TelnetEndpoint
    private var nextSequenceNumber: UInt16
    /// Once we backed off from TN3270E we refuse it for the rest of the connection.
    private var refusesTN3270E: Bool
    private var sentTerminalType = false
    /// Whether our TERMINAL-TYPE IS carried the `@LU` suffix.
    private var sentTerminalTypeLU = false
    /// STARTTLS completed: the telnet session runs inside TLS now.
    public private(set) var isSecuredByStartTLS = false

    public init(configuration: TN3270ClientConfiguration) {
        self.configuration = configuration
        self.endpoint = TelnetEndpoint(maximumRecordLength: configuration.maximumRecordLength)
        self.nextSequenceNumber = configuration.firstSequenceNumber
        self.refusesTN3270E = !configuration.allowsTN3270E
    }

    /// The binding, once bound.
    public var binding: TN3270Binding? {
        if case .bound(let binding) = self.state { return binding }
        return nil
    }

    /// Where negotiation stands (for logs and the closed outcome).
    public var phase: TN3270NegotiationPhase? {
        switch self.state {
        case .initial: .initial
        case .awaitingStartTLSFollows, .tlsHandshake: .startTLS
        case .tn3270e(.awaitingSendDeviceType), .tn3270e(.awaitingDeviceType): .tn3270eDeviceType
        case .tn3270e(.rejected(let reason)): .tn3270eRejected(reason)
        case .tn3270e(.awaitingFunctions): .tn3270eFunctions
        case .basic: self.sentTerminalType ? .basicOptions : .terminalType
        case .bound, .failed, .closed: nil
        }
    }

    // MARK: - Inbound

    /// Bytes from the host, in order, split anywhere.
    public mutating func receive(_ bytes: ByteBuffer) -> [Action] { self.drive(bytes) }

    /// One decoded event, for owners that run `TelnetDecoder` in a pipeline.
    public mutating func receive(event: TelnetEvent) -> [Action] { self.drive(event: event) }

    /// The TCP connection is gone (either side closed it).
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

    mutating func handle(_ event: TelnetEvent, _ reports: inout [Action]) {
        // During the handshake the bytes are TLS, the owner's to hand to its TLS handler.
        if case .tlsHandshake = self.state { return }
        if self.configuration.requiresStartTLS, !self.isSecuredByStartTLS, !self.startTLSAllows(event, &reports) {
            return
        }
        switch event {
        case .data(let bytes):
            if !self.endpoint.record.append(bytes) {
                self.fail(.recordTooLong(limit: self.configuration.maximumRecordLength), &reports)
            }
        case .command(.endOfRecord):
            self.recordEnded(self.endpoint.record.take(), &reports)
        case .command:
            break  // NOP, GA, AYT ...: nothing to do for a 3270 terminal
        case .negotiation(let verb, let option):
            self.negotiate(verb, option, &reports)
        case .subnegotiation(.terminalType, let payload):
            self.terminalTypeSubnegotiation(payload, &reports)
        case .subnegotiation(.tn3270e, let payload):
            self.tn3270eSubnegotiation(payload, &reports)
        case .subnegotiation(.startTLS, let payload):
            self.startTLSSubnegotiation(payload, &reports)
        case .subnegotiation:
            break  // options we never agreed to; RFC 855 says ignore
        }
    }

    // MARK: - STARTTLS

    /// While STARTTLS is required and not done: whether `event` may be handled as usual.
    /// Only DO START_TLS (and what carries no meaning: NOP, TIMING-MARK, refusals) may come
    /// before it; anything that starts the 3270 dialogue in plaintext closes the connection.
    private mutating func startTLSAllows(_ event: TelnetEvent, _ reports: inout [Action]) -> Bool {
        switch (self.state, event) {
        case (_, .command), (_, .negotiation(_, .timingMark)):
            return true
        case (.initial, .negotiation(.do, .startTLS)), (.initial, .negotiation(.wont, _)), (.initial, .negotiation(.dont, _)):
            return true
        case (.initial, _):
            self.fail(.startTLSNotOffered(Self.describe(event)), &reports)
            return false
        case (.awaitingStartTLSFollows, .subnegotiation(.startTLS, _)):
            return true
        case (.awaitingStartTLSFollows, .negotiation(.dont, .startTLS)):
            self.fail(.startTLSRefused("answered WILL START-TLS with DONT START-TLS"), &reports)
            return false
        case (.awaitingStartTLSFollows, .negotiation(.do, .startTLS)):
            return true  // a repeated DO: nothing to answer (RFC 1143)
        case (.awaitingStartTLSFollows, _):
            self.fail(.startTLSRefused("sent \(Self.describe(event)) instead of IAC SB START-TLS FOLLOWS IAC SE"), &reports)
            return false
        default:
            return true
        }
    }

    private static func describe(_ event: TelnetEvent) -> String {
        if case .data(let bytes) = event { return "\(bytes.readableBytes) bytes of data" }
        return event.description
    }

    private mutating func startTLSSubnegotiation(_ payload: ByteBuffer, _ reports: inout [Action]) {
        guard case .awaitingStartTLSFollows = self.state else { return }  // not asked for: ignore (RFC 855)
        guard payload.readableBytes == 1, payload.getInteger(at: payload.readerIndex, as: UInt8.self) == StartTLSCode.follows else {
            self.fail(.startTLSRefused("sent START-TLS sub-negotiation \(payload.readableBytesView.map { String($0) }.joined(separator: " ")), not FOLLOWS (1)"), &reports)
            return
        }
        // What follows on the wire is TLS: nothing more is telnet until the handshake is done.
        self.state = .tlsHandshake
        reports.append(.startTLS(self.endpoint.parser.takeRemaining()))
    }

    /// The TLS handshake the `.startTLS` action started has completed: telnet starts over
    /// inside TLS (every option is negotiated again; the host speaks first).
    public mutating func tlsEstablished() throws(TN3270UsageError) -> [Action] {
        guard case .tlsHandshake = self.state else {
            throw TN3270UsageError("tlsEstablished without a STARTTLS handshake (\(self.phase?.description ?? "not negotiating"))")
        }
        self.endpoint.restart()
        self.isSecuredByStartTLS = true
        self.sentTerminalType = false
        self.sentTerminalTypeLU = false
        self.refusesTN3270E = !self.configuration.allowsTN3270E
        self.state = .initial
        return self.endpoint.actions([], send: Action.send)
    }

    mutating func fail(_ kind: TN3270ProtocolError.Kind, _ reports: inout [Action]) {
        let reason = TN3270CloseReason.protocolError(self.endpoint.error(kind))
        self.state = .failed(reason)
        reports.append(.close(reason))
    }

    // MARK: - Option negotiation

    private func accepts(_ verb: TelnetVerb, _ option: TelnetOption) -> Bool {
        switch (verb, option) {
        case (.do, .binary), (.do, .endOfRecord), (.do, .terminalType), (.will, .binary), (.will, .endOfRecord):
            return true
        case (.do, .tn3270e):
            // Not once bound: switching dialect mid-session would lose the LU.
            if case .bound = self.state { return false }
            return !self.refusesTN3270E
        case (.do, .startTLS):
            // Only when asked for, once, before anything else (never TLS inside TLS).
            guard case .initial = self.state else { return false }
            return self.configuration.requiresStartTLS && !self.isSecuredByStartTLS
        default:
            return false
        }
    }

    private mutating func negotiate(_ verb: TelnetVerb, _ option: TelnetOption, _ reports: inout [Action]) {
        if option == .timingMark {
            // RFC 860: answer every DO TIMING-MARK; it is not a state to track.
            switch verb {
            case .do: self.endpoint.send(.will, .timingMark)
            case .will: self.endpoint.send(.dont, .timingMark)
            case .wont, .dont: break
            }
            return
        }

        let outcome = self.endpoint.options.receive(verb, option, acceptable: self.accepts(verb, option))
        self.endpoint.send(outcome.reply, option)
        guard let change = outcome.change else { return }

        switch (option, change) {
        case (.startTLS, .enabled(.local)):
            // As x3270 does: announce our FOLLOWS with the WILL, then wait for the host's.
            self.endpoint.sendStartTLSFollows()
            self.state = .awaitingStartTLSFollows
        case (.tn3270e, .enabled(.local)):
            self.state = .tn3270e(.awaitingSendDeviceType)
        case (.tn3270e, .disabled(.local)):
            // DONT TN3270E: the host will not do TN3270E; expect basic TN3270.
            if case .bound = self.state {
                self.fail(.optionDisabled(.tn3270e), &reports)
            } else {
                self.state = .basic
            }
        case (.terminalType, .enabled(.local)):
            if case .initial = self.state { self.state = .basic }
        case (.binary, .enabled(let side)), (.endOfRecord, .enabled(let side)):
            // Hosts usually ask both ways; asking for the other direction
            // ourselves copes with those that only send DO (or only WILL).
            self.endpoint.request(option, side == .local ? .remote : .local)
            self.bindBasicIfReady(&reports)
        case (.binary, .disabled), (.endOfRecord, .disabled):
            if case .bound(let binding) = self.state, binding.dialect == .tn3270 {
                self.fail(.optionDisabled(option), &reports)
            }
        case (.binary, .refused), (.endOfRecord, .refused):
            if case .basic = self.state {
                self.fail(.optionRefused(option), &reports)
            }
        default:
            break
        }
    }

    /// Basic TN3270 is bound once BINARY and EOR are on in both directions
    /// (RFC 1576 §3) and TN3270E is not.
    private mutating func bindBasicIfReady(_ reports: inout [Action]) {
        switch self.state {
        case .initial, .basic: break
        default: return
        }
        let options = self.endpoint.options
        guard options.isEnabled(.binary, .local), options.isEnabled(.binary, .remote),
            options.isEnabled(.endOfRecord, .local), options.isEnabled(.endOfRecord, .remote),
            !options.isEnabled(.tn3270e, .local)
        else { return }
        let binding = TN3270Binding(
            dialect: .tn3270,
            luName: self.sentTerminalTypeLU ? self.configuration.luName : nil,
            requestedLUName: self.configuration.luName,
            deviceType: self.configuration.deviceType
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
        guard message == .send else { return }  // a host's IS means nothing to us
        let name = TerminalTypeName(deviceType: self.configuration.deviceType, luName: self.configuration.luName)
        self.endpoint.send(.is(name.description))
        self.sentTerminalType = true
        self.sentTerminalTypeLU = name.luName != nil
        if case .initial = self.state { self.state = .basic }
    }

    private mutating func tn3270eSubnegotiation(_ payload: ByteBuffer, _ reports: inout [Action]) {
        let message: TN3270ESubnegotiation
        do {
            message = try TN3270ESubnegotiation(payload: payload)
        } catch {
            self.fail(.subnegotiation(error), &reports)
            return
        }
        guard self.endpoint.options.isEnabled(.tn3270e, .local) else { return }

        switch (message, self.state) {
        case (.sendDeviceType, .tn3270e(.awaitingSendDeviceType)):
            self.requestDevice(self.configuration.luName, deviceType: self.configuration.deviceType)

        case (.sendDeviceType, .tn3270e):
            break  // a host prompting again (e.g. after REJECT): the owner decides what to ask

        case (.deviceTypeIs(let deviceType, let name), .tn3270e(.awaitingDeviceType(let requested))):
            // RFC 2355 §7.1: the client takes the type and name the server gives.
            let granted = Granted(deviceType: deviceType, luName: name, requested: requested)
            let proposed = self.configuration.requestedFunctions
            self.endpoint.send(.functionsRequest(proposed))
            self.state = .tn3270e(.awaitingFunctions(granted, proposed: proposed, rounds: 1))

        case (.deviceTypeReject(let reason), .tn3270e(.awaitingDeviceType)):
            self.state = .tn3270e(.rejected(reason))
            reports.append(.rejected(reason))

        case (.functionsIs(let list), .tn3270e(.awaitingFunctions(let granted, let proposed, _))):
            let added = list.filter { !proposed.contains($0) }
            guard added.isEmpty else {
                self.fail(.functionsAdded(added), &reports)
                return
            }
            self.bindTN3270E(granted, functions: list, &reports)

        case (.functionsRequest(let list), .tn3270e(.awaitingFunctions(let granted, _, let rounds))):
            // RFC 2355 §7.2: agree with IS if we support all of the server's
            // list, otherwise counter with the part we do support.
            let supported = list.filter { self.configuration.requestedFunctions.contains($0) }
            if supported.count == list.count {
                self.endpoint.send(.functionsIs(list))
                self.bindTN3270E(granted, functions: list, &reports)
            } else if rounds >= self.configuration.maximumFunctionRounds {
                self.fail(.functionsDidNotConverge(rounds: rounds), &reports)
            } else {
                self.endpoint.send(.functionsRequest(supported))
                self.state = .tn3270e(.awaitingFunctions(granted, proposed: supported, rounds: rounds + 1))
            }

        case (.functionsRequest(let list), .bound(var binding)) where binding.dialect == .tn3270e:
            // Re-negotiation after bind: keep only what we support.
            let supported = list.filter { self.configuration.requestedFunctions.contains($0) }
            if supported.count == list.count {
                self.endpoint.send(.functionsIs(list))
                binding.functions = Set(list)
                self.state = .bound(binding)
            } else {
                self.endpoint.send(.functionsRequest(supported))
            }

        case (.functionsIs(let list), .bound(var binding)) where binding.dialect == .tn3270e:
            binding.functions = Set(list).intersection(self.configuration.requestedFunctions)
            self.state = .bound(binding)

        default:
            self.fail(.unexpected("TN3270E \(message) during \(self.phase?.description ?? "bound session")"), &reports)
        }
    }

    private mutating func requestDevice(_ luName: String?, deviceType: String) {
        let target: TN3270ELUTarget = luName.map { .connect($0) } ?? .any
        self.endpoint.send(.deviceTypeRequest(deviceType: deviceType, target: target))
        self.state = .tn3270e(.awaitingDeviceType(target))
    }

    private mutating func bindTN3270E(_ granted: Granted, functions: [TN3270EFunction], _ reports: inout [Action]) {
        let binding = TN3270Binding(
            dialect: .tn3270e,
            luName: granted.luName,
            requestedLUName: granted.requested.connectName,
            deviceType: granted.deviceType,
            functions: Set(functions)
        )
        self.state = .bound(binding)
        // Unterminated bytes from before the bind are NVT text (a banner), not a record.
        _ = self.endpoint.record.take()
        reports.append(.bound(binding))
    }

    // MARK: - Records

    private var inTN3270EDataMode: Bool {
        switch self.state {
        case .bound(let binding): binding.dialect == .tn3270e
        case .tn3270e(.awaitingFunctions): true
        default: false
        }
    }

    private mutating func recordEnded(_ bytes: ByteBuffer, _ reports: inout [Action]) {
        guard self.inTN3270EDataMode else {
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
            return
        }
        reports.append(.record(TN3270Record(header: header, data: data)))
        if header.responseFlag == TN3270EResponseFlag.alwaysResponse,
            header.dataType == .data3270 || header.dataType == .scsData,
            self.configuration.acknowledgesHostRequests, self.binding?.responsesEnabled == true
        {
            self.endpoint.send(TN3270Response(sequenceNumber: header.sequenceNumber, outcome: .positive))
        }
    }

    // MARK: - Owner requests

    /// Frames `data` for the host. In TN3270E the machine assigns the
    /// sequence number and asks for a response when RESPONSES was agreed and
    /// `requestsResponse` (false for records that are no input, e.g. a Query Reply).
    public mutating func sendRecord(_ data: ByteBuffer, requestsResponse: Bool = true) throws(TN3270UsageError) -> TN3270OutboundRecord {
        guard let binding = self.binding else {
            throw TN3270UsageError("sendRecord before the session is bound (\(self.phase?.description ?? "closed"))")
        }
        var bytes = ByteBuffer()
        guard binding.dialect == .tn3270e else {
            bytes.writeTN3270Record(header: nil, data: data)
            return TN3270OutboundRecord(bytes: bytes, sequenceNumber: nil, expectsResponse: false)
        }
        let sequence = self.nextSequenceNumber
        self.nextSequenceNumber = TN3270EHeader.sequenceNumber(after: sequence)
        let asks = binding.responsesEnabled && requestsResponse
        let header = TN3270EHeader(
            dataType: .data3270,
            responseFlag: asks ? TN3270EResponseFlag.alwaysResponse : TN3270EResponseFlag.noResponse,
            sequenceNumber: sequence
        )
        bytes.writeTN3270Record(header: header, data: data)
        return TN3270OutboundRecord(bytes: bytes, sequenceNumber: sequence, expectsResponse: asks)
    }

    /// Answers `record` with its own sequence number.
    public func respond(to record: TN3270Record, _ outcome: TN3270Response.Outcome) throws(TN3270UsageError) -> ByteBuffer {
        guard let header = record.header else {
            throw TN3270UsageError("a record without a TN3270E header cannot be answered")
        }
        return try self.respond(TN3270Response(sequenceNumber: header.sequenceNumber, outcome: outcome))
    }

    /// Answers a host record that asked for a response (when
    /// `acknowledgesHostRequests` is off, or to send a negative one).
    public func respond(_ response: TN3270Response) throws(TN3270UsageError) -> ByteBuffer {
        guard self.binding?.dialect == .tn3270e else {
            throw TN3270UsageError("responses exist only in a bound TN3270E session")
        }
        var bytes = ByteBuffer()
        bytes.writeTN3270Response(response)
        return bytes
    }

    /// After `.rejected`: ask again on the same connection (RFC 2355 §7.1
    /// lets the client send another DEVICE-TYPE REQUEST).
    public mutating func retry(luName: String?, deviceType: String? = nil) throws(TN3270UsageError) -> [Action] {
        guard case .tn3270e(.rejected) = self.state else {
            throw TN3270UsageError("retry only after a DEVICE-TYPE REJECT (now: \(self.phase?.description ?? "not negotiating"))")
        }
        self.requestDevice(luName, deviceType: deviceType ?? self.configuration.deviceType)
        return self.endpoint.actions([], send: Action.send)
    }

    /// After `.rejected` (or while TN3270E negotiates): give up on TN3270E
    /// with WONT TN3270E; the host then negotiates basic TN3270.
    public mutating func fallBackToBasic() throws(TN3270UsageError) -> [Action] {
        guard case .tn3270e = self.state else {
            throw TN3270UsageError("fallBackToBasic only during TN3270E negotiation (now: \(self.phase?.description ?? "not negotiating"))")
        }
        self.refusesTN3270E = true
        self.endpoint.send(self.endpoint.options.requestDisable(.tn3270e, .local), .tn3270e)
        self.state = .basic
        return self.endpoint.actions([], send: Action.send)
    }
}
