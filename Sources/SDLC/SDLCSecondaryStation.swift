import NIOCore

/// The SDLC secondary station netmgrd runs behind the line switch: one station address,
/// modulo 8, normal response mode. A value-type state machine: each event returns the
/// actions the owner carries out (frames to send, data to deliver, link up/down); time is an
/// input, so the no-poll timeout is deterministic.
///
/// In normal response mode it sends only when polled, and then everything it has (up to the
/// window), the final bit on the last frame. A poll's N(R) that does not acknowledge every
/// I-frame it sent makes it retransmit from N(R) (checkpoint recovery), as does REJ.
public struct SDLCSecondaryStation: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The station address the host polls (not 0xFF, which is broadcast).
        public var address: UInt8
        /// IDBLK/IDNUM answered in XID format 0.
        public var nodeID: XIDNodeID
        /// Node type in the XID (2 = PU type 2).
        public var nodeType: UInt8
        /// Largest I-field accepted; longer ones are rejected with FRMR (Y).
        public var maximumInformationLength: Int
        /// In NRM, the link counts as down when no poll arrives for this long.
        public var noPollTimeout: TimeAmount
        /// I-frames in flight at most (1–7).
        public var window: Int

        public init(
            address: UInt8, nodeID: XIDNodeID, nodeType: UInt8 = SNAXID.peripheralNodeType,
            maximumInformationLength: Int = 4096, noPollTimeout: TimeAmount = .seconds(3), window: Int = 7
        ) {
            self.address = address
            self.nodeID = nodeID
            self.nodeType = nodeType
            self.maximumInformationLength = maximumInformationLength
            self.noPollTimeout = noPollTimeout
            self.window = window
        }
    }

    public enum Mode: Hashable, Sendable {
        /// Normal disconnected mode: answers SNRM, XID, TEST; DM to anything else polled.
        case disconnected
        /// Normal response mode: the link is up.
        case normalResponse
        /// Link up but in the frame-reject condition: answers polls with FRMR until SNRM/DISC.
        case frameReject
    }

    public enum LinkDownReason: Hashable, Sendable {
        /// No poll for `noPollTimeout` (host gone, line switched away).
        case noPoll
        /// DISC received.
        case disconnected
        /// SNRM received while up: the primary reset the link (link up follows at once).
        case reset
        /// The owner disconnected (`disconnect()`).
        case local
    }

    public enum Action: Hashable, Sendable {
        case send(SDLCFrame)
        /// An in-sequence I-field for the layer above (a PIU).
        case deliver(ByteBuffer)
        case linkUp
        /// Queued and unacknowledged I-frames are dropped with the link.
        case linkDown(LinkDownReason)
        /// A received frame was rejected; FRMR with this field goes out at the next poll.
        case frameRejected(SDLCFrameReject)
    }

    public typealias EnqueueError = SDLCEnqueueError

    public let configuration: Configuration
    public private(set) var mode: Mode = .disconnected
    /// Set by the owner when it cannot take more I-fields: polls are answered with RNR and
    /// received I-frames are discarded (the primary resends them after RR).
    public private(set) var isLocalBusy = false
    /// The primary sent RNR: no I-frames until RR or REJ.
    public private(set) var isRemoteBusy = false
    /// V(R).
    public private(set) var receiveState: UInt8 = 0
    /// When the last poll arrived (nil before the first).
    public private(set) var lastPoll: NIODeadline?

    private var sendWindow: SDLCSendWindow
    private var rejectCondition = false  // REJ sent, waiting for N(S) == V(R)
    private var rejectToSend = false
    private var deferredResponse: SDLCUnnumberedFunction?  // UA/DM for a command without P
    private var frameReject: SDLCFrameReject?
    private var deferPoll = false

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.sendWindow = SDLCSendWindow(window: configuration.window)
    }

    public var isLinkUp: Bool { mode != .disconnected }
    /// V(S).
    public var sendState: UInt8 { sendWindow.sendState }
    /// I-fields queued or sent and not yet acknowledged.
    public var queuedCount: Int { sendWindow.count }
    /// When `tick` will declare the link down unless a poll arrives first.
    public var nextDeadline: NIODeadline? {
        guard isLinkUp, let lastPoll else { return nil }
        return lastPoll + configuration.noPollTimeout
    }

    /// Queues an I-field; it goes out when the primary polls.
    public mutating func enqueue(_ information: ByteBuffer) throws(EnqueueError) {
        guard isLinkUp else { throw .linkDown }
        guard information.readableBytes <= configuration.maximumInformationLength else {
            throw .tooLong(length: information.readableBytes, limit: configuration.maximumInformationLength)
        }
        sendWindow.enqueue(information)
    }

    public mutating func setLocalBusy(_ busy: Bool) {
        isLocalBusy = busy
    }

    /// Time passed: declares the link down when no poll came for `noPollTimeout`.
    public mutating func tick(now: NIODeadline) -> [Action] {
        guard let deadline = nextDeadline, now >= deadline else { return [] }
        resetLink(to: .disconnected)
        return [.linkDown(.noPoll)]
    }

    /// The owner stops the station (resource deactivated): back to disconnected mode.
    public mutating func disconnect() -> [Action] {
        guard isLinkUp else { return [] }
        resetLink(to: .disconnected)
        return [.linkDown(.local)]
    }

    /// A poll was received with `deferringPollResponse` and awaits `answerPoll()`.
    public private(set) var isPollPending = false

    /// A frame from the line. Frames for other stations are ignored and never answered.
    ///
    /// With `deferringPollResponse`, a poll on an I- or S-frame is not answered at once:
    /// the owner first handles the delivered I-fields (queueing what they cause, e.g. SNA
    /// responses) and then calls `answerPoll()`, so the answer goes out in the same cycle.
    public mutating func receive(_ frame: SDLCFrame, now: NIODeadline, deferringPollResponse: Bool = false) -> [Action] {
        deferPoll = deferringPollResponse
        defer { deferPoll = false }
        guard frame.address == configuration.address || frame.address == SDLCFrame.broadcastAddress else {
            return []
        }
        let poll = frame.control.pollFinal
        if poll { lastPoll = now }
        var actions: [Action] = []
        switch frame.control {
        case .unnumbered(let function, _):
            receiveUnnumbered(function, frame: frame, poll: poll, now: now, into: &actions)
        case .supervisory(let function, let nr, _):
            receiveSupervisory(function, nr: nr, frame: frame, poll: poll, into: &actions)
        case .information(let ns, let nr, _):
            receiveInformation(ns: ns, nr: nr, frame: frame, poll: poll, into: &actions)
        }
        return actions
    }
}

extension SDLCSecondaryStation {
    private mutating func receiveUnnumbered(
        _ function: SDLCUnnumberedFunction, frame: SDLCFrame, poll: Bool, now: NIODeadline,
        into actions: inout [Action]
    ) {
        let hasInformation = frame.information.readableBytes > 0
        switch function {
        case .setNormalResponseMode where !hasInformation:
            let wasUp = isLinkUp
            resetLink(to: .normalResponse)
            lastPoll = now
            if wasUp { actions.append(.linkDown(.reset)) }
            actions.append(.linkUp)
            respond(.unnumberedAcknowledgment, poll: poll, into: &actions)
        case .disconnect where !hasInformation:
            if isLinkUp {
                resetLink(to: .disconnected)
                actions.append(.linkDown(.disconnected))
                respond(.unnumberedAcknowledgment, poll: poll, into: &actions)
            } else {
                respond(.disconnectedMode, poll: poll, into: &actions)
            }
        case .exchangeIdentification:
            // The primary's XID (often empty, a "null XID") is not checked: the host decides.
            guard poll else { return }
            let xid = SNAXID.format0(nodeType: configuration.nodeType, nodeID: configuration.nodeID)
            actions.append(.send(unnumbered(.exchangeIdentification, information: xid.information)))
        case .test:
            guard poll else { return }
            let fits = frame.information.readableBytes <= configuration.maximumInformationLength
            actions.append(.send(unnumbered(.test, information: fits ? frame.information : ByteBuffer())))
        default:
            // A response code, an unknown command, or SNRM/DISC with an I-field.
            if isLinkUp {
                reject(frame, poll: poll, invalidControl: true, informationNotAllowed: hasInformation, into: &actions)
            } else if poll {
                actions.append(.send(unnumbered(.disconnectedMode)))
            }
        }
    }

    private mutating func receiveSupervisory(
        _ function: SDLCSupervisoryFunction, nr: UInt8, frame: SDLCFrame, poll: Bool, into actions: inout [Action]
    ) {
        guard answerOutsideNRM(poll: poll, into: &actions) else { return }
        if function == .selectiveReject || frame.information.readableBytes > 0 {
            let hasInformation = frame.information.readableBytes > 0
            reject(frame, poll: poll, invalidControl: true, informationNotAllowed: hasInformation, into: &actions)
            return
        }
        guard sendWindow.isValid(receiveSequence: nr) else {
            reject(frame, poll: poll, invalidReceiveSequence: true, into: &actions)
            return
        }
        sendWindow.acknowledge(through: nr)
        switch function {
        case .receiveReady: isRemoteBusy = false
        case .receiveNotReady: isRemoteBusy = true
        case .reject:
            isRemoteBusy = false
            sendWindow.rewind()
        case .selectiveReject: break
        }
        if poll { respondToPoll(into: &actions) }
    }

    private mutating func receiveInformation(
        ns: UInt8, nr: UInt8, frame: SDLCFrame, poll: Bool, into actions: inout [Action]
    ) {
        guard answerOutsideNRM(poll: poll, into: &actions) else { return }
        guard frame.information.readableBytes <= configuration.maximumInformationLength else {
            reject(frame, poll: poll, informationTooLong: true, into: &actions)
            return
        }
        guard sendWindow.isValid(receiveSequence: nr) else {
            reject(frame, poll: poll, invalidReceiveSequence: true, into: &actions)
            return
        }
        sendWindow.acknowledge(through: nr)
        if isLocalBusy {
            // Discarded without advancing V(R): the primary resends once we are ready.
        } else if ns == receiveState {
            receiveState = (receiveState &+ 1) & 0x07
            rejectCondition = false
            actions.append(.deliver(frame.information))
        } else if !rejectCondition {
            rejectCondition = true
            rejectToSend = true
        }
        if poll { respondToPoll(into: &actions) }
    }

    /// Handles a numbered frame outside NRM; returns true when the caller should go on.
    private mutating func answerOutsideNRM(poll: Bool, into actions: inout [Action]) -> Bool {
        switch mode {
        case .normalResponse:
            return true
        case .disconnected:
            if poll {
                // A DISC that came without P is answered (UA) at the next poll.
                actions.append(.send(unnumbered(deferredResponse ?? .disconnectedMode)))
                deferredResponse = nil
            }
            return false
        case .frameReject:
            if poll, let frameReject { actions.append(.send(unnumbered(.frameReject, information: frameReject.information))) }
            return false
        }
    }

    /// Answers a poll deferred by `receive(_:now:deferringPollResponse:)`.
    public mutating func answerPoll() -> [Action] {
        guard isPollPending else { return [] }
        isPollPending = false
        guard mode == .normalResponse else { return [] }
        var actions: [Action] = []
        respondToPoll(into: &actions)
        return actions
    }

    /// Answers a poll: everything the window allows, final bit on the last frame.
    private mutating func respondToPoll(into actions: inout [Action]) {
        if deferPoll {
            isPollPending = true
            return
        }
        if let response = deferredResponse {
            deferredResponse = nil
            actions.append(.send(unnumbered(response)))
            return
        }
        // Checkpoint: the poll's N(R) (already applied) tells what the primary has; anything
        // sent before and still unacknowledged was lost and goes again.
        sendWindow.rewind()
        var frames: [SDLCFrame] = []
        if rejectToSend, !isLocalBusy {
            rejectToSend = false
            frames.append(supervisory(.reject, final: false))
        }
        if !isRemoteBusy {
            while let (ns, information) = sendWindow.nextFrame() {
                let control = SDLCControl.information(ns: ns, nr: receiveState, pollFinal: false)
                frames.append(SDLCFrame(address: configuration.address, control: control, information: information))
            }
        }
        if isLocalBusy {
            frames.append(supervisory(.receiveNotReady, final: true))
        } else if frames.isEmpty {
            frames.append(supervisory(.receiveReady, final: true))
        } else {
            frames[frames.count - 1].control = frames[frames.count - 1].control.with(pollFinal: true)
        }
        for frame in frames { actions.append(.send(frame)) }
    }

    private mutating func respond(_ function: SDLCUnnumberedFunction, poll: Bool, into actions: inout [Action]) {
        if poll {
            actions.append(.send(unnumbered(function)))
        } else {
            deferredResponse = function  // sent at the next poll
        }
    }

    private mutating func reject(
        _ frame: SDLCFrame, poll: Bool, invalidControl: Bool = false, informationNotAllowed: Bool = false,
        informationTooLong: Bool = false, invalidReceiveSequence: Bool = false, into actions: inout [Action]
    ) {
        let info = SDLCFrameReject(
            rejectedControl: frame.control.byte, sendState: sendWindow.sendState, receiveState: receiveState,
            invalidControl: invalidControl || informationNotAllowed, informationNotAllowed: informationNotAllowed,
            informationTooLong: informationTooLong, invalidReceiveSequence: invalidReceiveSequence)
        mode = .frameReject
        frameReject = info
        actions.append(.frameRejected(info))
        if poll { actions.append(.send(unnumbered(.frameReject, information: info.information))) }
    }

    private mutating func resetLink(to newMode: Mode) {
        mode = newMode
        sendWindow.reset()
        receiveState = 0
        isRemoteBusy = false
        rejectCondition = false
        rejectToSend = false
        deferredResponse = nil
        frameReject = nil
        isPollPending = false
    }

    private func unnumbered(_ function: SDLCUnnumberedFunction, information: ByteBuffer = ByteBuffer()) -> SDLCFrame {
        SDLCFrame(address: configuration.address, control: .unnumbered(function, pollFinal: true), information: information)
    }

    private func supervisory(_ function: SDLCSupervisoryFunction, final: Bool) -> SDLCFrame {
        SDLCFrame(address: configuration.address, control: .supervisory(function, nr: receiveState, pollFinal: final))
    }
}
