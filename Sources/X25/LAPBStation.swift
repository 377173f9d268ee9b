import NIOCore

/// A LAPB station (ISO 7776, single link, modulo 8) in either role: the DTE netmgrd runs on
/// the access line, or the DCE of the network simulator. A value-type state machine: each
/// event (a frame, data to send, time) returns the actions the owner carries out.
///
/// Link set-up: `start` sends SABM (the DTE starts; a DCE may too) and repeats it every T1,
/// at most N2 times. Data: I-frames with N(S)/N(R), at most k unacknowledged; RR/RNR/REJ;
/// a frame that cannot be accepted is answered with FRMR. Unacknowledged I-frames are sent
/// again when T1 expires (the first with P set, so that the peer answers at once), N2 times
/// without progress and the link is down. After any `.linkDown` the station is disconnected;
/// the owner calls `start` again when it wants the link back.
public struct LAPBStation: Sendable {
    public struct Settings: Hashable, Sendable {
        /// T1: how long to wait for an acknowledgement or answer before sending again.
        /// Default 3 s (ISO 7776 leaves it to the system; 1–5 s is usual).
        public var t1: TimeAmount
        /// N2: transmissions of a frame before giving up. Default 10.
        public var n2: Int
        /// k: I-frames sent and not yet acknowledged at most, 1–7. Default 7.
        public var window: Int
        /// T2: how long an acknowledgement may wait for an outgoing I-frame to carry it;
        /// nil (the default) acknowledges at once with RR.
        public var t2: TimeAmount?
        /// N1 in bytes of information field; longer received I-frames are rejected (FRMR Y).
        /// Default 4099: an X.25 packet of 4096 data bytes with its header.
        public var maximumInformationLength: Int
        /// I-fields waiting or in flight at most; `send` refuses more.
        public var maximumQueued: Int

        public init(
            t1: TimeAmount = .seconds(3), n2: Int = 10, window: Int = 7, t2: TimeAmount? = nil,
            maximumInformationLength: Int = LAPBFrame.defaultMaximumInformationLength, maximumQueued: Int = 256
        ) {
            self.t1 = t1
            self.n2 = max(1, n2)
            self.window = min(7, max(1, window))
            self.t2 = t2
            self.maximumInformationLength = max(1, maximumInformationLength)
            self.maximumQueued = max(1, maximumQueued)
        }
    }

    public enum State: Hashable, Sendable {
        case disconnected
        /// SABM sent, waiting for UA.
        case linkSetup
        case connected
        /// FRMR sent: waiting for SABM or DISC from the peer.
        case frameRejectSent
        /// DISC sent, waiting for UA or DM.
        case disconnecting
    }

    public enum LinkDownReason: Hashable, Sendable {
        /// N2 transmissions without an answer (T1 each).
        case retryLimit
        /// The peer sent DISC.
        case disconnected
        /// The peer answered DM: it is in the disconnected phase.
        case disconnectedMode
        /// The peer reset the link with SABM while it was up (`.linkUp` follows at once).
        case reset
        /// The peer rejected a frame with FRMR; the station resets the link with SABM.
        case frameRejectReceived(SDLCFrameReject?)
        /// The owner stopped the link (`stop`).
        case local
    }

    public enum Action: Hashable, Sendable {
        case send(LAPBFrame)
        /// An in-sequence I-field (an X.25 packet) for the layer above.
        case deliver(ByteBuffer)
        case linkUp
        /// Queued and unacknowledged I-fields are dropped with the link.
        case linkDown(LinkDownReason)
        /// This station rejected a received frame with FRMR carrying this field.
        case frameRejected(SDLCFrameReject)
    }

    public enum SendError: Error, Hashable, Sendable, CustomStringConvertible {
        case linkDown
        case tooLong(length: Int, limit: Int)
        case queueFull(limit: Int)

        public var description: String {
            switch self {
            case .linkDown: return "LAPB link is down"
            case .tooLong(let length, let limit): return "LAPB I-field of \(length) bytes exceeds N1 of \(limit)"
            case .queueFull(let limit): return "LAPB send queue is full (\(limit) I-fields)"
            }
        }
    }

    public let role: LAPBRole
    public let settings: Settings
    public private(set) var state: State = .disconnected
    /// V(R).
    public private(set) var receiveState: UInt8 = 0
    /// The peer sent RNR: no new I-frames until RR or REJ.
    public private(set) var isRemoteBusy = false
    /// Set by the owner: received I-frames are discarded and answered with RNR.
    public private(set) var isLocalBusy = false
    /// Transmissions of the current frame or window since the last progress.
    public private(set) var retryCount = 0

    private var queue: SDLCSendWindow
    private var t1Deadline: NIODeadline?
    private var t2Deadline: NIODeadline?
    private var rejectCondition = false
    private var acknowledgementPending = false
    private var lastFrameReject: SDLCFrameReject?

    public init(role: LAPBRole, settings: Settings = Settings()) {
        self.role = role
        self.settings = settings
        self.queue = SDLCSendWindow(window: settings.window)
    }

    public var isLinkUp: Bool { state == .connected }
    /// V(S).
    public var sendState: UInt8 { queue.sendState }
    /// I-fields queued or in flight.
    public var queuedCount: Int { queue.count }
    /// Whether every I-field sent was acknowledged and none waits.
    public var isIdle: Bool { queue.count == 0 }

    /// When `tick` has something to do.
    public var nextDeadline: NIODeadline? {
        switch (t1Deadline, t2Deadline) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// Starts link set-up: SABM with P, repeated on T1 up to N2 times.
    public mutating func start(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if state == .connected || state == .frameRejectSent {
            resetVariables()
            actions.append(.linkDown(.local))
        }
        state = .linkSetup
        retryCount = 1
        actions.append(.send(command(.sabm(poll: true))))
        t1Deadline = now + settings.t1
        return actions
    }

    /// Disconnects: DISC with P, repeated on T1 up to N2 times; `.linkDown(.local)` at once.
    public mutating func stop(now: NIODeadline) -> [Action] {
        guard state != .disconnected, state != .disconnecting else { return [] }
        let wasUp = state == .connected || state == .frameRejectSent
        resetVariables()
        state = .disconnecting
        retryCount = 1
        t1Deadline = now + settings.t1
        var actions: [Action] = [.send(command(.disc(poll: true)))]
        if wasUp { actions.append(.linkDown(.local)) }
        return actions
    }

    /// Queues an I-field (an X.25 packet) and sends what the window allows.
    public mutating func send(_ information: ByteBuffer, now: NIODeadline) throws(SendError) -> [Action] {
        guard state == .connected else { throw .linkDown }
        guard information.readableBytes <= settings.maximumInformationLength else {
            throw .tooLong(length: information.readableBytes, limit: settings.maximumInformationLength)
        }
        guard queue.count < settings.maximumQueued else { throw .queueFull(limit: settings.maximumQueued) }
        queue.enqueue(information)
        var actions: [Action] = []
        transmit(now: now, into: &actions)
        return actions
    }

    /// The owner cannot take more I-fields (or can again).
    public mutating func setLocalBusy(_ busy: Bool, now: NIODeadline) -> [Action] {
        guard busy != isLocalBusy else { return [] }
        isLocalBusy = busy
        guard state == .connected else { return [] }
        acknowledgementPending = false
        t2Deadline = nil
        return [.send(response(busy ? .rnr(nr: receiveState) : .rr(nr: receiveState)))]
    }

    /// Time passed: T1 retransmission or giving up, T2 acknowledgement.
    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if let deadline = t2Deadline, now >= deadline {
            t2Deadline = nil
            if acknowledgementPending, state == .connected {
                acknowledgementPending = false
                actions.append(.send(response(isLocalBusy ? .rnr(nr: receiveState) : .rr(nr: receiveState))))
            }
        }
        guard let deadline = t1Deadline, now >= deadline else { return actions }
        t1Deadline = nil
        guard retryCount < settings.n2 else {
            let wasUp = state == .connected || state == .frameRejectSent
            let wasDisconnecting = state == .disconnecting
            resetVariables()
            state = .disconnected
            if wasUp || !wasDisconnecting { actions.append(.linkDown(.retryLimit)) }
            return actions
        }
        retryCount += 1
        t1Deadline = now + settings.t1
        switch state {
        case .disconnected:
            t1Deadline = nil
        case .linkSetup:
            actions.append(.send(command(.sabm(poll: true))))
        case .disconnecting:
            actions.append(.send(command(.disc(poll: true))))
        case .frameRejectSent:
            if let reject = lastFrameReject {
                actions.append(.send(response(.frmr(final: false), information: reject.information)))
            }
        case .connected:
            // Timer recovery: everything unacknowledged again, the first with P; a busy
            // peer is only asked for its state.
            queue.rewind()
            var first = true
            while !isRemoteBusy, let (ns, field) = queue.nextFrame() {
                actions.append(.send(command(.information(ns: ns, nr: receiveState, poll: first), information: field)))
                first = false
            }
            if first {
                // Nothing to resend (the peer is busy): ask for its state.
                actions.append(.send(command(.rr(nr: receiveState, pollFinal: true))))
            }
            acknowledgementPending = false
            t2Deadline = nil
        }
        return actions
    }

    /// A frame from the line (already HDLC-deframed and FCS-checked).
    public mutating func receive(_ frame: LAPBFrame, now: NIODeadline) -> [Action] {
        guard let isCommand = role.isCommand(receivedAddress: frame.address) else { return [] }
        var actions: [Action] = []
        switch state {
        case .disconnected:
            receiveDisconnected(frame, isCommand: isCommand, now: now, into: &actions)
        case .linkSetup:
            receiveLinkSetup(frame, isCommand: isCommand, now: now, into: &actions)
        case .disconnecting:
            receiveDisconnecting(frame, isCommand: isCommand, into: &actions)
        case .frameRejectSent:
            receiveFrameRejectSent(frame, isCommand: isCommand, now: now, into: &actions)
        case .connected:
            receiveConnected(frame, isCommand: isCommand, now: now, into: &actions)
        }
        return actions
    }
}

extension LAPBStation {
    private func command(_ control: LAPBControl, information: ByteBuffer = ByteBuffer()) -> LAPBFrame {
        LAPBFrame(address: role.commandAddress, control: control, information: information)
    }

    private func response(_ control: LAPBControl, information: ByteBuffer = ByteBuffer()) -> LAPBFrame {
        LAPBFrame(address: role.responseAddress, control: control, information: information)
    }

    private mutating func resetVariables() {
        queue.reset()
        receiveState = 0
        isRemoteBusy = false
        rejectCondition = false
        acknowledgementPending = false
        lastFrameReject = nil
        t1Deadline = nil
        t2Deadline = nil
        retryCount = 0
    }

    private mutating func enterConnected(into actions: inout [Action]) {
        resetVariables()
        state = .connected
        actions.append(.linkUp)
    }

    private mutating func receiveDisconnected(_ frame: LAPBFrame, isCommand: Bool, now: NIODeadline, into actions: inout [Action]) {
        guard isCommand else { return }  // responses are ignored in the disconnected phase
        switch frame.control {
        case .unnumbered(.setAsynchronousBalancedMode, let p) where frame.information.readableBytes == 0:
            actions.append(.send(response(.ua(final: p))))
            enterConnected(into: &actions)
        case .unnumbered(.disconnect, let p):
            actions.append(.send(response(.dm(final: p))))
        default:
            if frame.control.pollFinal { actions.append(.send(response(.dm(final: true)))) }
        }
    }

    private mutating func receiveLinkSetup(_ frame: LAPBFrame, isCommand: Bool, now: NIODeadline, into actions: inout [Action]) {
        switch frame.control {
        case .unnumbered(.unnumberedAcknowledgment, _) where !isCommand:
            enterConnected(into: &actions)
        case .unnumbered(.setAsynchronousBalancedMode, let p) where isCommand:
            // Both sides started at once: answer, and the link is up.
            actions.append(.send(response(.ua(final: p))))
            enterConnected(into: &actions)
        case .unnumbered(.disconnect, let p) where isCommand:
            actions.append(.send(response(.dm(final: p))))
        default:
            break  // DM and everything else: SABM goes again on T1
        }
    }

    private mutating func receiveDisconnecting(_ frame: LAPBFrame, isCommand: Bool, into actions: inout [Action]) {
        switch frame.control {
        case .unnumbered(.unnumberedAcknowledgment, _) where !isCommand,
            .unnumbered(.disconnectedMode, _) where !isCommand:
            resetVariables()
            state = .disconnected
        case .unnumbered(.setAsynchronousBalancedMode, let p) where isCommand:
            actions.append(.send(response(.dm(final: p))))
        case .unnumbered(.disconnect, let p) where isCommand:
            actions.append(.send(response(.ua(final: p))))
        default:
            break
        }
    }

    private mutating func receiveFrameRejectSent(_ frame: LAPBFrame, isCommand: Bool, now: NIODeadline, into actions: inout [Action]) {
        switch frame.control {
        case .unnumbered(.setAsynchronousBalancedMode, let p) where isCommand:
            actions.append(.send(response(.ua(final: p))))
            actions.append(.linkDown(.reset))
            enterConnected(into: &actions)
        case .unnumbered(.disconnect, let p) where isCommand:
            actions.append(.send(response(.ua(final: p))))
            resetVariables()
            state = .disconnected
            actions.append(.linkDown(.disconnected))
        case .unnumbered(.disconnectedMode, _) where !isCommand:
            resetVariables()
            state = .disconnected
            actions.append(.linkDown(.disconnectedMode))
        default:
            if isCommand, frame.control.pollFinal, let reject = lastFrameReject {
                actions.append(.send(response(.frmr(final: true), information: reject.information)))
            }
        }
    }

    private mutating func sendFrameReject(
        _ frame: LAPBFrame, isCommand: Bool, now: NIODeadline, invalidControl: Bool = false,
        informationNotAllowed: Bool = false, informationTooLong: Bool = false, invalidReceiveSequence: Bool = false,
        into actions: inout [Action]
    ) {
        let reject = SDLCFrameReject(
            rejectedControl: frame.control.byte, sendState: queue.sendState, receiveState: receiveState,
            rejectedResponse: !isCommand, invalidControl: invalidControl || informationNotAllowed,
            informationNotAllowed: informationNotAllowed, informationTooLong: informationTooLong,
            invalidReceiveSequence: invalidReceiveSequence)
        queue.reset()
        acknowledgementPending = false
        t2Deadline = nil
        lastFrameReject = reject
        state = .frameRejectSent
        retryCount = 1
        t1Deadline = now + settings.t1
        actions.append(.send(response(.frmr(final: isCommand && frame.control.pollFinal), information: reject.information)))
        actions.append(.frameRejected(reject))
    }

    private mutating func receiveConnected(_ frame: LAPBFrame, isCommand: Bool, now: NIODeadline, into actions: inout [Action]) {
        let hasInformation = frame.information.readableBytes > 0
        switch frame.control {
        case .unnumbered(let function, let pf):
            switch function {
            case .setAsynchronousBalancedMode where isCommand && !hasInformation:
                actions.append(.send(response(.ua(final: pf))))
                actions.append(.linkDown(.reset))
                enterConnected(into: &actions)
            case .disconnect where isCommand && !hasInformation:
                actions.append(.send(response(.ua(final: pf))))
                resetVariables()
                state = .disconnected
                actions.append(.linkDown(.disconnected))
            case .disconnectedMode where !isCommand:
                resetVariables()
                state = .disconnected
                actions.append(.linkDown(.disconnectedMode))
            case .frameReject where !isCommand:
                let reject = frame.frameReject
                resetVariables()
                actions.append(.linkDown(.frameRejectReceived(reject)))
                state = .linkSetup
                retryCount = 1
                t1Deadline = now + settings.t1
                actions.append(.send(command(.sabm(poll: true))))
            case .unnumberedAcknowledgment where !isCommand:
                break  // a late UA (to a repeated SABM): harmless
            case .setAsynchronousBalancedModeExtended where isCommand:
                // Modulo 128 is not supported: refuse, as ISO 7776 asks.
                actions.append(.send(response(.dm(final: pf))))
                resetVariables()
                state = .disconnected
                actions.append(.linkDown(.disconnected))
            default:
                sendFrameReject(frame, isCommand: isCommand, now: now, invalidControl: true, informationNotAllowed: hasInformation, into: &actions)
            }
        case .supervisory(let function, let nr, let pf):
            guard function != .selectiveReject else {
                return sendFrameReject(frame, isCommand: isCommand, now: now, invalidControl: true, into: &actions)
            }
            guard !hasInformation else {
                return sendFrameReject(frame, isCommand: isCommand, now: now, invalidControl: true, informationNotAllowed: true, into: &actions)
            }
            guard queue.isValid(receiveSequence: nr) else {
                return sendFrameReject(frame, isCommand: isCommand, now: now, invalidReceiveSequence: true, into: &actions)
            }
            acknowledge(nr, now: now)
            switch function {
            case .receiveNotReady:
                isRemoteBusy = true
            case .reject:
                isRemoteBusy = false
                queue.rewind()
            default:
                isRemoteBusy = false
            }
            if isCommand, pf {
                acknowledgementPending = false
                t2Deadline = nil
                actions.append(.send(response(isLocalBusy ? .rnr(nr: receiveState, pollFinal: true) : .rr(nr: receiveState, pollFinal: true))))
            } else if !isCommand, pf, queue.unacknowledgedCount > 0 {
                // The answer to our poll: what it did not acknowledge goes again.
                queue.rewind()
            }
            transmit(now: now, into: &actions)
        case .information(let ns, let nr, let p):
            guard isCommand else {
                return sendFrameReject(frame, isCommand: isCommand, now: now, invalidControl: true, into: &actions)
            }
            guard frame.information.readableBytes <= settings.maximumInformationLength else {
                return sendFrameReject(frame, isCommand: isCommand, now: now, informationTooLong: true, into: &actions)
            }
            guard queue.isValid(receiveSequence: nr) else {
                return sendFrameReject(frame, isCommand: isCommand, now: now, invalidReceiveSequence: true, into: &actions)
            }
            acknowledge(nr, now: now)
            if isLocalBusy {
                actions.append(.send(response(.rnr(nr: receiveState, pollFinal: p))))
            } else if ns == receiveState {
                receiveState = (receiveState &+ 1) & 0x07
                rejectCondition = false
                actions.append(.deliver(frame.information))
                if p {
                    actions.append(.send(response(.rr(nr: receiveState, pollFinal: true))))
                } else {
                    acknowledgementPending = true
                }
            } else if !rejectCondition {
                rejectCondition = true
                acknowledgementPending = false
                actions.append(.send(response(.rej(nr: receiveState, pollFinal: p))))
            } else if p {
                actions.append(.send(response(.rr(nr: receiveState, pollFinal: true))))
            }
            transmit(now: now, into: &actions)
        }
    }

    /// N(R) received (already validated): drop what it acknowledges, restart or stop T1.
    private mutating func acknowledge(_ nr: UInt8, now: NIODeadline) {
        if queue.acknowledge(through: nr) > 0 {
            // Progress: the count of transmissions starts again.
            retryCount = queue.unacknowledgedCount > 0 ? 1 : 0
            t1Deadline = queue.unacknowledgedCount > 0 ? now + settings.t1 : nil
        }
    }

    /// Sends I-frames the window allows (they carry N(R)), else a pending acknowledgement.
    private mutating func transmit(now: NIODeadline, into actions: inout [Action]) {
        guard state == .connected else { return }
        if !isRemoteBusy {
            while let (ns, field) = queue.nextFrame() {
                actions.append(.send(command(.information(ns: ns, nr: receiveState, poll: false), information: field)))
                acknowledgementPending = false
                t2Deadline = nil
                if t1Deadline == nil {
                    retryCount = 1
                    t1Deadline = now + settings.t1
                }
            }
        }
        if isRemoteBusy, queue.count > 0, t1Deadline == nil {
            retryCount = 1
            t1Deadline = now + settings.t1  // poll the busy peer on T1
        }
        guard acknowledgementPending else { return }
        if let t2 = settings.t2 {
            if t2Deadline == nil { t2Deadline = now + t2 }
        } else {
            acknowledgementPending = false
            actions.append(.send(response(.rr(nr: receiveState))))
        }
    }
}
