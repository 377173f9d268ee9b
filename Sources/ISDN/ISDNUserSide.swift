import NIOCore

/// The user side of a basic-rate interface's D channel, one call at a time: Q.921 (LAPD,
/// user role, SAPI 0, fixed TEI) and the Q.931 user call states. netmgrd's ISDN attachment
/// and the host simulator's ISDN line use it. A value type: events in, actions out.
public struct ISDNUserSide: Sendable {
    /// What to do with an incoming SETUP.
    public enum IncomingCallPolicy: Hashable, Sendable {
        /// Report `.incomingCall` and wait for `answerIncoming(_:now:)`.
        case ask
        /// Answer at once (CALL PROCEEDING, ALERTING, CONNECT).
        case answer
        /// Refuse with RELEASE COMPLETE, cause 21 (call rejected).
        case reject
    }

    public struct Configuration: Hashable, Sendable {
        /// This subscriber's number: the calling party number of our SETUPs.
        public var ownNumber: String
        public var tei: UInt8
        public var incomingCalls: IncomingCallPolicy
        /// nil: any B channel (the network chooses); else this channel, preferred.
        public var preferredChannel: ISDNChannel?
        /// SETUP sent → first answer (sent twice).
        public var t303: TimeAmount
        /// DISCONNECT sent → RELEASE.
        public var t305: TimeAmount
        /// RELEASE sent → RELEASE COMPLETE (sent twice).
        public var t308: TimeAmount
        /// CALL PROCEEDING received → ALERTING, CONNECT or DISCONNECT.
        public var t310: TimeAmount
        /// CONNECT sent → CONNECT ACKNOWLEDGE.
        public var t313: TimeAmount
        /// call() → CONNECT, whatever happens in between.
        public var connectTimeout: TimeAmount
        public var link: LAPDLink.Settings

        public init(
            ownNumber: String, tei: UInt8 = 0, incomingCalls: IncomingCallPolicy = .ask, preferredChannel: ISDNChannel? = nil,
            t303: TimeAmount = .seconds(4), t305: TimeAmount = .seconds(30), t308: TimeAmount = .seconds(4),
            t310: TimeAmount = .seconds(10), t313: TimeAmount = .seconds(4), connectTimeout: TimeAmount = .seconds(60),
            link: LAPDLink.Settings = LAPDLink.Settings()
        ) {
            self.ownNumber = ownNumber
            self.tei = tei
            self.incomingCalls = incomingCalls
            self.preferredChannel = preferredChannel
            self.t303 = t303
            self.t305 = t305
            self.t308 = t308
            self.t310 = t310
            self.t313 = t313
            self.connectTimeout = connectTimeout
            self.link = link
        }
    }

    public enum Action: Hashable, Sendable {
        /// One D-channel LAPD frame for the network (channel byte NOT included).
        case send(ByteBuffer)
        /// The call is active: the B channel may carry SDLC now. For an outgoing call
        /// callingNumber is ours; for an incoming one it is the caller's.
        case connected(channel: ISDNChannel, callingNumber: String, calledNumber: String)
        /// The call is gone (either side, or a failure here), cause per Q.850.
        case cleared(cause: UInt8, reason: String)
        /// An incoming SETUP; with `.ask` answer it with `answerIncoming(_:now:)`.
        case incomingCall(callingNumber: String?, calledNumber: String?)
        /// Call `tick(now:)` at this time (the earliest deadline).
        case setTimer(NIODeadline)
    }

    /// Q.931 call states (user side) this machine uses.
    public enum CallState: UInt8, Hashable, Sendable {
        case null = 0
        case callInitiated = 1
        case outgoingCallProceeding = 3
        case callDelivered = 4
        case callPresent = 6
        case callReceived = 7
        case connectRequest = 8
        case incomingCallProceeding = 9
        case active = 10
        case disconnectRequest = 11
        case disconnectIndication = 12
        case releaseRequest = 19
    }

    struct Call: Sendable {
        var reference: UInt16
        var weOriginated: Bool
        /// Octets of call reference the network used (1 on a BRI; kept for our answers).
        var referenceLength = 1
        var state: CallState
        var channel: ISDNChannel?
        var callingNumber: String?
        var calledNumber: String?
        var timer: NIODeadline?
        var timerFired = 0
        var connectDeadline: NIODeadline?
        var clearCause: UInt8 = Q931Cause.normalClearing
        var clearReason = ""
        var setup: Q931Message?
    }

    public let configuration: Configuration
    public private(set) var link: LAPDLink
    var call: Call?
    var nextReference: UInt16 = 1
    var started = false
    var relinkAt: NIODeadline?
    /// The data link was up: a further `.established` is a reset (Q.921 re-establishment).
    var linkUp = false

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.link = LAPDLink(role: .user, tei: configuration.tei, settings: configuration.link)
    }

    /// The current call's Q.931 state (`.null` without a call).
    public var callState: CallState { call?.state ?? .null }

    public var nextDeadline: NIODeadline? {
        [link.nextDeadline, call?.timer, call?.connectDeadline, relinkAt].compactMap { $0 }.min()
    }

    /// Layer 1 is up: establish the data link (SABME).
    public mutating func start(now: NIODeadline) -> [Action] {
        started = true
        return finish(handle(link.establish(now: now), now: now), now: now)
    }

    /// Places a call to `number` (SETUP with bearer capability, channel identification,
    /// called and calling party number). Ignored while a call exists.
    public mutating func call(_ number: String, now: NIODeadline) -> [Action] {
        guard call == nil else { return [] }
        let numbers: [Q931InformationElement]
        do {
            numbers = [try .callingPartyNumber(configuration.ownNumber), try .calledPartyNumber(number)]
        } catch {
            return [.cleared(cause: Q931Cause.invalidNumberFormat, reason: "no SETUP sent: \(error)")]
        }
        let reference = nextReference
        nextReference = nextReference >= 127 ? 1 : nextReference + 1
        let setup = Q931Message(
            callReference: reference, fromOriginator: true, type: .setup,
            elements: [
                .unrestrictedDigitalBearer,
                .channelIdentification(configuration.preferredChannel, exclusive: false),
            ] + numbers)
        call = Call(
            reference: reference, weOriginated: true, state: .callInitiated, callingNumber: configuration.ownNumber,
            calledNumber: number, timer: now + configuration.t303, connectDeadline: now + configuration.connectTimeout, setup: setup)
        return finish(transmit(setup, now: now), now: now)
    }

    /// Answers (CALL PROCEEDING, ALERTING, CONNECT) or refuses (RELEASE COMPLETE, cause 21)
    /// the incoming call reported by `.incomingCall`.
    public mutating func answerIncoming(_ yes: Bool, now: NIODeadline) -> [Action] {
        guard let current = call, current.state == .callPresent else { return [] }
        if yes { return finish(answer(now: now), now: now) }
        let refusal = message(.releaseComplete, [.cause(Q931Cause.callRejected)])
        call = nil
        return finish(transmit(refusal, reference: current.reference, now: now)
            + [.cleared(cause: Q931Cause.callRejected, reason: "incoming call refused here")], now: now)
    }

    /// Clears the call with `cause` (DISCONNECT → RELEASE → RELEASE COMPLETE).
    public mutating func hangUp(cause: UInt8, now: NIODeadline) -> [Action] {
        guard let current = call else { return [] }
        switch current.state {
        case .callPresent:
            call = nil
            return finish(transmit(message(.releaseComplete, [.cause(cause)]), reference: current.reference, now: now)
                + [.cleared(cause: cause, reason: "incoming call refused here")], now: now)
        case .disconnectRequest, .disconnectIndication, .releaseRequest, .null:
            return []
        default:
            return finish(disconnect(cause: cause, reason: "cleared here (\(Q931Cause.name(cause)))", now: now), now: now)
        }
    }

    /// Layer 1 went away (the interface closed): the call is gone with cause 41.
    public mutating func layer1Deactivated(now: NIODeadline) -> [Action] {
        _ = link.layer1Deactivated(reason: "layer 1 deactivated")
        started = false
        linkUp = false
        relinkAt = nil
        return clearLocally(cause: Q931Cause.temporaryFailure, reason: "the ISDN interface closed (layer 1 deactivated)")
    }

    public mutating func receive(_ dFrame: ByteBuffer, now: NIODeadline) -> [Action] {
        guard let frame = try? LAPDFrame(parsing: dFrame) else { return [] }
        return finish(handle(link.receive(frame, now: now), now: now), now: now)
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions = handle(link.tick(now: now), now: now)
        if let at = relinkAt, at <= now {
            relinkAt = nil
            actions += handle(link.establish(now: now), now: now)
        }
        if var current = call, let deadline = current.connectDeadline, deadline <= now {
            current.connectDeadline = nil
            call = current
            if [.callInitiated, .outgoingCallProceeding, .callDelivered].contains(current.state) {
                actions += disconnect(cause: Q931Cause.recoveryOnTimerExpiry, reason: "no CONNECT within the connect timeout", now: now)
            }
        }
        if let current = call, let deadline = current.timer, deadline <= now {
            actions += callTimerExpired(now: now)
        }
        return finish(actions, now: now)
    }

    // MARK: internals

    private func finish(_ actions: [Action], now: NIODeadline) -> [Action] {
        guard let deadline = nextDeadline else { return actions }
        return actions + [.setTimer(deadline)]
    }

    private func message(_ type: Q931MessageType, _ elements: [Q931InformationElement] = []) -> Q931Message {
        Q931Message(callReference: call?.reference ?? 0, fromOriginator: call?.weOriginated ?? false, type: type, elements: elements,
                    callReferenceLength: call?.referenceLength ?? 1)
    }

    private mutating func transmit(_ message: Q931Message, reference: UInt16? = nil, now: NIODeadline) -> [Action] {
        var message = message
        if let reference { message.callReference = reference }
        return handle(link.send(message.bytes, now: now), now: now)
    }

    /// Turns data link events into actions; layer 3 messages go to the call machine.
    private mutating func handle(_ events: [LAPDLink.Event], now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        for event in events {
            switch event {
            case .transmit(let frame):
                actions.append(.send(frame.bytes))
            case .established:
                relinkAt = nil
                if linkUp, let current = call {
                    // The link was reset under the call: the network may have lost it too.
                    // Clear it here and tell the network, so that both ends agree.
                    let release = Q931Message(callReference: current.reference, fromOriginator: current.weOriginated, type: .releaseComplete,
                                              elements: [.cause(Q931Cause.temporaryFailure)], callReferenceLength: current.referenceLength)
                    actions += clearLocally(cause: Q931Cause.temporaryFailure, reason: "D-channel data link reset during the call")
                    actions += handle(link.send(release.bytes, now: now), now: now)
                }
                linkUp = true
            case .released(let reason):
                linkUp = false
                actions += clearLocally(cause: Q931Cause.temporaryFailure, reason: "D-channel data link lost: \(reason)")
                if started, !link.isEstablished, link.state == .released { relinkAt = now + configuration.link.t200 }
            case .received(let bytes):
                guard let message = try? Q931Message(parsing: bytes) else { continue }
                actions += receive(message, now: now)
            case .discarded(let reason):
                actions += clearLocally(cause: Q931Cause.temporaryFailure, reason: reason)
            }
        }
        return actions
    }

    private mutating func clearLocally(cause: UInt8, reason: String) -> [Action] {
        guard call != nil else { return [] }
        call = nil
        return [.cleared(cause: cause, reason: reason)]
    }

    private mutating func answer(now: NIODeadline) -> [Action] {
        guard var current = call else { return [] }
        let channel = current.channel ?? .b1
        current.channel = channel
        current.state = .connectRequest
        current.timer = now + configuration.t313
        current.timerFired = 0
        call = current
        let channelElement = Q931InformationElement.channelIdentification(channel, exclusive: true)
        return transmit(message(.callProceeding, [channelElement]), now: now)
            + transmit(message(.alerting), now: now)
            + transmit(message(.connect), now: now)
    }

    private mutating func disconnect(cause: UInt8, reason: String, now: NIODeadline) -> [Action] {
        guard var current = call else { return [] }
        current.state = .disconnectRequest
        current.timer = now + configuration.t305
        current.timerFired = 0
        current.connectDeadline = nil
        current.clearCause = cause
        current.clearReason = reason
        call = current
        return transmit(message(.disconnect, [.cause(cause)]), now: now)
    }

    private mutating func sendRelease(cause: UInt8, reason: String, now: NIODeadline) -> [Action] {
        guard var current = call else { return [] }
        current.state = .releaseRequest
        current.timer = now + configuration.t308
        current.timerFired = 0
        current.connectDeadline = nil
        current.clearCause = cause
        current.clearReason = reason
        call = current
        return transmit(message(.release, [.cause(cause)]), now: now)
    }

    private mutating func callTimerExpired(now: NIODeadline) -> [Action] {
        guard var current = call else { return [] }
        current.timer = nil
        current.timerFired += 1
        call = current
        switch current.state {
        case .callInitiated:
            if current.timerFired < 2, let setup = current.setup {
                current.timer = now + configuration.t303
                call = current
                return transmit(setup, now: now)
            }
            let cause = Q931Cause.noUserResponding
            call = nil
            return transmit(Q931Message(callReference: current.reference, fromOriginator: true, type: .releaseComplete,
                                        elements: [.cause(Q931Cause.recoveryOnTimerExpiry)]), now: now)
                + [.cleared(cause: cause, reason: "no answer to SETUP (T303 expired twice)")]
        case .outgoingCallProceeding:
            return disconnect(cause: Q931Cause.recoveryOnTimerExpiry, reason: "no ALERTING or CONNECT after CALL PROCEEDING (T310)", now: now)
        case .connectRequest:
            return disconnect(cause: Q931Cause.recoveryOnTimerExpiry, reason: "no CONNECT ACKNOWLEDGE (T313)", now: now)
        case .disconnectRequest:
            return sendRelease(cause: current.clearCause, reason: current.clearReason + "; no RELEASE after DISCONNECT (T305)", now: now)
        case .releaseRequest:
            if current.timerFired < 2 {
                current.timer = now + configuration.t308
                call = current
                return transmit(message(.release, [.cause(current.clearCause)]), now: now)
            }
            call = nil
            return [.cleared(cause: current.clearCause, reason: current.clearReason + "; no RELEASE COMPLETE (T308 expired twice)")]
        default:
            return []
        }
    }

    private mutating func receive(_ message: Q931Message, now: NIODeadline) -> [Action] {
        if message.callReferenceLength == 0 || message.callReference == 0 {
            return receiveGlobal(message, now: now)
        }
        guard var current = call, current.reference == message.callReference, current.weOriginated != message.fromOriginator else {
            return receiveForUnknownCall(message, now: now)
        }
        switch message.type {
        case .callProceeding, .alerting, .setupAcknowledge, .progress:
            if let channel = message.channel { current.channel = channel }
            switch (message.type, current.state) {
            case (.callProceeding, .callInitiated):
                current.state = .outgoingCallProceeding
                current.timer = now + configuration.t310
            case (.alerting, .callInitiated), (.alerting, .outgoingCallProceeding):
                current.state = .callDelivered
                current.timer = nil
            default:
                break
            }
            call = current
            return []
        case .connect:
            guard [.callInitiated, .outgoingCallProceeding, .callDelivered].contains(current.state) else { return [] }
            if let channel = message.channel { current.channel = channel }
            let channel = current.channel ?? .b1
            current.channel = channel
            current.state = .active
            current.timer = nil
            current.connectDeadline = nil
            call = current
            return transmit(self.message(.connectAcknowledge), now: now)
                + [.connected(channel: channel, callingNumber: configuration.ownNumber, calledNumber: current.calledNumber ?? "")]
        case .connectAcknowledge:
            guard current.state == .connectRequest else { return [] }
            current.state = .active
            current.timer = nil
            call = current
            return [.connected(channel: current.channel ?? .b1, callingNumber: current.callingNumber ?? "",
                               calledNumber: current.calledNumber ?? configuration.ownNumber)]
        case .disconnect:
            let cause = message.cause ?? Q931Cause.normalUnspecified
            if current.state == .releaseRequest { return [] }
            let reason = "the network cleared the call (DISCONNECT, cause \(cause) \(Q931Cause.name(cause)))"
            if current.state == .disconnectRequest {
                // Both cleared at once: go on to RELEASE with our cause.
                return sendRelease(cause: current.clearCause, reason: current.clearReason, now: now)
            }
            return sendRelease(cause: cause, reason: reason, now: now)
        case .release:
            let cause = message.cause ?? current.clearCause
            let reason = current.state == .disconnectRequest || current.state == .releaseRequest
                ? current.clearReason
                : "the network released the call (RELEASE, cause \(cause) \(Q931Cause.name(cause)))"
            let reported = current.state == .disconnectRequest || current.state == .releaseRequest ? current.clearCause : cause
            let completion = self.message(.releaseComplete)
            call = nil
            return transmit(completion, reference: current.reference, now: now) + [.cleared(cause: reported, reason: reason)]
        case .releaseComplete:
            let cause = message.cause ?? Q931Cause.normalUnspecified
            call = nil
            if current.state == .releaseRequest || current.state == .disconnectRequest {
                return [.cleared(cause: current.clearCause, reason: current.clearReason)]
            }
            return [.cleared(cause: cause, reason: "the network released the call (RELEASE COMPLETE, cause \(cause) \(Q931Cause.name(cause)))")]
        case .statusEnquiry:
            return transmit(self.message(.status, [.cause(30), callStateElement(current.state)]), now: now)
        case .status:
            if message.element(0x14)?.contents.first.map({ $0 & 0x3F }) == 0 {
                call = nil
                return [.cleared(cause: message.cause ?? Q931Cause.temporaryFailure, reason: "the network has no such call (STATUS, call state 0)")]
            }
            return []
        case .setup:
            return []
        default:
            return []
        }
    }

    private func callStateElement(_ state: CallState) -> Q931InformationElement {
        Q931InformationElement(identifier: 0x14, contents: [state.rawValue])
    }

    private mutating func receiveGlobal(_ message: Q931Message, now: NIODeadline) -> [Action] {
        guard message.type == .restart else { return [] }
        var acknowledgement = message
        acknowledgement.type = .restartAcknowledge
        acknowledgement.fromOriginator = !message.fromOriginator
        return handle(link.send(acknowledgement.bytes, now: now), now: now)
            + clearLocally(cause: Q931Cause.temporaryFailure, reason: "the network restarted the interface (RESTART)")
    }

    private mutating func receiveForUnknownCall(_ message: Q931Message, now: NIODeadline) -> [Action] {
        let reply = Q931Message(callReference: message.callReference, fromOriginator: !message.fromOriginator, type: .releaseComplete,
                                elements: [.cause(Q931Cause.invalidCallReference)], callReferenceLength: message.callReferenceLength)
        switch message.type {
        case .setup:
            guard message.fromOriginator else { return [] }
            if call != nil {
                var busy = reply
                busy.elements = [.cause(Q931Cause.userBusy)]
                return handle(link.send(busy.bytes, now: now), now: now)
            }
            return incomingSetup(message, now: now)
        case .releaseComplete, .status:
            return []
        default:
            return handle(link.send(reply.bytes, now: now), now: now)
        }
    }

    private mutating func incomingSetup(_ setup: Q931Message, now: NIODeadline) -> [Action] {
        call = Call(reference: setup.callReference, weOriginated: false, referenceLength: max(1, setup.callReferenceLength), state: .callPresent,
                    channel: setup.channel, callingNumber: setup.callingNumber, calledNumber: setup.calledNumber ?? configuration.ownNumber)
        let informed = Action.incomingCall(callingNumber: setup.callingNumber, calledNumber: setup.calledNumber)
        switch configuration.incomingCalls {
        case .ask:
            return [informed]
        case .answer:
            return [informed] + answer(now: now)
        case .reject:
            let reference = setup.callReference
            call = nil
            let refusal = Q931Message(callReference: reference, fromOriginator: false, type: .releaseComplete,
                                      elements: [.cause(Q931Cause.callRejected)], callReferenceLength: setup.callReferenceLength)
            return [informed] + handle(link.send(refusal.bytes, now: now), now: now)
                + [.cleared(cause: Q931Cause.callRejected, reason: "incoming call refused here (configuration)")]
        }
    }
}
