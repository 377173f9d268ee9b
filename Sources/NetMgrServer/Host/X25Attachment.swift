import LineTransport
import Logging
import NIOCore
import NetMgrProtocol
import SDLC
import X25

/// The host side of an HDLC packet (X.25) resource: netmgrd's DTE on the node's end of the
/// access line (switched to this node by the line switch, as the leased line is) or over
/// XOT, calling the host with QLLC and the PU 2 above it (`QLLCTerminal`).
///
/// `start()` switches the access line to this node with the activation epoch, opens the
/// device, brings LAPB up (SABM/UA), restarts the packet layer, calls the host's DTE
/// address with the line's calling DTE address, packet and window size facilities and
/// call user data 0xC3, answers QXID with the line's node id and QSM with QUA; then the
/// host sends ACTPU, ACTLU per LU and BIND. Messages are kept until the host's +RSP and
/// sent again after re-binding. Link or call loss: the call is made again with backoff.
/// Confined to the daemon's event loop.
final class X25Attachment: HostAttachment {
    enum Phase: Equatable {
        case idle
        case switching
        case opening
        case running
        case reconnecting
        case stopping
        case stopped
    }

    /// The open access: the HDLC line with netmgrd's LAPB DTE on it, or an XOT connection.
    enum Carrier {
        case line(LineConnection)
        case xot(XOTConnection)
    }

    weak var delegate: HostAttachmentDelegate?
    let plan: X25LinePlan
    let loop: any EventLoop
    let retry: RetryPolicy
    let logger: Logger
    private(set) var phase = Phase.idle
    private(set) var terminal: QLLCTerminal
    private var carrier: Carrier?
    private var outbox = SDLCOutbox()
    private var dataTraffic: Set<UInt8> = []
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var reconnectTask: Scheduled<Void>?
    private var reconnectAttempt = 0
    private var connectionNumber = 0
    /// Calls cleared since the QLLC link was last open (for quieter logs while refused).
    private var clearsSinceOpen = 0
    /// The QLLC link opened (QSM/QUA) on the current call: a clear by the host before it is a refusal.
    private var logicalLinkOpenOnCall = false

    init(plan: X25LinePlan, loop: any EventLoop, retry: RetryPolicy, logger: Logger) {
        self.plan = plan
        self.loop = loop
        self.retry = retry
        var logger = logger
        logger[metadataKey: "resource"] = "\(plan.resource)"
        self.logger = logger
        self.terminal = Self.makeTerminal(plan, retry: retry)
        for lu in plan.logicalUnits where addresses[lu.name] == nil {
            addresses[lu.name] = lu.address
            if names[Int(lu.address)] == nil { names[Int(lu.address)] = lu.name }
        }
    }

    /// LU name → local address and local address → name (first definition wins, as the scans did).
    private var addresses: [String: UInt8] = [:]
    private var names = [String?](repeating: nil, count: 256)

    /// The DTE the host knows: the same calling address, node id and LU addresses on
    /// every node; LAPB only on the switched line (XOT carries packets over TCP). RESTART
    /// only on the switched line too: RFC 1613 §6.4 says XOT carries no RESTART, so a real
    /// XOT peer would never confirm one and the call would wait T20 before it is placed.
    static func makeTerminal(_ plan: X25LinePlan, retry: RetryPolicy) -> QLLCTerminal {
        let settings = plan.settings
        let channel = UInt16(clamping: settings.logicalChannel)
        var lapb: LAPBStation.Settings?
        if case .switched = plan.access {
            lapb = LAPBStation.Settings(t1: .milliseconds(Int64(settings.lapbT1Milliseconds)), n2: settings.lapbN2, window: settings.lapbWindow)
        }
        return QLLCTerminal(configuration: QLLCTerminal.Configuration(
            ownAddress: plan.callingAddress, hostAddress: plan.calledAddress, nodeID: plan.nodeID,
            localAddresses: Set(plan.logicalUnits.map(\.address)),
            packetLayer: X25PacketLayer.Settings(
                packetSize: settings.packetSize, window: settings.packetWindow, logicalChannels: channel...channel,
                restartsOnLinkUp: lapb != nil),
            lapb: lapb, retryDelay: .milliseconds(max(50, retry.maximumMilliseconds / 2))))
    }

    var resourceName: String { plan.resource }
    var hostVisibleAddress: String { plan.hostVisibleAddress }
    /// Messages held for the host (tests, status).
    var heldMessages: Int { outbox.count }

    // MARK: HostAttachment

    func start() {
        loop.assertInEventLoop()
        guard phase == .idle else { return }
        for lu in plan.logicalUnits { setState(lu.address, .waitingForHost, "calling \(plan.calledAddress) from \(plan.callingAddress) over \(plan.accessDescription)") }
        switchAndOpen(firstTime: true)
    }

    func stop() {
        loop.assertInEventLoop()
        switch phase {
        case .stopping, .stopped: return
        case .switching, .opening: phase = .stopping
        case .idle, .running, .reconnecting: finishStop()
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

    // MARK: Access line

    private func switchAndOpen(firstTime: Bool) {
        phase = firstTime ? .switching : .reconnecting
        guard case .switched(let unit, let control, _) = plan.access else { return open(firstTime: firstTime) }
        let bound = NIOLoopBound(self, eventLoop: loop)
        LineSwitchClient.request(unit, to: plan.node, epoch: plan.epoch, control: control, signer: plan.switchSigner, on: loop).whenComplete { result in
            let attachment = bound.value
            switch result {
            case .success(let reply):
                attachment.logger.info("\(unit) switched to \(attachment.plan.node), epoch \(attachment.plan.epoch): \(reply)")
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
        let opened: EventLoopFuture<Carrier>
        switch plan.access {
        case .switched(_, _, let device):
            opened = makeLineTransport(device: device, logger: logger)
                .open(on: loop) { event in bound.value.lineEvent(event, connection: number) }
                .map { Carrier.line($0) }
        case .xot(let host, let port):
            opened = XOTTransport(host: host, port: port, logger: logger)
                .open(on: loop) { event in bound.value.xotEvent(event, connection: number) }
                .map { Carrier.xot($0) }
        }
        opened.whenComplete { result in
            let attachment = bound.value
            switch result {
            case .success(let carrier):
                if attachment.phase == .stopping || attachment.phase == .stopped {
                    attachment.close(carrier)
                    if attachment.phase == .stopping { attachment.finishStop() }
                    return
                }
                attachment.connected(carrier)
            case .failure(let error):
                attachment.failed(firstTime: firstTime, reason: "\(error)")
            }
        }
    }

    private func connected(_ carrier: Carrier) {
        self.carrier = carrier
        let wasRunning = phase == .reconnecting
        phase = .running
        reconnectAttempt = 0
        terminal = Self.makeTerminal(plan, retry: retry)  // a fresh line: LAPB and the packet layer start over
        dataTraffic = []
        logger.info("\(plan.line) open over \(plan.accessDescription): calling \(plan.calledAddress) as \(hostVisibleAddress), LUs \(plan.logicalUnits.map { "\($0.name)=\($0.address)" }.joined(separator: " "))")
        if !wasRunning { delegate?.attachmentStarted(self) }
        perform(terminal.start(now: .now()))
    }

    private func close(_ carrier: Carrier) {
        switch carrier {
        case .line(let connection): connection.close()
        case .xot(let connection): connection.close()
        }
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

    /// Drops the carrier (if any) and tries switch + open + call again after a backoff.
    private func scheduleReconnect(after reason: String) {
        guard phase != .stopping, phase != .stopped else { return }
        if let carrier {
            self.carrier = nil
            close(carrier)
        }
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
            attachment.switchAndOpen(firstTime: false)
        }
    }

    private func lineEvent(_ event: LineEvent, connection number: Int) {
        guard number == connectionNumber, phase == .running else { return }
        switch event {
        case .frame(let frame):
            perform(terminal.receive(frame.bytes, now: .now()))
        case .framingError:
            break  // counted by the transport; LAPB recovers with REJ or T1
        case .closed(let error):
            carrier = nil
            perform(terminal.transportDown(now: .now()))
            scheduleReconnect(after: "line device closed\(error.map { ": \($0)" } ?? "")")
        }
    }

    private func xotEvent(_ event: XOTEvent, connection number: Int) {
        guard number == connectionNumber, phase == .running else { return }
        switch event {
        case .packet(let bytes):
            perform(terminal.receive(bytes, now: .now()))
        case .closed(let error):
            carrier = nil
            perform(terminal.transportDown(now: .now()))
            scheduleReconnect(after: "XOT connection closed\(error.map { ": \($0)" } ?? "")")
        }
    }

    private func finishStop() {
        guard phase != .stopped else { return }
        phase = .stopped
        timer?.cancel()
        timer = nil
        reconnectTask?.cancel()
        perform(terminal.stop(now: .now()))
        let closing: EventLoopFuture<Void>
        switch carrier {
        case .line(let connection)?: closing = connection.close()
        case .xot(let connection)?: closing = connection.close()
        case nil: closing = loop.makeSucceededVoidFuture()
        }
        carrier = nil
        let bound = NIOLoopBound(self, eventLoop: loop)
        closing.whenComplete { _ in
            let attachment = bound.value
            attachment.logger.info("\(attachment.plan.line) closed")
            attachment.delegate?.attachmentStopped(attachment)
        }
    }

    // MARK: Link actions

    private func perform(_ actions: [QLLCTerminal.Action]) {
        var transmit: [ByteBuffer] = []
        for action in actions {
            switch action {
            case .transmit(let bytes):
                transmit.append(bytes)
            case .linkUp:
                logger.info("\(plan.line): LAPB link up")
            case .linkDown(let reason):
                logger.notice("\(plan.line): LAPB link down (\(reason))")
            case .packetLayerReady:
                logger.info("\(plan.line): packet layer restarted; calling \(plan.calledAddress) from \(plan.callingAddress)")
            case .callConnected(let connection):
                logger.info("\(plan.line): call connected on channel \(connection.channel), packet size \(connection.sendPacketSize), window \(connection.sendWindow)")
                logicalLinkOpenOnCall = false
                countConnect()
            case .callCleared(let info, let origin):
                // A host that keeps refusing is said once, then every 20th time.
                clearsSinceOpen += 1
                let level: Logger.Level = clearsSinceOpen == 1 || clearsSinceOpen % 20 == 0 ? .notice : .debug
                logger.log(level: level, "\(plan.line): call cleared (\(info), \(origin)); calling again (\(clearsSinceOpen) since the QLLC link was last open)")
                if origin == .remote, !logicalLinkOpenOnCall { countReject() }  // call or QXID/QSM refused with a cause
                logicalLinkOpenOnCall = false
                if phase == .running, carrier != nil { countRetry() }  // the terminal calls again on the same access
            case .callReset(let info, let origin):
                logger.notice("\(plan.line): call reset (\(info), \(origin)); the host starts the PU over")
            case .identificationExchanged:
                logger.info("\(plan.line): QXID answered with node id \(plan.nodeID)")
            case .logicalLinkOpened:
                logicalLinkOpenOnCall = true
                clearsSinceOpen = 0
                logger.info("\(plan.line): QLLC link open (QSM/QUA) at \(hostVisibleAddress)")
            case .logicalLinkClosed(let reason):
                logger.notice("\(plan.line): QLLC link closed (\(reason))")
            case .physicalUnit(let event):
                physicalUnit(event)
            case .protocolError(let text):
                logger.warning("\(plan.line): \(text)")
            }
        }
        switch carrier {
        case .line(let connection)?: connection.send(contents: transmit)
        case .xot(let connection)?: connection.send(packetBytes: transmit)
        case nil: break
        }
        armTimer()
    }

    private func physicalUnit(_ event: PU2StateMachine.Action) {
        switch event {
        case .send:
            break  // QLLCTerminal puts PIUs into data packets itself
        case .physicalUnitActivated:
            logger.info("\(plan.line): ACTPU, PU active")
        case .physicalUnitDeactivated:
            logger.info("\(plan.line): PU inactive")
        case .logicalUnitActivated(let lu):
            logger.debug("\(plan.line): ACTLU for LU \(lu)")
        case .logicalUnitDeactivated(let lu):
            logger.debug("\(plan.line): LU \(lu) inactive")
        case .sessionStarted(let lu, let bind):
            if let name = name(of: lu) { delegate?.attachment(self, lu: name, bind: bind) }
            if SDLCLinkSession.bindAwaitsStartDataTraffic(bind) {
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
            setState(lu, .hostLost, "UNBIND or call cleared; waiting for the host to bind LU \(lu) again")
        case .dataReceived(let lu, _, let data):
            guard let name = name(of: lu) else { return }
            delegate?.attachment(self, lu: name, hostData: data)
        case .dataAccepted(let lu, let sequenceNumber):
            // Each answer frees room in the packet layer: send what a queueFull left waiting,
            // or it would wait for the client's next message.
            defer { flush(lu) }
            guard let tag = outbox.answered(lu: lu, sequenceNumber: sequenceNumber), let name = name(of: lu) else { return }
            delegate?.attachment(self, lu: name, accepted: tag)
        case .dataRejected(let lu, let sequenceNumber, let sense):
            defer { flush(lu) }
            guard let tag = outbox.answered(lu: lu, sequenceNumber: sequenceNumber), let name = name(of: lu) else { return }
            delegate?.attachment(self, lu: name, rejected: tag, reason: "the host answered -RSP with sense \(sense) (LU \(lu), SNA sequence \(sequenceNumber))")
        case .dataUnconfirmed(let lu, _):
            outbox.sessionEnded(lu: lu)
        case .protocolError(let text):
            logger.warning("\(plan.line): \(text)")
        }
    }

    private func flush(_ lu: UInt8) {
        guard phase == .running, terminal.physicalUnit.hasSession(lu), dataTraffic.contains(lu) else { return }
        var sent: [QLLCTerminal.Action] = []
        outbox.flush(lu: lu) { payload in
            do {
                let (number, actions) = try terminal.submit(payload, lu: lu, now: .now())
                sent += actions
                return number
            } catch {
                logger.debug("\(plan.line): LU \(lu): not submitted now: \(error)")
                return nil
            }
        }
        if !sent.isEmpty { perform(sent) }
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

    // MARK: LUs

    private func setState(_ lu: UInt8, _ state: SessionState, _ detail: String) {
        guard let name = name(of: lu) else { return }
        delegate?.attachment(self, lu: name, state: state, detail: detail)
    }

    // Tables, not scans of the plan's LU list: a line may carry 250 LUs, and these run per message.
    private func address(of name: String) -> UInt8? { addresses[name] }
    private func name(of lu: UInt8) -> String? { names[Int(lu)] }
}
