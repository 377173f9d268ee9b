import NIOCore

/// The control station of a basic-mode line, the host's side (the host simulator runs one
/// per line): it polls each configured tributary address in turn, receives and acknowledges
/// their blocks, and selects a station to send it the host's messages. A value-type state
/// machine: each event returns actions; time is an input.
///
/// Every poll and selection starts with EOT (`.send(.endOfTransmission)` then
/// `.send(.poll(a))`), which is also the recovery after a timeout. Blocks from a polled
/// station are answered ACK1, ACK0, … (WACK while the owner set it busy; a good block is
/// delivered even then), NAK for a bad block check or a broken block; ENQ gets the last answer
/// again (ENQ before the first block after a poll is ignored: it belongs to the exchange the
/// poll ended). EOT from the station ends its turn. No answer to a
/// poll within `replyTimeout`, or no next block within `receiveTimeout`, ends the turn too.
/// After `silentAfter` unanswered polls in a row a station is reported `.stationSilent`;
/// its next answer reports `.stationAnswering` (also reported for its very first answer).
///
/// Host messages for a station are sent when its turn comes, before it is polled: EOT,
/// select, ACK0 from the station, then blocks (the station answers ACK1, ACK0 …; NAK repeats
/// the block up to `retryLimit` times; WACK makes it wait `waitDelay` and ask with ENQ; RVI
/// accepts the block and hands the line to the station, which is polled next). A selection
/// answered WACK, NAK or not at all leaves the messages queued for the next turn.
///
/// When a whole cycle brought no traffic, the next one starts after `pollInterval`.
public struct BasicModeControlStation<Tag: Hashable & Sendable>: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var coding: BasicModeCoding
        /// The tributaries on this line, polled in this order.
        public var stations: [BasicModeStationAddress]
        /// How long to wait for the answer to a poll, selection, block or ENQ.
        public var replyTimeout: TimeAmount
        /// How long to wait for a polled station's next block after acknowledging one. Longer
        /// than the station's reply timeouts and retries, so that a lost acknowledgment is
        /// asked for again (ENQ) rather than the block sent again after a new poll.
        public var receiveTimeout: TimeAmount
        /// Pause after a cycle with no traffic.
        public var pollInterval: TimeAmount
        /// Repetitions of one host block before the message fails.
        public var retryLimit: Int
        /// WACKs for one host block before the message fails.
        public var waitLimit: Int
        /// Pause after WACK before asking again with ENQ.
        public var waitDelay: TimeAmount
        /// Unanswered polls in a row before a station counts as silent.
        public var silentAfter: Int
        /// Host blocks per selection at most.
        public var blocksPerSelection: Int
        public var maximumTextLength: Int
        public var maximumMessageLength: Int

        public init(
            coding: BasicModeCoding = .ascii, stations: [BasicModeStationAddress],
            replyTimeout: TimeAmount = .seconds(3), receiveTimeout: TimeAmount = .seconds(30),
            pollInterval: TimeAmount = .milliseconds(200), retryLimit: Int = 7, waitLimit: Int = 30,
            waitDelay: TimeAmount = .milliseconds(500), silentAfter: Int = 2, blocksPerSelection: Int = 8,
            maximumTextLength: Int = BasicModeDecoder.defaultMaximumTextLength, maximumMessageLength: Int = 65536
        ) {
            self.coding = coding
            self.stations = stations
            self.replyTimeout = replyTimeout
            self.receiveTimeout = receiveTimeout
            self.pollInterval = pollInterval
            self.retryLimit = max(0, retryLimit)
            self.waitLimit = max(0, waitLimit)
            self.waitDelay = waitDelay
            self.silentAfter = max(1, silentAfter)
            self.blocksPerSelection = max(1, blocksPerSelection)
            self.maximumTextLength = max(1, maximumTextLength)
            self.maximumMessageLength = max(self.maximumTextLength, maximumMessageLength)
        }
    }

    public enum FailureReason: Hashable, Sendable, CustomStringConvertible {
        case retryLimitReached
        case waitLimitReached
        case stopped

        public var description: String {
            switch self {
            case .retryLimitReached: return "the station did not acknowledge the block after all retries"
            case .waitLimitReached: return "the station stayed busy (WACK) past the wait limit"
            case .stopped: return "the control station was stopped"
            }
        }
    }

    public enum Action: Hashable, Sendable {
        /// Transmit this element (encode it with the line's coding).
        case send(BasicModeElement)
        /// A station's message for the host, from a block the host acknowledged.
        case received(station: BasicModeStationAddress, lu: UInt8, payload: ByteBuffer)
        /// A block with a good block check that carried nothing deliverable; answered NAK.
        case discarded(station: BasicModeStationAddress, reason: BasicModeDiscardReason)
        /// The station acknowledged the block carrying this host message.
        case delivered(Tag)
        /// A host message was given up; the station may or may not have it.
        case failed(Tag, FailureReason)
        /// `silentAfter` polls in a row went unanswered.
        case stationSilent(BasicModeStationAddress)
        /// The station answered for the first time, or again after being silent.
        case stationAnswering(BasicModeStationAddress)
        /// Call `tick(now:)` at this time (replaces any earlier timer).
        case setTimer(NIODeadline)
    }

    public enum EnqueueError: Error, Hashable, Sendable, CustomStringConvertible {
        case unknownStation(BasicModeStationAddress)
        case tooLong(length: Int, limit: Int)

        public var description: String {
            switch self {
            case .unknownStation(let address): return "\(address) is not on this basic-mode line"
            case .tooLong(let length, let limit): return "message of \(length) bytes is longer than the block limit of \(limit) bytes"
            }
        }
    }

    public enum StationState: Hashable, Sendable {
        /// Not answered yet.
        case unknown
        case answering
        case silent
    }

    struct Outgoing: Sendable {
        var tag: Tag
        var block: BasicModeTextBlock
    }

    enum Phase: Sendable {
        case stopped
        /// Between cycles, until the next one.
        case pause(until: NIODeadline)
        /// Poll sent; the station's first answer due by `deadline`.
        case polling(index: Int, deadline: NIODeadline)
        /// The polled station is sending; its next block due by `deadline`.
        case receiving(index: Int, deadline: NIODeadline)
        /// Selection sent; the answer due by `deadline`.
        case selecting(index: Int, deadline: NIODeadline)
        /// A host block (or ENQ about it) is out; the answer due by `deadline`.
        case sending(index: Int, lastSentWasEnquiry: Bool, deadline: NIODeadline)
        /// WACK received; ENQ goes out at `until`.
        case waiting(index: Int, until: NIODeadline)
    }

    public let configuration: Configuration
    /// Set by the owner when the host cannot take more: good blocks are answered WACK.
    public private(set) var isBusy = false
    public private(set) var stationStates: [BasicModeStationAddress: StationState] = [:]

    var phase = Phase.stopped
    private var queues: [BasicModeQueue<Outgoing>]
    private var unanswered: [Int]
    private var cycleHadTraffic = false
    // Receiving from a polled station.
    private var nextReplyOdd = true
    private var lastReply: BasicModeElement = .negativeAcknowledgment
    private var unacknowledgedWait = false
    private var waitAckOdd = true
    private var assembler: BasicModeMessageAssembler
    // Sending to a selected station.
    private var expectOdd = true
    private var retries = 0
    private var waits = 0
    private var blocksThisSelection = 0
    private var announcedDeadline: NIODeadline?
    /// When this station last transmitted: what arrives at that same instant was sent before
    /// the transmission could be seen, so it is not an answer to it.
    private var lastTransmissionAt: NIODeadline?

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.queues = Array(repeating: BasicModeQueue(), count: configuration.stations.count)
        self.unanswered = Array(repeating: 0, count: configuration.stations.count)
        self.assembler = BasicModeMessageAssembler(maximumMessageLength: configuration.maximumMessageLength)
        for station in configuration.stations { stationStates[station] = .unknown }
    }

    /// A decoder for what the tributaries send on this line.
    public func makeDecoder() -> BasicModeDecoder {
        BasicModeDecoder(coding: configuration.coding, maximumTextLength: configuration.maximumTextLength)
    }

    /// Host messages queued for `station`.
    public func queuedCount(for station: BasicModeStationAddress) -> Int {
        guard let index = configuration.stations.firstIndex(of: station) else { return 0 }
        return queues[index].count
    }

    /// The station whose turn it is (polled, selected, sending or receiving).
    public var currentStation: BasicModeStationAddress? {
        switch phase {
        case .stopped, .pause: return nil
        case .polling(let index, _), .receiving(let index, _), .selecting(let index, _),
             .sending(let index, _, _), .waiting(let index, _):
            return configuration.stations[index]
        }
    }

    public var nextDeadline: NIODeadline? {
        switch phase {
        case .stopped: return nil
        case .pause(let until), .waiting(_, let until): return until
        case .polling(_, let deadline), .receiving(_, let deadline), .selecting(_, let deadline),
             .sending(_, _, let deadline):
            return deadline
        }
    }

    // MARK: - Events from the owner

    /// Starts polling with the first station.
    public mutating func start(now: NIODeadline) -> [Action] {
        guard case .stopped = phase else { return [] }
        var actions: [Action] = []
        if configuration.stations.isEmpty {
            phase = .pause(until: now + configuration.pollInterval)
        } else {
            cycleHadTraffic = false
            beginTurn(index: 0, now: now, into: &actions)
        }
        finish(now: now, into: &actions)
        return actions
    }

    /// Stops: queued host messages fail with `.stopped`.
    public mutating func stop() -> [Action] {
        if case .stopped = phase { return [] }
        var actions: [Action] = []
        for index in queues.indices {
            actions += queues[index].removeAll().map { .failed($0.tag, .stopped) }
        }
        phase = .stopped
        announcedDeadline = nil
        assembler.reset()
        return actions
    }

    /// Queues a host message for an LU behind `station`; it goes out at the station's next turn.
    public mutating func enqueue(tag: Tag, station: BasicModeStationAddress, lu: UInt8, payload: ByteBuffer) throws(EnqueueError) {
        guard let index = configuration.stations.firstIndex(of: station) else { throw .unknownStation(station) }
        guard payload.readableBytes <= configuration.maximumTextLength else {
            throw .tooLong(length: payload.readableBytes, limit: configuration.maximumTextLength)
        }
        queues[index].append(Outgoing(tag: tag, block: BasicModeTextBlock(lu: lu, message: payload, coding: configuration.coding)))
    }

    public mutating func setBusy(_ busy: Bool) {
        isBusy = busy
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        switch phase {
        case .stopped:
            return []
        case .pause(let until) where now >= until:
            cycleHadTraffic = false
            beginTurn(index: 0, now: now, into: &actions)
        case .polling(let index, let deadline) where now >= deadline:
            unansweredPoll(index: index, into: &actions)
            nextTurn(after: index, now: now, into: &actions)
        case .receiving(let index, let deadline) where now >= deadline:
            nextTurn(after: index, now: now, into: &actions)
        case .selecting(let index, let deadline) where now >= deadline:
            // No answer to the selection: the messages wait; poll it (it may be sending).
            poll(index: index, now: now, into: &actions)
        case .sending(let index, _, let deadline) where now >= deadline:
            retryOrFail(index: index, now: now, into: &actions) { station, actions in
                station.sendToStation(.enquiry, index: index, enquiry: true, now: now, into: &actions)
            }
        case .waiting(let index, let until) where now >= until:
            sendToStation(.enquiry, index: index, enquiry: true, now: now, into: &actions)
        default:
            break
        }
        finish(now: now, into: &actions)
        return actions
    }

    /// What the decoder made of the line's bytes. Feed everything decoded from one read with
    /// the same `now`: once the control station has transmitted at `now`, whatever else
    /// arrives at that same `now` is ignored, because it was sent before the transmission
    /// could be seen (one transmission, one answer: a corrupted transmission that decodes as
    /// two elements, say a stray EOT and a block, or a broken block and a good one, must not
    /// get two answers, which could make a station take one block's ACK for the next).
    public mutating func receive(_ output: BasicModeDecoderOutput, now: NIODeadline) -> [Action] {
        guard lastTransmissionAt != now else { return [] }
        var actions: [Action] = []
        switch output {
        case .element(let element):
            receive(element, now: now, into: &actions)
        case .error(let error):
            guard error.isBlockError else { break }
            switch phase {
            case .polling(let index, _), .receiving(let index, _):
                answered(index: index, into: &actions)
                cycleHadTraffic = true
                replyToStation(.negativeAcknowledgment, index: index, now: now, into: &actions)
            default:
                break
            }
        }
        finish(now: now, into: &actions)
        return actions
    }

    public mutating func receive(_ element: BasicModeElement, now: NIODeadline) -> [Action] {
        guard lastTransmissionAt != now else { return [] }
        var actions: [Action] = []
        receive(element, now: now, into: &actions)
        finish(now: now, into: &actions)
        return actions
    }
}

// MARK: - The cycle

extension BasicModeControlStation {
    private mutating func receive(_ element: BasicModeElement, now: NIODeadline, into actions: inout [Action]) {
        switch phase {
        case .stopped, .pause:
            return
        case .polling(let index, _), .receiving(let index, _):
            receiveFromPolled(element, index: index, now: now, into: &actions)
        case .selecting(let index, _):
            answerToSelection(element, index: index, now: now, into: &actions)
        case .sending(let index, let enquiry, _):
            answerToBlock(element, index: index, lastSentWasEnquiry: enquiry, now: now, into: &actions)
        case .waiting(let index, _):
            answerToBlock(element, index: index, lastSentWasEnquiry: false, now: now, into: &actions)
        }
    }

    /// The station's turn: select it first when host messages wait for it, else poll it.
    private mutating func beginTurn(index: Int, now: NIODeadline, into actions: inout [Action]) {
        if !queues[index].isEmpty {
            expectOdd = true
            blocksThisSelection = 0
            phase = .selecting(index: index, deadline: now + configuration.replyTimeout)
            actions.append(.send(.endOfTransmission))
            actions.append(.send(.select(configuration.stations[index])))
        } else {
            poll(index: index, now: now, into: &actions)
        }
    }

    private mutating func poll(index: Int, now: NIODeadline, into actions: inout [Action]) {
        nextReplyOdd = true
        lastReply = .negativeAcknowledgment
        unacknowledgedWait = false
        assembler.reset()
        phase = .polling(index: index, deadline: now + configuration.replyTimeout)
        actions.append(.send(.endOfTransmission))
        actions.append(.send(.poll(configuration.stations[index])))
    }

    private mutating func nextTurn(after index: Int, now: NIODeadline, into actions: inout [Action]) {
        let next = index + 1
        if next < configuration.stations.count {
            beginTurn(index: next, now: now, into: &actions)
        } else if cycleHadTraffic {
            cycleHadTraffic = false
            beginTurn(index: 0, now: now, into: &actions)
        } else {
            phase = .pause(until: now + configuration.pollInterval)
        }
    }

    private mutating func answered(index: Int, into actions: inout [Action]) {
        unanswered[index] = 0
        let station = configuration.stations[index]
        if stationStates[station] != .answering {
            stationStates[station] = .answering
            actions.append(.stationAnswering(station))
        }
    }

    private mutating func unansweredPoll(index: Int, into actions: inout [Action]) {
        unanswered[index] += 1
        let station = configuration.stations[index]
        if unanswered[index] >= configuration.silentAfter, stationStates[station] != .silent {
            stationStates[station] = .silent
            actions.append(.stationSilent(station))
        }
    }

    // MARK: Receiving from a polled station

    private mutating func receiveFromPolled(_ element: BasicModeElement, index: Int, now: NIODeadline, into actions: inout [Action]) {
        let station = configuration.stations[index]
        switch element {
        case .endOfTransmission:
            answered(index: index, into: &actions)
            nextTurn(after: index, now: now, into: &actions)
        case .textBlock(let block):
            answered(index: index, into: &actions)
            cycleHadTraffic = true
            guard block.hasValidBlockCheck else {
                replyToStation(.negativeAcknowledgment, index: index, now: now, into: &actions)
                return
            }
            switch assembler.add(block) {
            case .none: break
            case .message(let lu, let payload): actions.append(.received(station: station, lu: lu, payload: payload))
            case .discarded(let reason):
                // Without netmgr's LU heading: more likely corrupted than real; NAK.
                actions.append(.discarded(station: station, reason: reason))
                replyToStation(.negativeAcknowledgment, index: index, now: now, into: &actions)
                return
            }
            let odd = nextReplyOdd
            nextReplyOdd.toggle()
            if isBusy {
                unacknowledgedWait = true
                waitAckOdd = odd
                replyToStation(.waitBeforeTransmit, index: index, now: now, into: &actions)
            } else {
                unacknowledgedWait = false
                replyToStation(.acknowledgment(odd: odd), index: index, now: now, into: &actions)
            }
        case .enquiry:
            // Right after a poll, ENQ belongs to the exchange the poll ended (sent before the
            // station saw the poll): answering it could cross the station's new block. The
            // station's own reply timeout and this poll's timeout recover a lost block.
            guard case .receiving = phase else { return }
            answered(index: index, into: &actions)
            if unacknowledgedWait, !isBusy {
                unacknowledgedWait = false
                replyToStation(.acknowledgment(odd: waitAckOdd), index: index, now: now, into: &actions)
            } else {
                replyToStation(lastReply, index: index, now: now, into: &actions)
            }
        default:
            break  // not an answer to a poll; the timeout deals with it
        }
    }

    private mutating func replyToStation(_ element: BasicModeElement, index: Int, now: NIODeadline, into actions: inout [Action]) {
        lastReply = element
        phase = .receiving(index: index, deadline: now + configuration.receiveTimeout)
        actions.append(.send(element))
    }

    // MARK: Sending host messages to a selected station

    private mutating func answerToSelection(_ element: BasicModeElement, index: Int, now: NIODeadline, into actions: inout [Action]) {
        switch element {
        case .ack0:
            answered(index: index, into: &actions)
            cycleHadTraffic = true
            sendHead(index: index, now: now, into: &actions)
        case .waitBeforeTransmit, .negativeAcknowledgment, .endOfTransmission, .reverseInterrupt:
            // Busy, not ready, or urgent output of its own: poll it; the messages wait.
            answered(index: index, into: &actions)
            poll(index: index, now: now, into: &actions)
        default:
            break
        }
    }

    private mutating func sendHead(index: Int, now: NIODeadline, into actions: inout [Action]) {
        guard let head = queues[index].first else {
            poll(index: index, now: now, into: &actions)
            return
        }
        retries = 0
        waits = 0
        blocksThisSelection += 1
        sendToStation(.textBlock(head.block), index: index, enquiry: false, now: now, into: &actions)
    }

    private mutating func sendToStation(_ element: BasicModeElement, index: Int, enquiry: Bool, now: NIODeadline, into actions: inout [Action]) {
        phase = .sending(index: index, lastSentWasEnquiry: enquiry, deadline: now + configuration.replyTimeout)
        actions.append(.send(element))
    }

    private mutating func retryOrFail(
        index: Int, now: NIODeadline, into actions: inout [Action], retry: (inout Self, inout [Action]) -> Void
    ) {
        retries += 1
        if retries > configuration.retryLimit {
            failHead(index: index, .retryLimitReached, now: now, into: &actions)
        } else {
            retry(&self, &actions)
        }
    }

    private mutating func failHead(index: Int, _ reason: FailureReason, now: NIODeadline, into actions: inout [Action]) {
        if let head = queues[index].removeFirst() { actions.append(.failed(head.tag, reason)) }
        poll(index: index, now: now, into: &actions)
    }

    private mutating func answerToBlock(
        _ element: BasicModeElement, index: Int, lastSentWasEnquiry: Bool, now: NIODeadline, into actions: inout [Action]
    ) {
        guard let head = queues[index].first else {
            poll(index: index, now: now, into: &actions)
            return
        }
        switch element {
        case .ack0, .ack1:
            let odd = element == .ack1
            if odd == expectOdd {
                _ = queues[index].removeFirst()
                actions.append(.delivered(head.tag))
                expectOdd.toggle()
                if !queues[index].isEmpty, blocksThisSelection < configuration.blocksPerSelection {
                    sendHead(index: index, now: now, into: &actions)
                } else {
                    poll(index: index, now: now, into: &actions)  // its EOT ends the selection
                }
            } else if lastSentWasEnquiry {
                retryOrFail(index: index, now: now, into: &actions) { station, actions in
                    station.sendToStation(.textBlock(head.block), index: index, enquiry: false, now: now, into: &actions)
                }
            } else {
                retryOrFail(index: index, now: now, into: &actions) { station, actions in
                    station.sendToStation(.enquiry, index: index, enquiry: true, now: now, into: &actions)
                }
            }
        case .negativeAcknowledgment:
            retryOrFail(index: index, now: now, into: &actions) { station, actions in
                station.sendToStation(.textBlock(head.block), index: index, enquiry: false, now: now, into: &actions)
            }
        case .waitBeforeTransmit:
            waits += 1
            if waits > configuration.waitLimit {
                failHead(index: index, .waitLimitReached, now: now, into: &actions)
            } else {
                phase = .waiting(index: index, until: now + configuration.waitDelay)
            }
        case .reverseInterrupt:
            _ = queues[index].removeFirst()
            actions.append(.delivered(head.tag))
            expectOdd.toggle()
            poll(index: index, now: now, into: &actions)
        case .endOfTransmission:
            poll(index: index, now: now, into: &actions)
        case .enquiry, .textBlock, .poll, .select:
            break
        }
    }

    private mutating func finish(now: NIODeadline, into actions: inout [Action]) {
        if actions.contains(where: { if case .send = $0 { true } else { false } }) {
            lastTransmissionAt = now
        }
        announceDeadline(into: &actions)
    }

    private mutating func announceDeadline(into actions: inout [Action]) {
        let deadline = nextDeadline
        guard deadline != announcedDeadline else { return }
        announcedDeadline = deadline
        if let deadline { actions.append(.setTimer(deadline)) }
    }
}
