import LineTransport
import Logging
import NIOCore
import NetMgrProtocol
import SDLC

/// The host side of an HDLC leased-line resource: netmgrd's SDLC secondary station with
/// PU 2 (`SDLCTerminal`) on the node's end of the line, behind the line switch device.
///
/// `start()` switches the line to this node with the activation epoch (as CLUSTERPRO does),
/// opens the node's device and waits for the host: it polls the station address, exchanges
/// XID, sends SNRM, ACTPU, ACTLU per LU and BIND. The station address, XID node id and LU
/// local addresses come from the definitions, so on either node the host finds the same
/// terminal. Messages are kept until the host's +RSP and sent again after re-binding.
/// Confined to the daemon's event loop.
final class SDLCAttachment: HostAttachment {
    enum Phase: Equatable {
        case idle
        case switching
        case opening
        case running
        /// The line dropped under a running attachment; trying again.
        case reconnecting
        case stopping
        case stopped
    }

    weak var delegate: HostAttachmentDelegate?
    let plan: SDLCLinePlan
    let loop: any EventLoop
    let transport: any LineTransport
    let retry: RetryPolicy
    let logger: Logger
    private(set) var phase = Phase.idle
    private(set) var terminal: SDLCTerminal
    private var connection: LineConnection?
    private var outbox = SDLCOutbox()
    private var luStates: [UInt8: SessionState] = [:]
    /// LUs whose session may carry data now (BIND, and SDT where the BIND asks for it).
    private var dataTraffic: Set<UInt8> = []
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var reconnectTask: Scheduled<Void>?
    private var reconnectAttempt = 0
    /// Counts connections, so events of a closed one are told from the current one's.
    private var connectionNumber = 0

    init(plan: SDLCLinePlan, loop: any EventLoop, transport: (any LineTransport)? = nil, retry: RetryPolicy, logger: Logger) {
        self.plan = plan
        self.loop = loop
        self.transport = transport ?? makeLineTransport(device: plan.device, logger: logger)
        self.retry = retry
        var logger = logger
        logger[metadataKey: "resource"] = "\(plan.resource)"
        self.logger = logger
        self.terminal = Self.makeTerminal(plan)
    }

    static func makeTerminal(_ plan: SDLCLinePlan) -> SDLCTerminal {
        SDLCTerminal(
            station: .init(address: plan.stationAddress, nodeID: plan.nodeID),
            physicalUnit: .init(localAddresses: Set(plan.logicalUnits.map(\.address))))
    }

    var resourceName: String { plan.resource }
    var hostVisibleAddress: String { plan.hostVisibleAddress }

    // MARK: HostAttachment

    func start() {
        loop.assertInEventLoop()
        guard phase == .idle else { return }
        for lu in plan.logicalUnits { setState(lu.address, .waitingForHost, "switching \(plan.unit) to \(plan.node)") }
        switchAndOpen(firstTime: true)
    }

    func stop() {
        loop.assertInEventLoop()
        switch phase {
        case .stopping, .stopped:
            return
        case .switching, .opening:
            phase = .stopping  // finished when the pending step completes
        case .idle, .running, .reconnecting:
            finishStop()
        }
    }

    func send(lu name: String, tag: MessageTag, payload: ByteBuffer) {
        loop.assertInEventLoop()
        guard let lu = address(of: name) else {
            delegate?.attachment(self, lu: name, rejected: tag, reason: "LU \(name) is not defined for \(plan.resource)")
            return
        }
        outbox.add(lu: lu, tag: tag, payload: payload)
        flush(lu)
    }

    func discardUnsent(lu name: String) {
        loop.assertInEventLoop()
        guard let lu = address(of: name) else { return }
        outbox.discardUnsent(lu: lu)
    }

    /// Messages held for the host (tests, status).
    var heldMessages: Int { outbox.count }

    // MARK: Switch and line

    private func switchAndOpen(firstTime: Bool) {
        phase = firstTime ? .switching : .reconnecting
        let bound = NIOLoopBound(self, eventLoop: loop)
        LineSwitchClient.request(plan.unit, to: plan.node, epoch: plan.epoch, control: plan.control, on: loop)
            .whenComplete { result in
                let attachment = bound.value
                switch result {
                case .success(let reply):
                    attachment.logger.info("\(attachment.plan.unit) switched to \(attachment.plan.node), epoch \(attachment.plan.epoch): \(reply)")
                    attachment.open(firstTime: firstTime)
                case .failure(let error):
                    attachment.failed(firstTime: firstTime, reason: "cannot switch the line: \(error)")
                }
            }
    }

    private func open(firstTime: Bool) {
        if phase == .stopping { return finishStop() }
        if firstTime { phase = .opening }
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
                attachment.failed(firstTime: firstTime, reason: "\(error)")
            }
        }
    }

    private func connected(_ connection: LineConnection) {
        self.connection = connection
        let wasRunning = phase == .reconnecting
        phase = .running
        reconnectAttempt = 0
        terminal = Self.makeTerminal(plan)  // a fresh cable: the station starts disconnected
        dataTraffic = []
        logger.info("\(plan.line) open on \(plan.device): station \(hostVisibleAddress), LUs \(plan.logicalUnits.map { "\($0.name)=\($0.address)" }.joined(separator: " ")); waiting for the host to poll")
        if !wasRunning { delegate?.attachmentStarted(self) }
        armTimer()
    }

    private func failed(firstTime: Bool, reason: String) {
        if phase == .stopping { return finishStop() }
        if firstTime {
            logger.error("\(plan.resource): \(reason)")
            phase = .stopped
            delegate?.attachment(self, failed: reason)
        } else {
            scheduleReconnect(after: reason)
        }
    }

    private func scheduleReconnect(after reason: String) {
        guard phase != .stopping, phase != .stopped else { return }
        phase = .reconnecting
        reconnectAttempt += 1
        let delay = retry.delay(attempt: reconnectAttempt)
        if reconnectAttempt == 1 || reconnectAttempt % 20 == 0 {
            logger.warning("\(plan.line): \(reason); trying again in \(delay) ms (attempt \(reconnectAttempt))")
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        reconnectTask = loop.scheduleTask(in: .milliseconds(delay)) {
            let attachment = bound.value
            guard attachment.phase == .reconnecting else { return }
            attachment.switchAndOpen(firstTime: false)
        }
    }

    private func lineEvent(_ event: LineEvent, connection number: Int) {
        guard number == connectionNumber, phase == .running else { return }
        switch event {
        case .frame(let frame):
            perform(terminal.receive(frame, now: .now()))
        case .framingError:
            break  // logged and counted by the transport; the host retransmits
        case .closed(let error):
            connection = nil
            perform(terminal.disconnect())
            scheduleReconnect(after: "line device \(plan.device) closed\(error.map { ": \($0)" } ?? "")")
        }
    }

    private func finishStop() {
        guard phase != .stopped else { return }
        phase = .stopped
        timer?.cancel()
        timer = nil
        reconnectTask?.cancel()
        perform(terminal.disconnect())
        let closing = connection?.close() ?? loop.makeSucceededVoidFuture()
        connection = nil
        let bound = NIOLoopBound(self, eventLoop: loop)
        closing.whenComplete { _ in
            let attachment = bound.value
            attachment.logger.info("\(attachment.plan.line) closed")
            attachment.delegate?.attachmentStopped(attachment)
        }
    }

    // MARK: Terminal

    private func perform(_ actions: [SDLCTerminal.Action]) {
        var frames: [SDLCFrame] = []
        for action in actions {
            switch action {
            case .send(let frame):
                frames.append(frame)
            case .linkUp:
                logger.info("\(plan.line): link up, the host set normal response mode at \(hostVisibleAddress)")
            case .linkDown(let reason):
                logger.notice("\(plan.line): link down (\(reason))")
            case .frameRejected(let info):
                logger.warning("\(plan.line): frame rejected, FRMR \(info)")
            case .physicalUnit(let event):
                physicalUnit(event)
            }
        }
        connection?.send(frames)
        armTimer()
    }

    private func physicalUnit(_ event: PU2StateMachine.Action) {
        switch event {
        case .send:
            break  // SDLCTerminal queues PIUs on the station itself
        case .physicalUnitActivated:
            logger.info("\(plan.line): ACTPU, PU active")
        case .physicalUnitDeactivated:
            logger.info("\(plan.line): PU inactive")
        case .logicalUnitActivated(let lu):
            logger.debug("\(plan.line): ACTLU for LU \(lu)")
        case .logicalUnitDeactivated(let lu):
            logger.debug("\(plan.line): LU \(lu) inactive")
        case .sessionStarted(let lu, let bind):
            if Self.bindAwaitsStartDataTraffic(bind) {
                logger.debug("\(plan.line): BIND for LU \(lu), waiting for SDT")
            } else {
                dataTraffic.insert(lu)
                setState(lu, .bound, "\(hostVisibleAddress) LU \(lu)")
                flush(lu)
            }
        case .dataTrafficStarted(let lu):
            dataTraffic.insert(lu)
            setState(lu, .bound, "\(hostVisibleAddress) LU \(lu)")
            flush(lu)
        case .sessionEnded(let lu):
            dataTraffic.remove(lu)
            outbox.sessionEnded(lu: lu)
            let reason = terminal.station.isLinkUp ? "UNBIND" : "link down"
            setState(lu, .hostLost, "\(reason); waiting for the host to bind LU \(lu) again")
        case .dataReceived(let lu, _, let data):
            guard let name = name(of: lu) else { return }
            delegate?.attachment(self, lu: name, hostData: data)
        case .dataAccepted(let lu, let sequenceNumber):
            guard let tag = outbox.answered(lu: lu, sequenceNumber: sequenceNumber), let name = name(of: lu) else { return }
            delegate?.attachment(self, lu: name, accepted: tag)
        case .dataRejected(let lu, let sequenceNumber, let sense):
            guard let tag = outbox.answered(lu: lu, sequenceNumber: sequenceNumber), let name = name(of: lu) else { return }
            delegate?.attachment(self, lu: name, rejected: tag, reason: "the host answered -RSP with sense \(sense) (LU \(lu), SNA sequence \(sequenceNumber))")
        case .dataUnconfirmed(let lu, _):
            outbox.sessionEnded(lu: lu)  // sent again after the next BIND
        case .protocolError(let text):
            logger.warning("\(plan.line): \(text)")
        }
    }

    private func flush(_ lu: UInt8) {
        guard phase == .running, terminal.physicalUnit.hasSession(lu), dataTraffic.contains(lu) else { return }
        var submitted = false
        outbox.flush(lu: lu) { payload in
            do {
                let number = try terminal.submit(payload, lu: lu)
                submitted = true
                return number
            } catch {
                logger.debug("\(plan.line): LU \(lu): not submitted now: \(error)")
                return nil
            }
        }
        // I-fields wait in the station's queue for the next poll; nothing to send now.
        if submitted { armTimer() }
    }

    private func armTimer() {
        guard phase == .running, let deadline = terminal.nextDeadline else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if timer != nil, timerDeadline == deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) {
            let attachment = bound.value
            attachment.timer = nil
            attachment.timerDeadline = nil
            attachment.perform(attachment.terminal.tick(now: .now()))
        }
    }

    /// Transmission services profiles 2, 3 and 4 start data traffic with SDT; FMD data sent
    /// before it is refused by the host. The TS profile is the BIND RU's fourth byte.
    static func bindAwaitsStartDataTraffic(_ bind: ByteBuffer) -> Bool {
        guard let profile = bind.getInteger(at: bind.readerIndex + 3, as: UInt8.self) else { return false }
        return (2...4).contains(profile)
    }

    // MARK: LUs

    private func setState(_ lu: UInt8, _ state: SessionState, _ detail: String) {
        luStates[lu] = state
        guard let name = name(of: lu) else { return }
        delegate?.attachment(self, lu: name, state: state, detail: detail)
    }

    private func address(of name: String) -> UInt8? { plan.logicalUnits.first { $0.name == name }?.address }
    private func name(of lu: UInt8) -> String? { plan.logicalUnits.first { $0.address == lu }?.name }
}
