import BasicMode
import LineTransport
import Logging
import NIOCore
import NetMgrCore
import NetMgrProtocol

/// The host side of a BDLC (basic-mode) resource: netmgrd's tributary station
/// (`BasicModeTributaryStation`) on this node's own line to the host, with this node's own
/// station address. Nothing is switched: after a failover the host polls the other node's
/// station on the other node's line (△).
///
/// `start()` opens the node's device and waits for the host's polls; each client message
/// goes out as one text block for its LU when the host polls, and is reported `accepted`
/// only when the host ACKed that block. The station's queue holds at most `maximumQueued`
/// messages; the others wait in the attachment (`BDLCOutbox`) and follow as the host ACKs,
/// so a backlog (a slow host, the replay after a failover) is held, never refused; the LUs
/// take turns in the station's queue. Blocks the host sends by selection are delivered to
/// the LU. When the line closes, or polls stop for the line's `poll-timeout`, or a block
/// cannot get through, the line is opened again with the retry policy and every message
/// not yet ACKed goes again, in order (at-least-once; the host may see a duplicate).
/// Confined to the daemon's event loop.
final class BDLCAttachment: HostAttachment {
    enum Phase: Equatable {
        case idle
        case opening
        case running
        /// The line dropped (or never opened); trying again.
        case reconnecting
        case stopping
        case stopped
    }

    weak var delegate: HostAttachmentDelegate?
    let plan: BDLCLinePlan
    let address: BasicModeStationAddress
    let loop: any EventLoop
    let transport: any RawLineTransport
    let retry: RetryPolicy
    let replyTimeout: TimeAmount
    /// Messages in the tributary station's queue at most (the one on the line included),
    /// default 256 per station, like LAPB's. More wait in the attachment and are not refused:
    /// the router bounds what each LU may hand over (`luQueueMessages`, `luQueueBytes`), above
    /// the client's own per-session queue, so a host that stops polling cannot make the daemon
    /// grow without bound, and a client that keeps to its queue is never refused. (Refusing
    /// here, as this once did, reported messages of a merely slow host as host-rejected: the
    /// client drops those for good, after its `submit` had returned.)
    let maximumQueued: Int
    let logger: Logger
    private(set) var phase = Phase.idle
    private var station: BasicModeTributaryStation<MessageTag>
    private var decoder: BasicModeDecoder
    private let encoder: BasicModeEncoder
    private var connection: RawLineConnection?
    /// Every message not yet ACKed by the host, in the order the clients sent them, and which
    /// of them the station has.
    private var outbox: BDLCOutbox
    private var started = false
    private var timer: Scheduled<Void>?
    private var reconnectTask: Scheduled<Void>?
    private var reconnectAttempt = 0
    /// Counts connections, so events of a closed one are told from the current one's.
    private var connectionNumber = 0

    init(plan: BDLCLinePlan, loop: any EventLoop, transport: (any RawLineTransport)? = nil, retry: RetryPolicy,
         replyTimeout: TimeAmount = .seconds(1), maximumQueued: Int = 256, logger: Logger) throws {
        guard let address = BasicModeStationAddress(rawValue: plan.stationAddress) else {
            throw AdminFailure("resource \(plan.resource), line \(plan.line), node \(plan.node): bdlc-address \(BDLCLinePlan.hex(plan.stationAddress)) "
                + "is not a basic-mode station address (0x40-0x5F, 0x80-0x9F or 0xC0-0xDF)")
        }
        self.plan = plan
        self.address = address
        self.loop = loop
        self.transport = transport ?? makeRawLineTransport(device: plan.device, logger: logger)
        self.retry = retry
        self.replyTimeout = replyTimeout
        self.maximumQueued = max(1, maximumQueued)
        var logger = logger
        logger[metadataKey: "resource"] = "\(plan.resource)"
        self.logger = logger
        self.encoder = BasicModeEncoder(coding: plan.coding.basicMode)
        self.station = Self.makeStation(address: address, plan: plan, replyTimeout: replyTimeout, maximumQueued: self.maximumQueued)
        self.decoder = station.makeDecoder()
        self.outbox = BDLCOutbox(window: self.maximumQueued)
    }

    static func makeStation(address: BasicModeStationAddress, plan: BDLCLinePlan, replyTimeout: TimeAmount,
                            maximumQueued: Int) -> BasicModeTributaryStation<MessageTag> {
        // The outbox hands it no more than this many, so the same limit never makes it refuse.
        BasicModeTributaryStation(configuration: .init(
            address: address, coding: plan.coding.basicMode, replyTimeout: replyTimeout, pollTimeout: plan.pollTimeout,
            maximumQueued: maximumQueued))
    }

    var resourceName: String { plan.resource }
    var hostVisibleAddress: String { plan.hostVisibleAddress }
    /// Messages held until the host ACKs them (tests, status).
    var heldMessages: Int { outbox.count }
    /// Of those, the ones in the station's queue (tests).
    var stationQueued: Int { station.queuedCount }

    // MARK: HostAttachment

    func start() {
        loop.assertInEventLoop()
        guard phase == .idle else { return }
        phase = .opening
        for lu in plan.logicalUnits { setState(lu.address, .waitingForHost, "opening \(plan.line) on \(plan.device)") }
        open()
    }

    func stop() {
        loop.assertInEventLoop()
        switch phase {
        case .stopping, .stopped:
            return
        case .opening:
            phase = .stopping  // finished when the open completes
        case .idle, .running, .reconnecting:
            finishStop()
        }
    }

    func send(lu name: String, tag: MessageTag, payload: ByteBuffer) {
        loop.assertInEventLoop()
        guard let lu = luAddress(of: name) else {
            delegate?.attachment(self, lu: name, rejected: tag, reason: "LU \(name) is not defined for \(plan.resource)")
            return
        }
        guard payload.readableBytes <= station.configuration.maximumTextLength else {
            delegate?.attachment(self, lu: name, rejected: tag,
                                 reason: "message of \(payload.readableBytes) bytes is longer than a basic-mode block (\(station.configuration.maximumTextLength) bytes)")
            return
        }
        outbox.append(BDLCOutbox.Entry(lu: lu, tag: tag, payload: payload, since: .now()))
        if phase == .running { feedStation() }
    }

    func discardUnsent(lu name: String) {
        loop.assertInEventLoop()
        guard let lu = luAddress(of: name) else { return }
        // The station gives back what is not on the line; the block in flight stays (the host
        // may have it already) and is still reported when the host answers it. Stopped, it
        // holds nothing.
        let givenBack = phase == .running ? Set(station.removeQueued(lu: lu)) : []
        outbox.discard(lu: lu, givenBack: givenBack)
        if phase == .running { feedStation() }
    }

    func luStatus(_ name: String, now: NIODeadline) -> LUDeliveryStatus? {
        guard let lu = luAddress(of: name) else { return nil }
        let mine = outbox.held(lu: lu)
        return LUDeliveryStatus(unacked: mine.count, oldestUnacked: mine.first.map { now - $0.since }, timeToBind: nil,
                                hostScreen: nil, rejection: nil, keyboardLocked: false, queryOutstanding: false)
    }

    // MARK: Line

    private func open() {
        connectionNumber += 1
        let number = connectionNumber
        let bound = NIOLoopBound(self, eventLoop: loop)
        transport.open(on: loop) { event in bound.value.lineEvent(event, connection: number) }.whenComplete { result in
            let attachment = bound.value
            switch result {
            case .success(let connection):
                if attachment.phase == .stopping || attachment.phase == .stopped {
                    connection.close()
                    if attachment.phase == .stopping { attachment.finishStop() }
                    return
                }
                attachment.connected(connection)
            case .failure(let error):
                if attachment.phase == .stopping { return attachment.finishStop() }
                // The host may come later: the resource is up, its LUs wait for the host.
                attachment.reportStarted()
                attachment.scheduleReconnect(after: "\(error)")
            }
        }
    }

    private func connected(_ connection: RawLineConnection) {
        self.connection = connection
        phase = .running
        reconnectAttempt = 0
        // A fresh station per connection; every message not ACKed goes again, in order.
        station = Self.makeStation(address: address, plan: plan, replyTimeout: replyTimeout, maximumQueued: maximumQueued)
        decoder = station.makeDecoder()
        outbox.stationReset()
        logger.info("\(plan.line) open on \(plan.device): \(hostVisibleAddress), LUs \(plan.logicalUnits.map { "\($0.name)=\($0.address)" }.joined(separator: " ")); waiting for the host to poll")
        reportStarted()
        let actions = station.start(now: .now())
        feedStation()
        perform(actions)
        if !connection.isActive, self.connection === connection { lineLost("line device \(plan.device) closed as it opened") }
    }

    private func reportStarted() {
        guard !started else { return }
        started = true
        delegate?.attachmentStarted(self)
    }

    /// Tops the station's queue up from the outbox, oldest first.
    private func feedStation() {
        outbox.feed { message in
            do {
                try station.enqueue(tag: message.tag, lu: message.lu, payload: message.payload)
                return true
            } catch {
                // Not expected (the window is the station's limit): it waits for the next try.
                logger.warning("\(plan.line): LU \(message.lu): not queued: \(error)")
                return false
            }
        }
    }

    private func scheduleReconnect(after reason: String) {
        guard phase != .stopping, phase != .stopped else { return }
        phase = .reconnecting
        reconnectAttempt += 1
        countRetry()
        let delay = retry.delay(attempt: reconnectAttempt)
        if reconnectAttempt == 1 || reconnectAttempt % 20 == 0 {
            logger.warning("\(plan.line): \(reason); trying again in \(delay) ms (attempt \(reconnectAttempt))")
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        reconnectTask = loop.scheduleTask(in: .milliseconds(delay)) {
            let attachment = bound.value
            guard attachment.phase == .reconnecting else { return }
            attachment.open()
        }
    }

    /// The line is lost: the station stops, the LUs wait for the host again, and the line
    /// is opened again.
    private func lineLost(_ reason: String) {
        guard phase == .running else { return }
        timer?.cancel()
        timer = nil
        _ = station.stop()  // its queue fails with .stopped; the outbox keeps every message
        outbox.stationReset()
        connection?.close()
        connection = nil
        for lu in plan.logicalUnits { setState(lu.address, .hostLost, "\(reason); opening \(plan.line) again") }
        scheduleReconnect(after: reason)
    }

    private func lineEvent(_ event: RawLineEvent, connection number: Int) {
        guard number == connectionNumber, phase == .running else { return }
        switch event {
        case .bytes(var bytes):
            // One instant per read: the station recognises "the same transmission" by equal
            // `now`, so everything decoded from these bytes gets at most one answer.
            let now = NIODeadline.now()
            while phase == .running, number == connectionNumber, let output = decoder.decode(buffer: &bytes) {
                if case .error(let error) = output { logger.debug("\(plan.line): \(error)") }
                perform(station.receive(output, now: now))
            }
        case .carrier:
            break  // a leased basic-mode line: the modem's DCD is not watched
        case .closed(let error):
            connection = nil
            lineLost("line device \(plan.device) closed\(error.map { ": \($0)" } ?? "")")
        }
    }

    private func finishStop() {
        guard phase != .stopped else { return }
        phase = .stopped
        timer?.cancel()
        timer = nil
        reconnectTask?.cancel()
        _ = station.stop()
        outbox.stationReset()
        let closing = connection?.close() ?? loop.makeSucceededVoidFuture()
        connection = nil
        let bound = NIOLoopBound(self, eventLoop: loop)
        closing.whenComplete { _ in
            let attachment = bound.value
            attachment.logger.info("\(attachment.plan.line) closed")
            attachment.delegate?.attachmentStopped(attachment)
        }
    }

    // MARK: Station

    private func perform(_ actions: [BasicModeTributaryStation<MessageTag>.Action]) {
        var out = ByteBuffer()
        var lost: String?
        for action in actions {
            switch action {
            case .send(let element):
                do {
                    try encoder.encode(element, into: &out)
                } catch {
                    logger.error("\(plan.line): cannot encode \(element): \(error)")
                }
            case .delivered(let lu, let payload):
                guard let name = luName(of: lu) else {
                    logger.warning("\(plan.line): host data for LU \(lu), which \(plan.resource) does not have")
                    continue
                }
                delegate?.attachment(self, lu: name, hostData: payload)
            case .accepted(let tag):
                guard let message = outbox.accepted(tag) else { continue }
                if let name = luName(of: message.lu) { delegate?.attachment(self, lu: name, accepted: tag) }
            case .failed(let tag, let reason):
                switch reason {
                case .stopped:
                    break  // our own stop; the message is still pending
                case .retryLimitReached, .waitLimitReached:
                    countReject()  // the host would not take the block (NAKs, no answer, WACKs past the limit)
                    // The host may or may not have it: take the line down and send it again.
                    lost = "message \(tag) not acknowledged: \(reason)"
                }
            case .discarded(let reason):
                logger.warning("\(plan.line): host block acknowledged but not delivered: \(reason)")
            case .linkUp:
                countConnect()
                logger.info("\(plan.line): the host polls \(hostVisibleAddress)")
                for lu in plan.logicalUnits { setState(lu.address, .bound, "\(hostVisibleAddress) LU \(lu.address)") }
            case .linkDown(let reason):
                lost = "\(reason) (poll-timeout \(plan.pollTimeout.nanoseconds / 1_000_000_000) s)"
            case .setTimer(let deadline):
                arm(deadline)
            }
        }
        if out.readableBytes > 0 { connection?.send(out) }
        if let lost {
            lineLost(lost)
        } else if phase == .running, outbox.waiting > 0 {
            feedStation()  // ACKs made room in the station's queue
        }
    }

    private func arm(_ deadline: NIODeadline) {
        guard phase == .running else { return }
        timer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) {
            let attachment = bound.value
            attachment.timer = nil
            guard attachment.phase == .running else { return }
            attachment.perform(attachment.station.tick(now: .now()))
        }
    }

    // MARK: LUs

    private func setState(_ lu: UInt8, _ state: SessionState, _ detail: String) {
        guard let name = luName(of: lu) else { return }
        delegate?.attachment(self, lu: name, state: state, detail: detail)
    }

    private func luAddress(of name: String) -> UInt8? { plan.logicalUnits.first { $0.name == name }?.address }
    private func luName(of lu: UInt8) -> String? { plan.logicalUnits.first { $0.address == lu }?.name }
}

extension LineCoding {
    var basicMode: BasicModeCoding {
        switch self {
        case .ascii: return .ascii
        case .ebcdic: return .ebcdic
        }
    }
}
