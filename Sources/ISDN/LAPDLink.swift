import NIOCore

/// The Q.921 data link procedure for one SAPI 0 / TEI data link, user or network role,
/// modulo 128: establishment (SABME/UA), I frames with window k, RR/RNR/REJ, T200
/// retransmission with N200 retries, T203 idle supervision, release and re-establishment.
/// A value type fed frames and time; it returns what to do.
public struct LAPDLink: Sendable {
    public enum Role: Hashable, Sendable {
        /// Terminal equipment: sends commands with C/R = 0.
        case user
        /// The exchange: sends commands with C/R = 1.
        case network
    }

    public struct Settings: Hashable, Sendable {
        public var t200: TimeAmount
        public var t203: TimeAmount
        public var n200: Int
        /// k: outstanding I frames.
        public var window: Int
        /// Layer 3 messages waiting for the window or the link; beyond this they are refused.
        public var maximumQueued: Int

        public init(t200: TimeAmount = .seconds(1), t203: TimeAmount = .seconds(10), n200: Int = 3, window: Int = 7, maximumQueued: Int = 32) {
            self.t200 = t200
            self.t203 = t203
            self.n200 = max(1, n200)
            self.window = min(127, max(1, window))
            self.maximumQueued = max(1, maximumQueued)
        }
    }

    public enum State: Hashable, Sendable {
        case released
        case awaitingEstablishment
        case established
        case timerRecovery
        case awaitingRelease
    }

    public enum Event: Hashable, Sendable {
        /// A frame for the peer.
        case transmit(LAPDFrame)
        /// Multiple-frame operation began (or began again after re-establishment).
        case established
        /// The data link went down; queued messages were discarded.
        case released(reason: String)
        /// A layer 3 message from the peer (I frame, or UI frame on this SAPI).
        case received(ByteBuffer)
        /// A message was refused because the queue is full.
        case discarded(reason: String)
    }

    public let role: Role
    public let settings: Settings
    public private(set) var tei: UInt8
    public let sapi: UInt8
    public private(set) var state: State = .released

    private var sendState: UInt8 = 0  // V(S)
    private var acknowledgeState: UInt8 = 0  // V(A)
    private var receiveState: UInt8 = 0  // V(R)
    private var retryCount = 0
    private var peerBusy = false
    private var rejectSent = false
    private var unacknowledged: [ByteBuffer] = []  // I frames V(A)..<V(S), in order
    private var queue: [ByteBuffer] = []
    private var t200Deadline: NIODeadline?
    private var t203Deadline: NIODeadline?

    public init(role: Role, tei: UInt8 = 0, sapi: UInt8 = LAPDAddress.callControlSAPI, settings: Settings = Settings()) {
        self.role = role
        self.tei = tei & 0x7F
        self.sapi = sapi & 0x3F
        self.settings = settings
    }

    public var isEstablished: Bool { state == .established || state == .timerRecovery }

    public var nextDeadline: NIODeadline? {
        switch (t200Deadline, t203Deadline) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// Whether a received frame is addressed to this data link.
    public func accepts(_ frame: LAPDFrame) -> Bool {
        frame.address.sapi == sapi && (frame.address.tei == tei || frame.address.tei == LAPDAddress.broadcastTEI)
    }

    // MARK: layer 3 requests

    /// DL-ESTABLISH request: SABME unless already up or on the way up.
    public mutating func establish(now: NIODeadline) -> [Event] {
        switch state {
        case .released, .awaitingRelease:
            return startEstablishment(now: now)
        default:
            return []
        }
    }

    /// DL-RELEASE request: DISC.
    public mutating func release(now: NIODeadline) -> [Event] {
        guard state != .released, state != .awaitingRelease else { return [] }
        clearQueues()
        state = .awaitingRelease
        retryCount = 0
        t200Deadline = now + settings.t200
        t203Deadline = nil
        return [.transmit(command(.unnumbered(.disconnect, pollFinal: true)))]
    }

    /// DL-DATA request: queue a layer 3 message; sent when the window allows. A released
    /// link is established first.
    public mutating func send(_ message: ByteBuffer, now: NIODeadline) -> [Event] {
        guard queue.count < settings.maximumQueued else {
            return [.discarded(reason: "LAPD send queue full (\(settings.maximumQueued) messages)")]
        }
        queue.append(message)
        switch state {
        case .released, .awaitingRelease:
            return startEstablishment(now: now)
        case .awaitingEstablishment, .timerRecovery:
            return []
        case .established:
            return pump(now: now)
        }
    }

    /// Layer 1 deactivated (the interface closed): everything stops.
    public mutating func layer1Deactivated(reason: String) -> [Event] {
        let wasUp = state != .released
        state = .released
        clearQueues()
        t200Deadline = nil
        t203Deadline = nil
        return wasUp ? [.released(reason: reason)] : []
    }

    // MARK: frames

    public mutating func receive(_ frame: LAPDFrame, now: NIODeadline) -> [Event] {
        guard accepts(frame) else { return [] }
        // The network sends commands with C/R 1, the user with 0.
        let isCommand = role == .user ? frame.address.commandResponse : !frame.address.commandResponse
        switch frame.control {
        case .unnumbered(let function, let pollFinal):
            return receiveUnnumbered(function, pollFinal: pollFinal, isCommand: isCommand, information: frame.information, now: now)
        case .information(let ns, let nr, let poll):
            guard isCommand else { return [] }
            return receiveInformation(ns: ns, nr: nr, poll: poll, information: frame.information, now: now)
        case .supervisory(let function, let nr, let pollFinal):
            return receiveSupervisory(function, nr: nr, pollFinal: pollFinal, isCommand: isCommand, now: now)
        }
    }

    /// Decodes and receives a frame; undecodable frames are dropped.
    public mutating func receive(bytes: ByteBuffer, now: NIODeadline) -> [Event] {
        guard let frame = try? LAPDFrame(parsing: bytes) else { return [] }
        return receive(frame, now: now)
    }

    public mutating func tick(now: NIODeadline) -> [Event] {
        var events: [Event] = []
        if let deadline = t200Deadline, deadline <= now {
            t200Deadline = nil
            events += t200Expired(now: now)
        }
        if let deadline = t203Deadline, deadline <= now {
            t203Deadline = nil
            if state == .established {
                state = .timerRecovery
                retryCount = 0
                events += enquire(now: now)
            }
        }
        return events
    }

    // MARK: internals

    private func address(command: Bool) -> LAPDAddress {
        // user: command C/R 0, response 1; network: command 1, response 0.
        let bit = (role == .network) == command
        return LAPDAddress(sapi: sapi, commandResponse: bit, tei: tei)
    }

    private func command(_ control: LAPDControl, information: ByteBuffer = ByteBuffer()) -> LAPDFrame {
        LAPDFrame(address: address(command: true), control: control, information: information)
    }

    private func response(_ control: LAPDControl) -> LAPDFrame {
        LAPDFrame(address: address(command: false), control: control)
    }

    private mutating func clearQueues() {
        queue.removeAll()
        unacknowledged.removeAll()
        peerBusy = false
        rejectSent = false
    }

    private mutating func resetSequence() {
        sendState = 0
        acknowledgeState = 0
        receiveState = 0
        unacknowledged.removeAll()
        peerBusy = false
        rejectSent = false
    }

    private mutating func startEstablishment(now: NIODeadline) -> [Event] {
        state = .awaitingEstablishment
        retryCount = 0
        t200Deadline = now + settings.t200
        t203Deadline = nil
        return [.transmit(command(.unnumbered(.setAsynchronousBalancedModeExtended, pollFinal: true)))]
    }

    private mutating func enterEstablished(now: NIODeadline) -> [Event] {
        resetSequence()
        state = .established
        retryCount = 0
        t200Deadline = nil
        t203Deadline = now + settings.t203
        return [.established] + pump(now: now)
    }

    private mutating func goReleased(reason: String) -> [Event] {
        state = .released
        clearQueues()
        t200Deadline = nil
        t203Deadline = nil
        return [.released(reason: reason)]
    }

    private mutating func receiveUnnumbered(
        _ function: LAPDUnnumberedFunction, pollFinal: Bool, isCommand: Bool, information: ByteBuffer, now: NIODeadline
    ) -> [Event] {
        switch function {
        case .setAsynchronousBalancedModeExtended:
            guard isCommand else { return [] }
            if state == .awaitingRelease {
                return [.transmit(response(.unnumbered(.disconnectedMode, pollFinal: pollFinal)))]
            }
            let ua = Event.transmit(response(.unnumbered(.unnumberedAcknowledgement, pollFinal: pollFinal)))
            // The peer's reset: what was in flight or queued is discarded (Q.921 5.5.3).
            if isEstablished { clearQueues() }
            return [ua] + enterEstablished(now: now)
        case .disconnect:
            guard isCommand else { return [] }
            switch state {
            case .released, .awaitingEstablishment:
                return [.transmit(response(.unnumbered(.disconnectedMode, pollFinal: pollFinal)))]
            case .awaitingRelease:
                return [.transmit(response(.unnumbered(.unnumberedAcknowledgement, pollFinal: pollFinal)))]
            case .established, .timerRecovery:
                return [.transmit(response(.unnumbered(.unnumberedAcknowledgement, pollFinal: pollFinal)))]
                    + goReleased(reason: "the peer released the data link (DISC)")
            }
        case .unnumberedAcknowledgement:
            guard !isCommand else { return [] }
            switch state {
            case .awaitingEstablishment:
                return enterEstablished(now: now)
            case .awaitingRelease:
                return goReleased(reason: "data link released (DISC acknowledged)")
            default:
                return []
            }
        case .disconnectedMode:
            guard !isCommand else { return [] }
            switch state {
            case .awaitingEstablishment where pollFinal:
                return goReleased(reason: "the peer refused the data link (DM answered SABME)")
            case .awaitingRelease where pollFinal:
                return goReleased(reason: "data link released (DM answered DISC)")
            case .established, .timerRecovery:
                // The peer lost the link: establish it again.
                return [.released(reason: "the peer reported disconnected mode (DM)")] + reestablish(now: now)
            default:
                return []
            }
        case .frameReject:
            guard isEstablished else { return [] }
            return [.released(reason: "the peer rejected a frame (FRMR)")] + reestablish(now: now)
        case .unnumberedInformation:
            return information.readableBytes > 0 ? [.received(information)] : []
        case .exchangeIdentification:
            return []
        }
    }

    /// Link failure while up: the queues are discarded (layer 3 was told `.released`) and
    /// the link is established again.
    private mutating func reestablish(now: NIODeadline) -> [Event] {
        clearQueues()
        return startEstablishment(now: now)
    }

    private func outstanding() -> Int {
        Int((sendState &- acknowledgeState) & 0x7F)
    }

    /// Whether N(R) lies within V(A)…V(S).
    private func validReceiveSequence(_ nr: UInt8) -> Bool {
        Int((nr &- acknowledgeState) & 0x7F) <= outstanding()
    }

    private mutating func acknowledge(upTo nr: UInt8, now: NIODeadline) {
        let count = Int((nr &- acknowledgeState) & 0x7F)
        guard count > 0 else { return }
        unacknowledged.removeFirst(min(count, unacknowledged.count))
        acknowledgeState = nr & 0x7F
        if state == .established {
            if unacknowledged.isEmpty {
                t200Deadline = nil
                t203Deadline = now + settings.t203
            } else {
                t200Deadline = now + settings.t200
            }
        }
    }

    private mutating func receiveInformation(ns: UInt8, nr: UInt8, poll: Bool, information: ByteBuffer, now: NIODeadline) -> [Event] {
        guard isEstablished else {
            return poll ? [.transmit(response(.unnumbered(.disconnectedMode, pollFinal: true)))] : []
        }
        guard validReceiveSequence(nr) else {
            return [.released(reason: "N(R) \(nr) outside V(A) \(acknowledgeState)…V(S) \(sendState)")] + reestablish(now: now)
        }
        var events: [Event] = []
        if ns == receiveState {
            receiveState = (receiveState &+ 1) & 0x7F
            rejectSent = false
            if information.readableBytes > 0 { events.append(.received(information)) }
            events.append(.transmit(response(.supervisory(.receiveReady, receiveSequence: receiveState, pollFinal: poll))))
        } else if !rejectSent {
            rejectSent = true
            events.append(.transmit(response(.supervisory(.reject, receiveSequence: receiveState, pollFinal: poll))))
        } else if poll {
            events.append(.transmit(response(.supervisory(.receiveReady, receiveSequence: receiveState, pollFinal: true))))
        }
        if state == .established {
            acknowledge(upTo: nr, now: now)
            if t200Deadline == nil { t203Deadline = now + settings.t203 }
            events += pump(now: now)
        } else {
            // Timer recovery: acknowledgements only, retransmission waits for the F bit.
            let count = Int((nr &- acknowledgeState) & 0x7F)
            unacknowledged.removeFirst(min(count, unacknowledged.count))
            acknowledgeState = nr & 0x7F
        }
        return events
    }

    private mutating func receiveSupervisory(
        _ function: LAPDSupervisoryFunction, nr: UInt8, pollFinal: Bool, isCommand: Bool, now: NIODeadline
    ) -> [Event] {
        guard isEstablished else {
            return isCommand && pollFinal ? [.transmit(response(.unnumbered(.disconnectedMode, pollFinal: true)))] : []
        }
        guard validReceiveSequence(nr) else {
            return [.released(reason: "N(R) \(nr) outside V(A) \(acknowledgeState)…V(S) \(sendState)")] + reestablish(now: now)
        }
        var events: [Event] = []
        peerBusy = function == .receiveNotReady
        if isCommand, pollFinal {
            events.append(.transmit(response(.supervisory(.receiveReady, receiveSequence: receiveState, pollFinal: true))))
        }
        if state == .timerRecovery {
            let count = Int((nr &- acknowledgeState) & 0x7F)
            unacknowledged.removeFirst(min(count, unacknowledged.count))
            acknowledgeState = nr & 0x7F
            guard !isCommand, pollFinal else { return events }
            // The peer answered our enquiry: back to normal, resend what it has not got.
            state = .established
            retryCount = 0
            t200Deadline = nil
            t203Deadline = now + settings.t203
            retransmitUnacknowledged()
            return events + pump(now: now)
        }
        acknowledge(upTo: nr, now: now)
        if function == .reject {
            retransmitUnacknowledged()
            t200Deadline = nil
        }
        return events + pump(now: now)
    }

    /// Puts the unacknowledged I frames back in front of the queue, V(S) back to V(A).
    private mutating func retransmitUnacknowledged() {
        queue = unacknowledged + queue
        unacknowledged.removeAll()
        sendState = acknowledgeState
    }

    /// Sends queued I frames while the window and the peer allow.
    private mutating func pump(now: NIODeadline) -> [Event] {
        guard state == .established else { return [] }
        var events: [Event] = []
        while !peerBusy, !queue.isEmpty, outstanding() < settings.window {
            let message = queue.removeFirst()
            let frame = command(.information(sendSequence: sendState, receiveSequence: receiveState, poll: false), information: message)
            unacknowledged.append(message)
            sendState = (sendState &+ 1) & 0x7F
            events.append(.transmit(frame))
        }
        if !unacknowledged.isEmpty, t200Deadline == nil {
            t200Deadline = now + settings.t200
            t203Deadline = nil
        }
        return events
    }

    private mutating func enquire(now: NIODeadline) -> [Event] {
        retryCount += 1
        t200Deadline = now + settings.t200
        t203Deadline = nil
        return [.transmit(command(.supervisory(.receiveReady, receiveSequence: receiveState, pollFinal: true)))]
    }

    private mutating func t200Expired(now: NIODeadline) -> [Event] {
        switch state {
        case .released:
            return []
        case .awaitingEstablishment:
            guard retryCount < settings.n200 else {
                return goReleased(reason: "no answer to SABME after \(settings.n200 + 1) tries (T200, N200)")
            }
            retryCount += 1
            t200Deadline = now + settings.t200
            return [.transmit(command(.unnumbered(.setAsynchronousBalancedModeExtended, pollFinal: true)))]
        case .awaitingRelease:
            guard retryCount < settings.n200 else { return goReleased(reason: "no answer to DISC (T200, N200)") }
            retryCount += 1
            t200Deadline = now + settings.t200
            return [.transmit(command(.unnumbered(.disconnect, pollFinal: true)))]
        case .established:
            state = .timerRecovery
            retryCount = 0
            return enquire(now: now)
        case .timerRecovery:
            guard retryCount < settings.n200 else {
                return [.released(reason: "the peer stopped answering (T200 expired \(settings.n200) times)")] + reestablish(now: now)
            }
            return enquire(now: now)
        }
    }
}
