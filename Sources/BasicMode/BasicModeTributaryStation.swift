import NIOCore

/// The tributary station netmgrd runs on its own basic-mode line: one station address,
/// polled and selected by the host's control station. A value-type state machine: each event
/// returns the actions the owner carries out; time is an input.
///
/// Sending (when polled): one queued message per text block, heading with the LU local
/// address, ETX. The host answers ACK1 to the first block after the poll, then ACK0, ACK1 …;
/// only that answer makes the station report `.accepted(tag)`. NAK: the block is repeated, up
/// to `retryLimit` times, then `.failed(tag, .retryLimitReached)`. No answer within
/// `replyTimeout`: ENQ (reply request), counted as a retry; the previous ACK in answer to ENQ
/// means the block was lost and it is repeated. WACK: the host has the block but is busy; the
/// station waits `waitDelay` and asks with ENQ. RVI: the block is accepted and the station
/// ends its transmission (EOT) so the host can select it. After `blocksPerPoll` blocks, or
/// with nothing more to send, it ends with EOT; polled with nothing queued, it answers EOT.
///
/// Receiving (when selected): ACK0 to the selection, or WACK when the owner set it busy, or
/// RVI when an urgent message is queued. Good blocks are delivered and answered ACK1, ACK0 …
/// (WACK when busy, RVI when something urgent is queued); blocks with a bad block check or a
/// framing fault are answered NAK; ENQ gets the last answer again; EOT ends the selection.
///
/// The link counts as up from the first poll or selection, and as down when none arrives for
/// `pollTimeout` (`.linkDown(.noPoll)`); if none arrives within `pollTimeout` of `start`,
/// `.linkDown(.neverPolled)` is reported once.
public struct BasicModeTributaryStation<Tag: Hashable & Sendable>: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var address: BasicModeStationAddress
        public var coding: BasicModeCoding
        /// How long to wait for the host's answer to a block or ENQ.
        public var replyTimeout: TimeAmount
        /// No poll or selection for this long: the link is down.
        public var pollTimeout: TimeAmount
        /// Repetitions of one block (after NAK, or ENQ after no or the wrong answer) before
        /// the message fails.
        public var retryLimit: Int
        /// WACKs for one block before the message fails.
        public var waitLimit: Int
        /// Pause after WACK before asking again with ENQ.
        public var waitDelay: TimeAmount
        /// Blocks sent per poll at most, so the host gets to its other work.
        public var blocksPerPoll: Int
        /// Largest message (one block's text); also the decoder's limit on received text.
        public var maximumTextLength: Int
        /// Largest message received as several ETB blocks.
        public var maximumMessageLength: Int
        /// Messages queued at most (the one in flight included); `enqueue` beyond it throws
        /// `.queueFull`, so a host that stops polling cannot make the queue grow without bound.
        public var maximumQueued: Int

        public init(
            address: BasicModeStationAddress, coding: BasicModeCoding = .ascii,
            replyTimeout: TimeAmount = .seconds(3), pollTimeout: TimeAmount = .seconds(10),
            retryLimit: Int = 7, waitLimit: Int = 30, waitDelay: TimeAmount = .milliseconds(500),
            blocksPerPoll: Int = 8, maximumTextLength: Int = BasicModeDecoder.defaultMaximumTextLength,
            maximumMessageLength: Int = 65536, maximumQueued: Int = 256
        ) {
            self.address = address
            self.coding = coding
            self.replyTimeout = replyTimeout
            self.pollTimeout = pollTimeout
            self.retryLimit = max(0, retryLimit)
            self.waitLimit = max(0, waitLimit)
            self.waitDelay = waitDelay
            self.blocksPerPoll = max(1, blocksPerPoll)
            self.maximumTextLength = max(1, maximumTextLength)
            self.maximumMessageLength = max(self.maximumTextLength, maximumMessageLength)
            self.maximumQueued = max(1, maximumQueued)
        }
    }

    public enum FailureReason: Hashable, Sendable, CustomStringConvertible {
        /// NAKs or lost answers: the block was sent `retryLimit + 1` times.
        case retryLimitReached
        /// The host answered WACK more than `waitLimit` times.
        case waitLimitReached
        /// The owner stopped the station.
        case stopped

        public var description: String {
            switch self {
            case .retryLimitReached: return "the host did not acknowledge the block after all retries"
            case .waitLimitReached: return "the host stayed busy (WACK) past the wait limit"
            case .stopped: return "the station was stopped"
            }
        }
    }

    public enum LinkDownReason: Hashable, Sendable, CustomStringConvertible {
        /// No poll or selection for `pollTimeout` after the link was up.
        case noPoll
        /// No poll or selection within `pollTimeout` of `start`.
        case neverPolled
        /// The owner stopped the station.
        case stopped

        public var description: String {
            switch self {
            case .noPoll: return "the host stopped polling"
            case .neverPolled: return "the host never polled"
            case .stopped: return "stopped"
            }
        }
    }

    public enum Action: Hashable, Sendable {
        /// Transmit this element (encode it with the line's coding).
        case send(BasicModeElement)
        /// A message from the host for an LU.
        case delivered(lu: UInt8, payload: ByteBuffer)
        /// The host acknowledged the block carrying this message.
        case accepted(Tag)
        /// The message was given up; the host may or may not have it.
        case failed(Tag, FailureReason)
        /// A block with a good block check carried nothing deliverable (no LU heading, or a
        /// message too long); it was answered NAK.
        case discarded(BasicModeDiscardReason)
        case linkUp
        case linkDown(LinkDownReason)
        /// Call `tick(now:)` at this time (replaces any earlier timer).
        case setTimer(NIODeadline)
    }

    public enum EnqueueError: Error, Hashable, Sendable, CustomStringConvertible {
        case tooLong(length: Int, limit: Int)
        case queueFull(limit: Int)
        case stopped

        public var description: String {
            switch self {
            case .tooLong(let length, let limit): return "message of \(length) bytes is longer than the block limit of \(limit) bytes"
            case .queueFull(let limit): return "the basic-mode station already holds \(limit) messages for the host (its maximum queued)"
            case .stopped: return "the basic-mode station is stopped"
            }
        }
    }

    struct Outgoing: Sendable {
        var tag: Tag
        var block: BasicModeTextBlock
        var urgent: Bool
    }

    enum Phase: Sendable {
        case stopped
        /// Not polled or selected: waiting for the host.
        case control
        /// Polled: a block (or ENQ about it) is out and an answer is due by `deadline`.
        case sending(lastSentWasEnquiry: Bool, deadline: NIODeadline)
        /// WACK received: ENQ goes out at `until`.
        case waiting(until: NIODeadline)
        /// Selected: receiving blocks.
        case receiving
    }

    public let configuration: Configuration
    public private(set) var isLinkUp = false
    /// Set by the owner when it cannot take messages: selections and blocks get WACK.
    public private(set) var isBusy = false
    /// When the host last polled or selected this station, or sent anything to it.
    public private(set) var lastContact: NIODeadline?

    var phase = Phase.stopped
    private var wasStopped = false  // stop() called: no more messages
    private var queue = BasicModeQueue<Outgoing>()
    private var startedAt: NIODeadline?
    private var neverPolledReported = false
    // Sending.
    private var expectOdd = true
    private var retries = 0
    private var waits = 0
    private var blocksThisPoll = 0
    /// The host ended the exchange (EOT) while a block was out unanswered: that copy may
    /// still reach the host after its next poll, so the poll does not send a second one.
    private var copyInFlight = false
    // Receiving.
    private var nextReplyOdd = true
    private var lastReply: BasicModeElement = .negativeAcknowledgment
    private var unacknowledgedWait = false  // last answer was WACK for a good block
    private var waitAckOdd = true
    private var assembler: BasicModeMessageAssembler
    private var announcedDeadline: NIODeadline?
    /// When this station last transmitted: what arrives at that same instant was sent before
    /// the transmission could be seen, so it is not an answer to it.
    private var lastTransmissionAt: NIODeadline?

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.assembler = BasicModeMessageAssembler(maximumMessageLength: configuration.maximumMessageLength)
    }

    /// Messages queued, the one in flight included.
    public var queuedCount: Int { queue.count }

    /// A decoder for what the host sends on this station's line.
    public func makeDecoder() -> BasicModeDecoder {
        BasicModeDecoder(coding: configuration.coding, maximumTextLength: configuration.maximumTextLength)
    }

    /// When `tick` has something to do.
    public var nextDeadline: NIODeadline? {
        var deadlines: [NIODeadline] = []
        switch phase {
        case .stopped: return nil
        case .sending(_, let deadline): deadlines.append(deadline)
        case .waiting(let until): deadlines.append(until)
        case .control, .receiving: break
        }
        if isLinkUp, let lastContact {
            deadlines.append(lastContact + configuration.pollTimeout)
        } else if !neverPolledReported, lastContact == nil, let startedAt {
            deadlines.append(startedAt + configuration.pollTimeout)
        }
        return deadlines.min()
    }

    // MARK: - Events from the owner

    /// Starts waiting for the host's polls (once; a stopped station stays stopped).
    public mutating func start(now: NIODeadline) -> [Action] {
        guard case .stopped = phase, !wasStopped else { return [] }
        phase = .control
        startedAt = now
        neverPolledReported = false
        lastContact = nil
        var actions: [Action] = []
        announceDeadline(into: &actions)
        return actions
    }

    /// Stops the station: every queued message fails with `.stopped`.
    public mutating func stop() -> [Action] {
        guard !isStopped else { return [] }
        wasStopped = true
        var actions: [Action] = queue.removeAll().map { .failed($0.tag, .stopped) }
        if isLinkUp { actions.append(.linkDown(.stopped)) }
        isLinkUp = false
        phase = .stopped
        announcedDeadline = nil
        assembler.reset()
        return actions
    }

    public var isStopped: Bool {
        if case .stopped = phase { return true }
        return false
    }

    /// Queues a message for an LU (also before `start`); it goes out as one text block when
    /// the host polls. `urgent` makes the station answer a selection with RVI while it is queued.
    public mutating func enqueue(tag: Tag, lu: UInt8, payload: ByteBuffer, urgent: Bool = false) throws(EnqueueError) {
        guard !wasStopped else { throw .stopped }
        guard payload.readableBytes <= configuration.maximumTextLength else {
            throw .tooLong(length: payload.readableBytes, limit: configuration.maximumTextLength)
        }
        guard queue.count < configuration.maximumQueued else { throw .queueFull(limit: configuration.maximumQueued) }
        let block = BasicModeTextBlock(lu: lu, message: payload, coding: configuration.coding)
        queue.append(Outgoing(tag: tag, block: block, urgent: urgent))
    }

    /// Takes back the queued messages for `lu` that are not on the line: the block in flight
    /// (sent and not yet answered, or a copy the host may still answer) stays, since the host
    /// may already have it. Returns the removed messages' tags, in queue order; nothing is
    /// reported for them (the owner discards them on purpose, e.g. the client went away).
    public mutating func removeQueued(lu: UInt8) -> [Tag] {
        queue.removeAll(keepingFirst: headIsInFlight) { $0.block.luLocalAddress == lu }.map(\.tag)
    }

    /// The head of the queue has been sent and its answer may still come.
    private var headIsInFlight: Bool {
        switch phase {
        case .sending, .waiting: return true
        case .control, .receiving, .stopped: return copyInFlight
        }
    }

    public mutating func setBusy(_ busy: Bool) {
        isBusy = busy
    }

    /// Time passed: reply timeouts, the end of a WACK pause, the poll timeout.
    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        switch phase {
        case .stopped:
            return []
        case .sending(_, let deadline) where now >= deadline:
            retryOrFail(now: now, into: &actions) { station, actions in
                station.send(.enquiry, enquiry: true, now: now, into: &actions)
            }
        case .waiting(let until) where now >= until:
            send(.enquiry, enquiry: true, now: now, into: &actions)
        default:
            break
        }
        if actions.contains(where: { if case .send = $0 { true } else { false } }) {
            lastTransmissionAt = now
        }
        if isLinkUp, let lastContact, now >= lastContact + configuration.pollTimeout {
            linkLost(.noPoll, into: &actions)
        } else if !isLinkUp, !neverPolledReported, lastContact == nil, let startedAt,
                  now >= startedAt + configuration.pollTimeout {
            neverPolledReported = true
            actions.append(.linkDown(.neverPolled))
        }
        announceDeadline(into: &actions)
        return actions
    }

    /// What the decoder made of the host's bytes. Feed everything decoded from one read with
    /// the same `now`: after this station has answered at `now`, further answers, blocks and
    /// errors at that same `now` are ignored (one transmission, one answer; a corrupted
    /// transmission decoded as two elements must not make the station send twice). EOT, polls
    /// and selections are always taken.
    public mutating func receive(_ output: BasicModeDecoderOutput, now: NIODeadline) -> [Action] {
        guard !isStopped else { return [] }
        var actions: [Action] = []
        switch output {
        case .element(let element):
            receive(element, now: now, into: &actions)
        case .error(let error):
            // A broken block while selected is answered NAK; other noise is ignored.
            if error.isBlockError, case .receiving = phase, lastTransmissionAt != now {
                contact(now: now, into: &actions)
                reply(.negativeAcknowledgment, into: &actions)
            }
        }
        finish(now: now, into: &actions)
        return actions
    }

    /// An element from the host.
    public mutating func receive(_ element: BasicModeElement, now: NIODeadline) -> [Action] {
        guard !isStopped else { return [] }
        var actions: [Action] = []
        receive(element, now: now, into: &actions)
        finish(now: now, into: &actions)
        return actions
    }

    private mutating func finish(now: NIODeadline, into actions: inout [Action]) {
        if actions.contains(where: { if case .send = $0 { true } else { false } }) {
            lastTransmissionAt = now
        }
        announceDeadline(into: &actions)
    }
}

// MARK: - Handling elements

extension BasicModeTributaryStation {
    private mutating func receive(_ element: BasicModeElement, now: NIODeadline, into actions: inout [Action]) {
        switch element {
        case .poll(let address):
            guard address == configuration.address else { return leaveIfAddressed(to: address) }
            contact(now: now, into: &actions)
            polled(now: now, into: &actions)
        case .select(let address):
            guard address == configuration.address else { return leaveIfAddressed(to: address) }
            contact(now: now, into: &actions)
            selected(into: &actions)
        default:
            guard lastTransmissionAt != now else { return }  // sent before our transmission was seen
            switch phase {
            case .sending, .waiting:
                contact(now: now, into: &actions)
                answerWhileSending(element, now: now, into: &actions)
            case .receiving:
                contact(now: now, into: &actions)
                receiveWhileSelected(element, into: &actions)
            case .control, .stopped:
                break  // not addressed: another station's traffic, or noise
            }
        }
    }

    /// A poll or selection for another station ends whatever this one was doing.
    private mutating func leaveIfAddressed(to other: BasicModeStationAddress) {
        switch phase {
        case .sending, .waiting, .receiving: phase = .control
        case .control, .stopped: break
        }
    }

    private mutating func contact(now: NIODeadline, into actions: inout [Action]) {
        lastContact = now
        if !isLinkUp {
            isLinkUp = true
            actions.append(.linkUp)
        }
    }

    private mutating func linkLost(_ reason: LinkDownReason, into actions: inout [Action]) {
        isLinkUp = false
        copyInFlight = false
        phase = .control
        assembler.reset()
        actions.append(.linkDown(reason))
    }

    private mutating func polled(now: NIODeadline, into actions: inout [Action]) {
        // A poll restarts the exchange: a block in flight was not acknowledged and goes again.
        assembler.reset()
        blocksThisPoll = 0
        expectOdd = true
        let waitForCopy = copyInFlight
        copyInFlight = false
        guard !queue.isEmpty else {
            phase = .control
            actions.append(.send(.endOfTransmission))
            return
        }
        if waitForCopy {
            // The copy the host may not have seen yet answers this poll: its answer is ACK1
            // (or NAK, or nothing, and then ENQ). Sending it again could give the host two
            // blocks and this station the second one's ACK for the next message.
            retries = 0
            waits = 0
            blocksThisPoll = 1
            phase = .sending(lastSentWasEnquiry: false, deadline: now + configuration.replyTimeout)
            return
        }
        sendHead(now: now, into: &actions)
    }

    private mutating func selected(into actions: inout [Action]) {
        assembler.reset()
        copyInFlight = false
        nextReplyOdd = true
        unacknowledgedWait = false
        if isBusy {
            phase = .control
            actions.append(.send(.waitBeforeTransmit))
        } else if queue.contains(where: { $0.urgent }) {
            phase = .control
            actions.append(.send(.reverseInterrupt))
        } else {
            phase = .receiving
            reply(.ack0, into: &actions)
        }
    }

    /// Sends the head of the queue as a new block (first attempt).
    private mutating func sendHead(now: NIODeadline, into actions: inout [Action]) {
        guard let head = queue.first else { return }
        retries = 0
        waits = 0
        blocksThisPoll += 1
        send(.textBlock(head.block), enquiry: false, now: now, into: &actions)
    }

    private mutating func send(_ element: BasicModeElement, enquiry: Bool, now: NIODeadline, into actions: inout [Action]) {
        phase = .sending(lastSentWasEnquiry: enquiry, deadline: now + configuration.replyTimeout)
        actions.append(.send(element))
    }

    /// Counts a retry; past the limit the head fails and the transmission ends with EOT.
    private mutating func retryOrFail(
        now: NIODeadline, into actions: inout [Action], retry: (inout Self, inout [Action]) -> Void
    ) {
        retries += 1
        if retries > configuration.retryLimit {
            failHead(.retryLimitReached, into: &actions)
        } else {
            retry(&self, &actions)
        }
    }

    private mutating func failHead(_ reason: FailureReason, into actions: inout [Action]) {
        if let head = queue.removeFirst() { actions.append(.failed(head.tag, reason)) }
        endTransmission(into: &actions)
    }

    private mutating func endTransmission(into actions: inout [Action]) {
        phase = .control
        actions.append(.send(.endOfTransmission))
    }

    private mutating func answerWhileSending(_ element: BasicModeElement, now: NIODeadline, into actions: inout [Action]) {
        let lastSentWasEnquiry: Bool
        switch phase {
        case .sending(let enquiry, _): lastSentWasEnquiry = enquiry
        case .waiting: lastSentWasEnquiry = false  // an answer during the pause: take it as is
        default: return
        }
        guard let head = queue.first else {
            endTransmission(into: &actions)
            return
        }
        switch element {
        case .ack0, .ack1:
            let odd = element == .ack1
            if odd == expectOdd {
                _ = queue.removeFirst()
                actions.append(.accepted(head.tag))
                expectOdd.toggle()
                if !queue.isEmpty, blocksThisPoll < configuration.blocksPerPoll {
                    sendHead(now: now, into: &actions)
                } else {
                    endTransmission(into: &actions)
                }
            } else if lastSentWasEnquiry {
                // The previous block's ACK again: this block never arrived.
                retryOrFail(now: now, into: &actions) { station, actions in
                    station.send(.textBlock(head.block), enquiry: false, now: now, into: &actions)
                }
            } else {
                retryOrFail(now: now, into: &actions) { station, actions in
                    station.send(.enquiry, enquiry: true, now: now, into: &actions)
                }
            }
        case .negativeAcknowledgment:
            retryOrFail(now: now, into: &actions) { station, actions in
                station.send(.textBlock(head.block), enquiry: false, now: now, into: &actions)
            }
        case .waitBeforeTransmit:
            waits += 1
            if waits > configuration.waitLimit {
                failHead(.waitLimitReached, into: &actions)
            } else {
                phase = .waiting(until: now + configuration.waitDelay)
            }
        case .reverseInterrupt:
            // Positive acknowledgment; the host wants the line for something urgent.
            _ = queue.removeFirst()
            actions.append(.accepted(head.tag))
            expectOdd.toggle()
            endTransmission(into: &actions)
        case .endOfTransmission:
            // The host gave up this exchange: the message was not acknowledged and stays queued.
            copyInFlight = !lastSentWasEnquiry && { if case .sending = phase { true } else { false } }()
            phase = .control
        case .enquiry, .textBlock, .poll, .select:
            break  // not an answer to a block; the reply timeout deals with it
        }
    }

    private mutating func receiveWhileSelected(_ element: BasicModeElement, into actions: inout [Action]) {
        switch element {
        case .textBlock(let block):
            guard block.hasValidBlockCheck else {
                reply(.negativeAcknowledgment, into: &actions)
                return
            }
            switch assembler.add(block) {
            case .none: break
            case .message(let lu, let payload): actions.append(.delivered(lu: lu, payload: payload))
            case .discarded(let reason):
                // netmgr's blocks always carry the LU heading: one without it is more likely
                // a corrupted block whose check matched by chance (a 1-byte LRC does one time
                // in 256) than a real one, so it is answered NAK and comes again.
                actions.append(.discarded(reason))
                reply(.negativeAcknowledgment, into: &actions)
                return
            }
            let odd = nextReplyOdd
            nextReplyOdd.toggle()
            if isBusy {
                unacknowledgedWait = true
                waitAckOdd = odd
                reply(.waitBeforeTransmit, into: &actions)
            } else if queue.contains(where: { $0.urgent }) {
                unacknowledgedWait = false
                reply(.reverseInterrupt, into: &actions)
                phase = .control
            } else {
                unacknowledgedWait = false
                reply(.acknowledgment(odd: odd), into: &actions)
            }
        case .enquiry:
            if unacknowledgedWait, !isBusy {
                unacknowledgedWait = false
                reply(.acknowledgment(odd: waitAckOdd), into: &actions)
            } else {
                reply(lastReply, into: &actions)
            }
        case .endOfTransmission:
            phase = .control
            assembler.reset()
        default:
            break
        }
    }

    private mutating func reply(_ element: BasicModeElement, into actions: inout [Action]) {
        lastReply = element
        actions.append(.send(element))
    }

    private mutating func announceDeadline(into actions: inout [Action]) {
        let deadline = nextDeadline
        guard deadline != announcedDeadline else { return }
        announcedDeadline = deadline
        if let deadline { actions.append(.setTimer(deadline)) }
    }
}
