import NIOCore

/// A call on one subscriber interface, as the network side names it.
public struct ISDNCallID: Hashable, Sendable, CustomStringConvertible {
    public var callReference: UInt16
    /// True for the subscriber's own calls (its SETUP); false for calls the exchange delivered.
    public var originatedBySubscriber: Bool

    public init(callReference: UInt16, originatedBySubscriber: Bool) {
        self.callReference = callReference
        self.originatedBySubscriber = originatedBySubscriber
    }

    public var description: String { "call reference \(callReference) (\(originatedBySubscriber ? "subscriber's" : "network's"))" }
}

/// The network side of one subscriber's basic-rate interface, for the exchange simulator:
/// Q.921 (LAPD, network role) and the Q.931 network call states, up to two calls (B1, B2).
/// The exchange routes: a subscriber's SETUP comes out as `.callRequested`; the exchange
/// delivers it to the called interface with `deliverSetup`, and relays that side's
/// `.alerting`, `.answered` and `.cleared` back with `alert`, `connect` and `release`.
public struct ISDNNetworkSide: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The subscriber's number: what the called party sees as the calling number
        /// (network-provided; the user's own calling party number is not trusted).
        public var subscriberNumber: String
        public var tei: UInt8
        /// SETUP delivered → first answer (sent twice, then cause 18).
        public var t303: TimeAmount
        /// DISCONNECT sent → RELEASE.
        public var t305: TimeAmount
        /// RELEASE sent → RELEASE COMPLETE (sent twice).
        public var t308: TimeAmount
        /// SETUP delivered → CONNECT; then the call is cleared with cause 19 (no answer).
        public var noAnswerTimeout: TimeAmount
        public var link: LAPDLink.Settings

        public init(
            subscriberNumber: String, tei: UInt8 = 0, t303: TimeAmount = .seconds(4), t305: TimeAmount = .seconds(30),
            t308: TimeAmount = .seconds(4), noAnswerTimeout: TimeAmount = .seconds(30), link: LAPDLink.Settings = LAPDLink.Settings()
        ) {
            self.subscriberNumber = subscriberNumber
            self.tei = tei
            self.t303 = t303
            self.t305 = t305
            self.t308 = t308
            self.noAnswerTimeout = noAnswerTimeout
            self.link = link
        }
    }

    public enum Action: Hashable, Sendable {
        /// One D-channel LAPD frame for the subscriber (channel byte not included).
        case send(ByteBuffer)
        /// The subscriber asks for a call (its SETUP; CALL PROCEEDING already sent). Route it;
        /// then `alert`, `connect` or `release` this call.
        case callRequested(ISDNCallID, channel: ISDNChannel, callingNumber: String?, calledNumber: String)
        /// The called subscriber is alerting (a call from `deliverSetup`).
        case alerting(ISDNCallID)
        /// The called subscriber answered (CONNECT; CONNECT ACKNOWLEDGE sent): connect it through.
        case answered(ISDNCallID, channel: ISDNChannel)
        /// The call ended on this interface (the subscriber cleared it, a timer, the link):
        /// clear the other leg with this cause. Not reported for `release` requests.
        case cleared(ISDNCallID, cause: UInt8, reason: String)
        /// The D-channel data link came up.
        case linkUp
        /// The D-channel data link went down.
        case linkDown(reason: String)
        /// Call `tick(now:)` at this time.
        case setTimer(NIODeadline)
    }

    /// Q.931 network call states used here.
    public enum CallState: UInt8, Hashable, Sendable {
        case outgoingCallProceeding = 3
        case callDelivered = 4
        case callPresent = 6
        case callReceived = 7
        case incomingCallProceeding = 9
        case active = 10
        case disconnectIndication = 12
        case releaseRequest = 19
    }

    struct Call: Sendable {
        var state: CallState
        var channel: ISDNChannel
        var timer: NIODeadline?
        var timerFired = 0
        var noAnswerDeadline: NIODeadline?
        var cause: UInt8 = Q931Cause.normalClearing
        var reported = false
        var setup: Q931Message?
    }

    public let configuration: Configuration
    public private(set) var link: LAPDLink
    var calls: [ISDNCallID: Call] = [:]
    var nextReference: UInt16 = 1
    /// The data link was up: a further `.established` is a reset (Q.921 re-establishment).
    var linkUp = false

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.link = LAPDLink(role: .network, tei: configuration.tei, settings: configuration.link)
    }

    /// The calls on this interface and their states.
    public var callStates: [ISDNCallID: CallState] { calls.mapValues(\.state) }

    public var nextDeadline: NIODeadline? {
        ([link.nextDeadline] + calls.values.flatMap { [$0.timer, $0.noAnswerDeadline] }).compactMap { $0 }.min()
    }

    /// Layer 1 is up. The network waits for the subscriber's SABME; nothing to send.
    public mutating func start(now: NIODeadline) -> [Action] { [] }

    public mutating func receive(_ dFrame: ByteBuffer, now: NIODeadline) -> [Action] {
        guard let frame = try? LAPDFrame(parsing: dFrame) else { return [] }
        return finish(handle(link.receive(frame, now: now), now: now))
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions = handle(link.tick(now: now), now: now)
        for id in calls.keys.sorted(by: { $0.callReference < $1.callReference }) {
            guard let call = calls[id] else { continue }
            if let deadline = call.noAnswerDeadline, deadline <= now {
                calls[id]?.noAnswerDeadline = nil
                actions += disconnect(id, cause: Q931Cause.noAnswer, reason: "no answer within \(configuration.noAnswerTimeout)", now: now)
            } else if let deadline = call.timer, deadline <= now {
                actions += timerExpired(id, now: now)
            }
        }
        return finish(actions)
    }

    /// Layer 1 went away (the subscriber's interface closed): every call is cleared, cause 41.
    public mutating func layer1Deactivated(now: NIODeadline) -> [Action] {
        _ = link.layer1Deactivated(reason: "layer 1 deactivated")
        linkUp = false
        return clearAll(reason: "the subscriber's interface closed") + [.linkDown(reason: "layer 1 deactivated")]
    }

    /// Offers a call to this subscriber (SETUP with the calling and called number, B channel
    /// exclusive). nil when both B channels are in use (the exchange answers the caller with
    /// cause 17, user busy), or when the called number cannot be sent unchanged (`Q931NumberError`);
    /// a calling number that cannot is left out (the element is optional).
    public mutating func deliverSetup(callingNumber: String?, calledNumber: String, now: NIODeadline) -> (call: ISDNCallID?, actions: [Action]) {
        guard let channel = freeChannel(), let called = try? Q931InformationElement.calledPartyNumber(calledNumber) else { return (nil, []) }
        var reference = nextReference
        for _ in 0..<127 where calls[ISDNCallID(callReference: reference, originatedBySubscriber: false)] != nil {
            reference = reference >= 127 ? 1 : reference + 1
        }
        nextReference = reference >= 127 ? 1 : reference + 1
        let id = ISDNCallID(callReference: reference, originatedBySubscriber: false)
        var elements: [Q931InformationElement] = [.unrestrictedDigitalBearer, .channelIdentification(channel, exclusive: true)]
        if let callingNumber, let calling = try? Q931InformationElement.callingPartyNumber(callingNumber) { elements.append(calling) }
        elements.append(called)
        let setup = Q931Message(callReference: reference, fromOriginator: true, type: .setup, elements: elements)
        calls[id] = Call(state: .callPresent, channel: channel, timer: now + configuration.t303,
                         noAnswerDeadline: now + configuration.noAnswerTimeout, setup: setup)
        return (id, finish(transmit(setup, now: now)))
    }

    /// The called party is alerting: ALERTING to this subscriber (its own call).
    public mutating func alert(_ id: ISDNCallID, now: NIODeadline) -> [Action] {
        guard var call = calls[id], call.state == .outgoingCallProceeding else { return [] }
        call.state = .callDelivered
        calls[id] = call
        return finish(transmit(message(.alerting, id), now: now))
    }

    /// The called party answered: CONNECT to this subscriber (its own call); active.
    public mutating func connect(_ id: ISDNCallID, now: NIODeadline) -> [Action] {
        guard var call = calls[id], call.state == .outgoingCallProceeding || call.state == .callDelivered else { return [] }
        call.state = .active
        calls[id] = call
        return finish(transmit(message(.connect, id, [.channelIdentification(call.channel, exclusive: true)]), now: now))
    }

    /// The other leg is gone, busy (17), not answering (19), …: clears this subscriber's call
    /// with `cause` (DISCONNECT, or RELEASE COMPLETE before the subscriber answered a SETUP).
    public mutating func release(_ id: ISDNCallID, cause: UInt8, now: NIODeadline) -> [Action] {
        guard calls[id] != nil else { return [] }
        calls[id]?.reported = true
        return finish(disconnect(id, cause: cause, reason: "", now: now))
    }

    // MARK: internals

    private func finish(_ actions: [Action]) -> [Action] {
        guard let deadline = nextDeadline else { return actions }
        return actions + [.setTimer(deadline)]
    }

    private func freeChannel(preferring wanted: ISDNChannel? = nil) -> ISDNChannel? {
        let used = Set(calls.values.map(\.channel))
        if let wanted, wanted != .d, !used.contains(wanted) { return wanted }
        return [ISDNChannel.b1, .b2].first { !used.contains($0) }
    }

    private func message(_ type: Q931MessageType, _ id: ISDNCallID, _ elements: [Q931InformationElement] = []) -> Q931Message {
        // Our messages on the subscriber's calls carry the flag (we did not allocate the reference).
        Q931Message(callReference: id.callReference, fromOriginator: !id.originatedBySubscriber, type: type, elements: elements)
    }

    private mutating func transmit(_ message: Q931Message, now: NIODeadline) -> [Action] {
        handle(link.send(message.bytes, now: now), now: now)
    }

    private mutating func handle(_ events: [LAPDLink.Event], now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        for event in events {
            switch event {
            case .transmit(let frame):
                actions.append(.send(frame.bytes))
            case .established:
                if linkUp, !calls.isEmpty {
                    // The link was reset under the calls: clear them here and tell the subscriber.
                    let references = calls.keys.sorted { $0.callReference < $1.callReference }
                    actions += clearAll(reason: "D-channel data link reset")
                    for id in references {
                        actions += handle(link.send(message(.releaseComplete, id, [.cause(Q931Cause.temporaryFailure, location: 2)]).bytes, now: now), now: now)
                    }
                }
                linkUp = true
                actions.append(.linkUp)
            case .released(let reason):
                linkUp = false
                actions += clearAll(reason: "D-channel data link lost: \(reason)") + [.linkDown(reason: reason)]
            case .received(let bytes):
                guard let message = try? Q931Message(parsing: bytes) else { continue }
                actions += receive(message, now: now)
            case .discarded:
                break
            }
        }
        return actions
    }

    private mutating func clearAll(reason: String) -> [Action] {
        var actions: [Action] = []
        for (id, call) in calls.sorted(by: { $0.key.callReference < $1.key.callReference }) where !call.reported {
            actions.append(.cleared(id, cause: Q931Cause.temporaryFailure, reason: reason))
        }
        calls.removeAll()
        return actions
    }

    /// Ends the call here; reports it once unless the exchange asked for it.
    private mutating func report(_ id: ISDNCallID, cause: UInt8, reason: String) -> [Action] {
        guard let call = calls[id], !call.reported else { return [] }
        calls[id]?.reported = true
        return [.cleared(id, cause: cause, reason: reason)]
    }

    private mutating func disconnect(_ id: ISDNCallID, cause: UInt8, reason: String, now: NIODeadline) -> [Action] {
        guard var call = calls[id] else { return [] }
        switch call.state {
        case .disconnectIndication, .releaseRequest:
            return []
        default:
            break
        }
        var actions = report(id, cause: cause, reason: reason)
        call.state = .disconnectIndication
        call.cause = cause
        call.timer = now + configuration.t305
        call.timerFired = 0
        call.noAnswerDeadline = nil
        call.reported = true
        calls[id] = call
        actions += transmit(message(.disconnect, id, [.cause(cause, location: 2)]), now: now)
        return actions
    }

    private mutating func timerExpired(_ id: ISDNCallID, now: NIODeadline) -> [Action] {
        guard var call = calls[id] else { return [] }
        call.timer = nil
        call.timerFired += 1
        calls[id] = call
        switch call.state {
        case .callPresent:
            if call.timerFired < 2, let setup = call.setup {
                calls[id]?.timer = now + configuration.t303
                return transmit(setup, now: now)
            }
            let actions = report(id, cause: Q931Cause.noUserResponding, reason: "no answer to SETUP (T303 expired twice)")
            calls[id] = nil
            return actions
        case .disconnectIndication:
            call.state = .releaseRequest
            call.timer = now + configuration.t308
            call.timerFired = 0
            calls[id] = call
            return transmit(message(.release, id, [.cause(call.cause, location: 2)]), now: now)
        case .releaseRequest:
            if call.timerFired < 2 {
                calls[id]?.timer = now + configuration.t308
                return transmit(message(.release, id, [.cause(call.cause, location: 2)]), now: now)
            }
            let actions = report(id, cause: call.cause, reason: "no RELEASE COMPLETE (T308 expired twice)")
            calls[id] = nil
            return actions
        default:
            return []
        }
    }

    private mutating func receive(_ message: Q931Message, now: NIODeadline) -> [Action] {
        if message.callReferenceLength == 0 || message.callReference == 0 { return [] }
        let id = ISDNCallID(callReference: message.callReference, originatedBySubscriber: message.fromOriginator)
        guard var call = calls[id] else {
            if message.type == .setup, message.fromOriginator { return subscriberSetup(message, id: id, now: now) }
            if message.type == .releaseComplete || message.type == .status { return [] }
            let reply = Q931Message(callReference: message.callReference, fromOriginator: !message.fromOriginator, type: .releaseComplete,
                                    elements: [.cause(Q931Cause.invalidCallReference, location: 2)], callReferenceLength: message.callReferenceLength)
            return transmit(reply, now: now)
        }
        switch message.type {
        case .callProceeding:
            guard call.state == .callPresent else { return [] }
            call.state = .incomingCallProceeding
            call.timer = nil
            calls[id] = call
            return []
        case .alerting:
            guard call.state == .callPresent || call.state == .incomingCallProceeding else { return [] }
            call.state = .callReceived
            call.timer = nil
            calls[id] = call
            return [.alerting(id)]
        case .connect:
            guard [.callPresent, .incomingCallProceeding, .callReceived].contains(call.state) else { return [] }
            call.state = .active
            call.timer = nil
            call.noAnswerDeadline = nil
            calls[id] = call
            return transmit(self.message(.connectAcknowledge, id), now: now) + [.answered(id, channel: call.channel)]
        case .disconnect:
            guard call.state != .releaseRequest else { return [] }
            let cause = message.cause ?? Q931Cause.normalUnspecified
            var actions = report(id, cause: cause, reason: "the subscriber cleared the call (DISCONNECT, \(Q931Cause.name(cause)))")
            call.state = .releaseRequest
            call.cause = cause
            call.timer = now + configuration.t308
            call.timerFired = 0
            call.noAnswerDeadline = nil
            call.reported = true
            calls[id] = call
            actions += transmit(self.message(.release, id), now: now)
            return actions
        case .release:
            let cause = message.cause ?? Q931Cause.normalUnspecified
            let actions = report(id, cause: cause, reason: "the subscriber released the call (RELEASE, \(Q931Cause.name(cause)))")
            calls[id] = nil
            return actions + transmit(self.message(.releaseComplete, id), now: now)
        case .releaseComplete:
            let cause = message.cause ?? Q931Cause.normalUnspecified
            let actions = report(id, cause: cause, reason: "the subscriber released the call (RELEASE COMPLETE, \(Q931Cause.name(cause)))")
            calls[id] = nil
            return actions
        case .statusEnquiry:
            return transmit(self.message(.status, id, [.cause(30, location: 2), Q931InformationElement(identifier: 0x14, contents: [call.state.rawValue])]), now: now)
        default:
            return []
        }
    }

    private mutating func subscriberSetup(_ setup: Q931Message, id: ISDNCallID, now: NIODeadline) -> [Action] {
        func refuse(_ cause: UInt8) -> [Action] {
            transmit(Q931Message(callReference: id.callReference, fromOriginator: false, type: .releaseComplete,
                                 elements: [.cause(cause, location: 2)], callReferenceLength: setup.callReferenceLength), now: now)
        }
        guard let called = setup.calledNumber, !called.isEmpty else { return refuse(Q931Cause.mandatoryElementMissing) }
        let element = setup.element(Q931InformationElement.channelIdentificationIdentifier)
        let wanted = element?.channelValue
        guard let channel = freeChannel(preferring: wanted), !(element?.channelExclusive == true && wanted != nil && channel != wanted) else {
            return refuse(Q931Cause.noCircuitAvailable)
        }
        calls[id] = Call(state: .outgoingCallProceeding, channel: channel)
        let calling = configuration.subscriberNumber.isEmpty ? setup.callingNumber : configuration.subscriberNumber
        return transmit(message(.callProceeding, id, [.channelIdentification(channel, exclusive: true)]), now: now)
            + [.callRequested(id, channel: channel, callingNumber: calling, calledNumber: called)]
    }
}
