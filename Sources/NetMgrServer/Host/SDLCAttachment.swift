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
    /// The station, PU 2 and LUs on the line, and the messages held for the host.
    let session: SDLCLinkSession
    private var connection: LineConnection?
    private var reconnectTask: Scheduled<Void>?
    private var reconnectAttempt = 0
    /// Counts connections, so events of a closed one are told from the current one's.
    private var connectionNumber = 0
    /// The first switch, tried again while the device does not answer (restarting).
    private var activationRetry = LineSwitchActivationRetry()
    private var activationStarted: NIODeadline?
    /// A retry of the first switch is scheduled (no request in flight).
    private var switchRetryPending = false

    init(plan: SDLCLinePlan, loop: any EventLoop, transport: (any LineTransport)? = nil, retry: RetryPolicy, logger: Logger) {
        self.plan = plan
        self.loop = loop
        self.transport = transport ?? makeLineTransport(device: plan.device, logger: logger)
        self.retry = retry
        var logger = logger
        logger[metadataKey: "resource"] = "\(plan.resource)"
        self.logger = logger
        self.session = SDLCLinkSession(
            line: plan.line, station: .init(address: plan.stationAddress, nodeID: plan.nodeID), logicalUnits: plan.logicalUnits,
            hostVisibleAddress: plan.hostVisibleAddress, loop: loop, logger: logger)
        session.attachment = self
        session.linkChanged = { [weak self] change in if change == .up { self?.countConnect() } }  // the host set up the link (SNRM/UA)
    }

    var resourceName: String { plan.resource }
    var hostVisibleAddress: String { plan.hostVisibleAddress }

    // MARK: HostAttachment

    func start() {
        loop.assertInEventLoop()
        guard phase == .idle else { return }
        session.setAllStates(.waitingForHost, "switching \(plan.unit) to \(plan.node)")
        switchAndOpen(firstTime: true)
    }

    func stop() {
        loop.assertInEventLoop()
        switch phase {
        case .stopping, .stopped:
            return
        case .switching where switchRetryPending:
            finishStop()  // nothing in flight: the scheduled retry is cancelled
        case .switching, .opening:
            phase = .stopping  // finished when the pending step completes
        case .idle, .running, .reconnecting:
            finishStop()
        }
    }

    func send(lu name: String, tag: MessageTag, payload: ByteBuffer) {
        loop.assertInEventLoop()
        session.send(lu: name, tag: tag, payload: payload)
    }

    func discardUnsent(lu name: String) {
        loop.assertInEventLoop()
        session.discardUnsent(lu: name)
    }

    /// Messages held for the host (tests, status).
    var heldMessages: Int { session.heldMessages }

    // MARK: Switch and line

    private func switchAndOpen(firstTime: Bool) {
        phase = firstTime ? .switching : .reconnecting
        if firstTime, activationStarted == nil { activationStarted = .now() }
        let bound = NIOLoopBound(self, eventLoop: loop)
        LineSwitchClient.request(plan.unit, to: plan.node, epoch: plan.epoch, control: plan.control, signer: plan.switchSigner, on: loop)
            .whenComplete { result in
                let attachment = bound.value
                switch result {
                case .success(let reply):
                    attachment.logger.info("\(attachment.plan.unit) switched to \(attachment.plan.node), epoch \(attachment.plan.epoch): \(reply)")
                    attachment.open(firstTime: firstTime)
                case .failure(let error):
                    if firstTime, attachment.retryFirstSwitch(after: error) { return }
                    attachment.failed(firstTime: firstTime, reason: "cannot switch the line: \(error)")
                }
            }
    }

    /// The first switch failed: tries it again while the device is unreachable, within
    /// the window (`LineSwitchActivationRetry`); false: the activation fails.
    private func retryFirstSwitch(after error: any Error) -> Bool {
        guard phase == .switching else { return false }  // stopping: finish the stop instead
        let elapsed = (NIODeadline.now() - (activationStarted ?? .now())).nanoseconds / 1_000_000
        guard case .retry(let attempt) = activationRetry.switchFailed(unreachable: !(error is LineSwitchClient.Refused), elapsedMilliseconds: elapsed) else {
            return false
        }
        countRetry()
        let delay = retry.delay(attempt: attempt)
        if attempt == 1 || attempt % 20 == 0 {
            logger.warning("\(plan.resource): cannot switch the line yet: \(error); trying again in \(delay) ms (attempt \(attempt), for up to \(activationRetry.windowMilliseconds / 1000) s)")
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        switchRetryPending = true
        reconnectTask = loop.scheduleTask(in: .milliseconds(delay)) {
            let attachment = bound.value
            attachment.switchRetryPending = false
            guard attachment.phase == .switching else { return }
            attachment.switchAndOpen(firstTime: true)
        }
        return true
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
        session.lineOpened { [connection] frames in connection.send(frames) }  // a fresh cable: the station starts disconnected
        logger.info("\(plan.line) open on \(plan.device): station \(hostVisibleAddress), LUs \(plan.logicalUnits.map { "\($0.name)=\($0.address)" }.joined(separator: " ")); waiting for the host to poll")
        if !wasRunning { delegate?.attachmentStarted(self) }
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
            session.receive(frame)
        case .framingError:
            break  // logged and counted by the transport; the host retransmits
        case .closed(let error):
            connection = nil
            session.lineClosed()
            scheduleReconnect(after: "line device \(plan.device) closed\(error.map { ": \($0)" } ?? "")")
        }
    }

    private func finishStop() {
        guard phase != .stopped else { return }
        phase = .stopped
        reconnectTask?.cancel()
        session.lineClosed()
        let closing = connection?.close() ?? loop.makeSucceededVoidFuture()
        connection = nil
        let bound = NIOLoopBound(self, eventLoop: loop)
        closing.whenComplete { _ in
            let attachment = bound.value
            attachment.logger.info("\(attachment.plan.line) closed")
            attachment.delegate?.attachmentStopped(attachment)
        }
    }
}
