import NIOCore

/// The SDLC primary station for one secondary address, as a host runs it (here: the host
/// simulator). It contacts the station (XID, then SNRM until UA, each answer awaited for the
/// reply timer T1 and retried up to N2 times), then polls it at `pollInterval`, sending queued
/// I-frames with window 7 and the poll bit on the last. After N2 polls without a final
/// response it declares the link down and contacts again, so a newly connected station
/// (after a line switch) is found. A value-type state machine: time is an input; the owner
/// calls `tick(now:)` whenever `nextDeadline` has come (and after its other events).
public struct SDLCPrimaryStation: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The secondary's station address.
        public var address: UInt8
        /// T1: how long to wait for a response with the final bit.
        public var replyTimeout: TimeAmount
        /// N2: retries of a command or poll before giving up on it.
        public var retryLimit: Int
        /// Time between polls when nothing is waiting to be sent.
        public var pollInterval: TimeAmount
        /// I-frames in flight at most (1–7).
        public var window: Int
        /// Largest I-field accepted from the secondary.
        public var maximumInformationLength: Int
        /// Information of the XID command (empty: a null XID asking for the station's XID).
        public var xidInformation: ByteBuffer

        public init(
            address: UInt8, replyTimeout: TimeAmount = .milliseconds(500), retryLimit: Int = 3,
            pollInterval: TimeAmount = .milliseconds(100), window: Int = 7,
            maximumInformationLength: Int = 4096, xidInformation: ByteBuffer = ByteBuffer()
        ) {
            self.address = address
            self.replyTimeout = replyTimeout
            self.retryLimit = max(0, retryLimit)
            self.pollInterval = pollInterval
            self.window = window
            self.maximumInformationLength = maximumInformationLength
            self.xidInformation = xidInformation
        }
    }

    public enum State: Hashable, Sendable {
        /// Not started, or stopped.
        case idle
        /// Sending XID until the station answers.
        case exchangingIdentification
        /// Sending SNRM until UA.
        case settingMode
        /// NRM: polling.
        case connected
        /// DISC sent, waiting for UA or DM.
        case disconnecting
    }

    public enum LinkDownReason: Hashable, Sendable {
        /// N2 polls went unanswered.
        case noResponse
        /// The station answered DM: it is in disconnected mode.
        case disconnectedMode
        /// The station sent FRMR (given in `.frameRejectReceived`).
        case frameReject
        /// The station sent a frame that breaks the procedure (the text says which).
        case protocolError(String)
        /// `disconnect` completed.
        case local
    }

    public enum Action: Hashable, Sendable {
        case send(SDLCFrame)
        /// An in-sequence I-field from the station (a PIU).
        case deliver(ByteBuffer)
        /// The station's XID response information field.
        case xidReceived(ByteBuffer)
        case linkUp
        /// Queued and unacknowledged I-frames are dropped with the link.
        case linkDown(LinkDownReason)
        case frameRejectReceived(SDLCFrameReject)
    }

    public typealias EnqueueError = SDLCEnqueueError

    public let configuration: Configuration
    public private(set) var state: State = .idle
    /// V(R).
    public private(set) var receiveState: UInt8 = 0
    /// The station sent RNR.
    public private(set) var isRemoteBusy = false
    /// Whether a command with the poll bit is out and its final response not yet in.
    public private(set) var isAwaitingFinal = false
    /// Next time `tick` has work: T1 expiry while awaiting a final, else the next poll.
    public private(set) var nextDeadline: NIODeadline?
    /// Consecutive unanswered commands in the current state.
    public private(set) var retries = 0

    private var sendWindow: SDLCSendWindow
    private var rejectToSend = false
    private var rejectCondition = false
    private var receivedInformationThisCycle = false
    private var disconnectingFromLinkUp = false

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.sendWindow = SDLCSendWindow(window: configuration.window)
    }

    public var isLinkUp: Bool { state == .connected }
    /// V(S).
    public var sendState: UInt8 { sendWindow.sendState }
    public var queuedCount: Int { sendWindow.count }

    /// Starts contacting the station.
    public mutating func start(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if isLinkUp { linkDown(.local, into: &actions) }
        contact(now: now, into: &actions)
        return actions
    }

    /// Sends DISC; the link goes down when UA or DM comes back, or after N2 tries.
    public mutating func disconnect(now: NIODeadline) -> [Action] {
        guard state != .idle else { return [] }
        disconnectingFromLinkUp = isLinkUp
        state = .disconnecting
        retries = 0
        return [sendCommand(.disconnect, now: now)]
    }

    /// Queues an I-field for the next poll. When no poll is out, one is due at `now`: call
    /// `tick(now:)` after queueing (several I-fields then share one poll).
    public mutating func enqueue(_ information: ByteBuffer, now: NIODeadline) throws(EnqueueError) {
        guard isLinkUp else { throw .linkDown }
        guard information.readableBytes <= configuration.maximumInformationLength else {
            throw .tooLong(length: information.readableBytes, limit: configuration.maximumInformationLength)
        }
        sendWindow.enqueue(information)
        if !isAwaitingFinal, !isRemoteBusy, let deadline = nextDeadline, deadline > now {
            nextDeadline = now
        }
    }

    /// Time passed: T1 expiries (retry or give up) and poll timer.
    public mutating func tick(now: NIODeadline) -> [Action] {
        guard let deadline = nextDeadline, now >= deadline else { return [] }
        var actions: [Action] = []
        switch state {
        case .idle:
            nextDeadline = nil
        case .exchangingIdentification:
            // Keep asking: the station may be connected any time (line switch).
            retries += 1
            actions.append(sendCommand(.exchangeIdentification, information: configuration.xidInformation, now: now))
        case .settingMode:
            retries += 1
            if retries > configuration.retryLimit {
                contact(now: now, into: &actions)
            } else {
                actions.append(sendCommand(.setNormalResponseMode, now: now))
            }
        case .connected:
            if isAwaitingFinal {
                retries += 1
                if retries > configuration.retryLimit {
                    linkDown(.noResponse, into: &actions)
                    contact(now: now, into: &actions)
                    return actions
                }
                // Ask for the station's state only; its N(R) says what to send again.
                poll(now: now, sendingInformation: false, into: &actions)
            } else {
                poll(now: now, into: &actions)
            }
        case .disconnecting:
            retries += 1
            if retries > configuration.retryLimit {
                state = .idle
                nextDeadline = nil
                resetSequence()
                if disconnectingFromLinkUp { actions.append(.linkDown(.local)) }
            } else {
                actions.append(sendCommand(.disconnect, now: now))
            }
        }
        return actions
    }

    /// A frame from the line; frames from other addresses are ignored.
    public mutating func receive(_ frame: SDLCFrame, now: NIODeadline) -> [Action] {
        guard frame.address == configuration.address else { return [] }
        var actions: [Action] = []
        switch state {
        case .idle:
            break
        case .exchangingIdentification:
            if case .unnumbered(.exchangeIdentification, _) = frame.control {
                actions.append(.xidReceived(frame.information))
                state = .settingMode
                retries = 0
                actions.append(sendCommand(.setNormalResponseMode, now: now))
            }
        case .settingMode:
            if case .unnumbered(.unnumberedAcknowledgment, _) = frame.control {
                state = .connected
                retries = 0
                isAwaitingFinal = false
                resetSequence()
                actions.append(.linkUp)
                poll(now: now, into: &actions)
            }
        case .disconnecting:
            switch frame.control {
            case .unnumbered(.unnumberedAcknowledgment, _), .unnumbered(.disconnectedMode, _):
                state = .idle
                nextDeadline = nil
                resetSequence()
                if disconnectingFromLinkUp { actions.append(.linkDown(.local)) }
            default:
                break
            }
        case .connected:
            receiveConnected(frame, now: now, into: &actions)
        }
        return actions
    }
}

extension SDLCPrimaryStation {
    private mutating func receiveConnected(_ frame: SDLCFrame, now: NIODeadline, into actions: inout [Action]) {
        switch frame.control {
        case .information(let ns, let nr, _):
            guard acknowledge(nr, frame: frame, now: now, into: &actions) else { return }
            guard frame.information.readableBytes <= configuration.maximumInformationLength else {
                restart(.protocolError("I-field of \(frame.information.readableBytes) bytes over the limit"), now: now, into: &actions)
                return
            }
            receivedInformationThisCycle = true
            if ns == receiveState {
                receiveState = (receiveState &+ 1) & 0x07
                rejectCondition = false
                actions.append(.deliver(frame.information))
            } else if !rejectCondition {
                rejectCondition = true
                rejectToSend = true
            }
        case .supervisory(let function, let nr, _):
            guard acknowledge(nr, frame: frame, now: now, into: &actions) else { return }
            switch function {
            case .receiveReady: isRemoteBusy = false
            case .receiveNotReady: isRemoteBusy = true
            case .reject:
                isRemoteBusy = false
                sendWindow.rewind()
            case .selectiveReject:
                restart(.protocolError("SREJ is not SDLC"), now: now, into: &actions)
                return
            }
        case .unnumbered(.frameReject, _):
            if let info = try? SDLCFrameReject(parsing: frame.information) {
                actions.append(.frameRejectReceived(info))
            }
            // The station needs a reset: SNRM again (XID is skipped, it is the same station).
            linkDown(.frameReject, into: &actions)
            state = .settingMode
            retries = 0
            actions.append(sendCommand(.setNormalResponseMode, now: now))
            return
        case .unnumbered(.disconnectedMode, _):
            restart(.disconnectedMode, now: now, into: &actions)
            return
        case .unnumbered(.disconnect, _):
            // RD: the station asks to be disconnected; contact it again from the start.
            restart(.protocolError("station sent RD"), now: now, into: &actions)
            return
        case .unnumbered:
            break  // late UA/XID/TEST: nothing to do
        }
        if frame.control.pollFinal, isAwaitingFinal {
            finalReceived(now: now, into: &actions)
        }
    }

    /// Applies N(R); an invalid one resets the link. Returns false when it did.
    private mutating func acknowledge(_ nr: UInt8, frame: SDLCFrame, now: NIODeadline, into actions: inout [Action]) -> Bool {
        guard sendWindow.isValid(receiveSequence: nr) else {
            restart(.protocolError("invalid N(R) \(nr) in \(frame.control)"), now: now, into: &actions)
            return false
        }
        sendWindow.acknowledge(through: nr)
        return true
    }

    private mutating func finalReceived(now: NIODeadline, into actions: inout [Action]) {
        isAwaitingFinal = false
        retries = 0
        // Checkpoint: what the final's N(R) did not acknowledge was lost; send it again.
        sendWindow.rewind()
        let more = receivedInformationThisCycle || rejectToSend || (sendWindow.hasFrameToSend && !isRemoteBusy)
        receivedInformationThisCycle = false
        if more {
            // Poll again at once, but from `tick`: the owner first queues what the delivered
            // I-fields cause, so it rides on that poll.
            nextDeadline = now
        } else {
            nextDeadline = now + configuration.pollInterval
        }
    }

    /// Sends queued I-frames (poll bit on the last) or RR/REJ with poll.
    private mutating func poll(now: NIODeadline, sendingInformation: Bool = true, into actions: inout [Action]) {
        var frames: [SDLCFrame] = []
        if sendingInformation, !isRemoteBusy {
            while let (ns, information) = sendWindow.nextFrame() {
                let control = SDLCControl.information(ns: ns, nr: receiveState, pollFinal: false)
                frames.append(SDLCFrame(address: configuration.address, control: control, information: information))
            }
        }
        if frames.isEmpty {
            let function: SDLCSupervisoryFunction = rejectToSend ? .reject : .receiveReady
            frames.append(SDLCFrame(address: configuration.address, control: .supervisory(function, nr: receiveState, pollFinal: true)))
        } else {
            frames[frames.count - 1].control = frames[frames.count - 1].control.with(pollFinal: true)
        }
        rejectToSend = false  // the poll's N(R) asks for retransmission in any case
        for frame in frames { actions.append(.send(frame)) }
        isAwaitingFinal = true
        nextDeadline = now + configuration.replyTimeout
    }

    private mutating func contact(now: NIODeadline, into actions: inout [Action]) {
        state = .exchangingIdentification
        retries = 0
        resetSequence()
        actions.append(sendCommand(.exchangeIdentification, information: configuration.xidInformation, now: now))
    }

    private mutating func restart(_ reason: LinkDownReason, now: NIODeadline, into actions: inout [Action]) {
        linkDown(reason, into: &actions)
        contact(now: now, into: &actions)
    }

    private mutating func linkDown(_ reason: LinkDownReason, into actions: inout [Action]) {
        resetSequence()
        actions.append(.linkDown(reason))
    }

    private mutating func resetSequence() {
        sendWindow.reset()
        receiveState = 0
        isRemoteBusy = false
        isAwaitingFinal = false
        rejectToSend = false
        rejectCondition = false
        receivedInformationThisCycle = false
    }

    private mutating func sendCommand(
        _ function: SDLCUnnumberedFunction, information: ByteBuffer = ByteBuffer(), now: NIODeadline
    ) -> Action {
        nextDeadline = now + configuration.replyTimeout
        return .send(SDLCFrame(address: configuration.address, control: .unnumbered(function, pollFinal: true), information: information))
    }
}
