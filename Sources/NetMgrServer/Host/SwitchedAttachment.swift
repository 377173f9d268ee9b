import Logging
import NIOCore
import NetMgrCore
import NetMgrProtocol
import SDLC

/// What the dial-up and ISDN attachments share: the SDLC station with the PU 2 and LUs on
/// the call (`SDLCLinkSession`), and the call's life around it. A subclass places one call
/// (`placeCall`) and reports `callConnected`, `attemptFailed` or `callLost`; this class decides
/// when to call again (`SwitchedRedialState`: back-off, limit), hangs up when the SDLC link
/// drops, gives up at the limit, and stops. Confined to the daemon's event loop.
class SwitchedAttachment: HostAttachment {
    enum Phase: Equatable {
        case idle
        /// A call is being placed or awaited (switch, device, modem or D channel).
        case calling
        /// The call is up: the line carries SDLC.
        case connected
        case waitingToRedial
        case gaveUp
        case stopping
        case stopped
    }

    weak var delegate: HostAttachmentDelegate?
    let resourceName: String
    let lineName: String
    let loop: any EventLoop
    let logger: Logger
    let session: SDLCLinkSession
    let direction: CallDirection
    let connectTimeout: TimeAmount
    private(set) var phase = Phase.idle
    private(set) var redial: SwitchedRedialState
    /// `attachmentStarted` was reported (the resource is active).
    private(set) var reportedStarted = false
    /// Counts calls, so events of an earlier one are told from the current one's.
    private(set) var callNumber = 0
    private var redialTask: Scheduled<Void>?
    private var linkTimer: Scheduled<Void>?

    /// From the connection to the host's SNRM: a host polls a new call at once, so one that
    /// does not within this time is not going to (its switched major node did not take the call).
    static let linkSetUpTimeout = TimeAmount.seconds(10)

    init(resource: String, line: String, station: SDLCStationPlan, hostVisibleAddress: String, call: SwitchedCallPlan,
         loop: any EventLoop, logger: Logger) {
        var logger = logger
        logger[metadataKey: "resource"] = "\(resource)"
        self.resourceName = resource
        self.lineName = line
        self.loop = loop
        self.logger = logger
        self.direction = call.direction
        self.connectTimeout = call.connectTimeout
        self.redial = SwitchedRedialState(policy: call.redial)
        self.session = SDLCLinkSession(line: line, station: station.station, logicalUnits: station.logicalUnits,
                                       hostVisibleAddress: hostVisibleAddress, loop: loop, logger: logger)
        session.attachment = self
        let bound = NIOLoopBound(self, eventLoop: loop)
        session.linkChanged = { change in bound.value.linkChanged(change) }
    }

    var hostVisibleAddress: String { session.hostVisibleAddress }
    /// Messages held for the host (tests, status).
    var heldMessages: Int { session.heldMessages }
    var isStopping: Bool { phase == .stopping || phase == .stopped }

    // MARK: For subclasses

    /// Places (or waits for) one call; reports back through `callConnected`, `attemptFailed`, `callLost`.
    /// The dial-up and ISDN attachments override it; a class that does not fails the activation
    /// (or the attempt) with a reason instead of trapping.
    func placeCall(number: Int) {
        openFailed(number: number, reason: "\(lineName): \(type(of: self)) cannot place calls (internal error)")
    }

    /// Ends the current call and closes what carries it; completes when closed.
    func hangUp() -> EventLoopFuture<Void> { loop.makeSucceededVoidFuture() }

    /// What to wait for, for the LU states (e.g. "dialling 0300001111").
    func waitingDetail() -> String { "calling" }

    /// The device is ready for calls (call-in: the resource is active from now on).
    func ready(number: Int) {
        guard number == callNumber, phase == .calling else { return }
        if direction == .in { reportStarted() }
    }

    /// The call is up: SDLC may run; `transmit` carries the station's frames.
    func callConnected(number: Int, description: String, transmit: @escaping ([SDLCFrame]) -> Void) {
        guard number == callNumber, phase == .calling else { return }
        phase = .connected
        countConnect()
        logger.info("\(lineName): \(description); waiting for the host's XID and SNRM at \(hostVisibleAddress)")
        session.lineOpened(transmit: transmit)
        reportStarted()
        let bound = NIOLoopBound(self, eventLoop: loop)
        linkTimer?.cancel()
        let wait = min(connectTimeout, Self.linkSetUpTimeout)
        linkTimer = loop.scheduleTask(in: wait) {
            let attachment = bound.value
            guard attachment.callNumber == number, attachment.phase == .connected, !attachment.session.terminal.station.isLinkUp else { return }
            attachment.attemptFailed(number: number, reason: "the call connected, but the host did not set up the SDLC link (XID, SNRM) within \(wait.nanoseconds / 1_000_000_000) s")
        }
    }

    /// A frame from the host on the current call.
    func received(_ frame: SDLCFrame, number: Int) {
        guard number == callNumber, phase == .connected else { return }
        session.receive(frame)
    }

    /// This attempt failed (`reason` names the modem's result code or the Q.931 cause).
    func attemptFailed(number: Int, reason: String) {
        guard number == callNumber, phase == .calling || phase == .connected else { return }
        if phase == .connected, redial.linkUpSince == nil { countReject() }  // the call connected, the host never set up the SDLC link on it
        redialOrGiveUp(redial.attemptFailed(), reason: reason)
    }

    private func redialOrGiveUp(_ decision: SwitchedRedialState.Decision, reason: String) {
        switch decision {
        case .redial(let delay):
            logger.warning("\(lineName): call attempt \(redial.failures) of \(redial.policy.limit) failed: \(reason); calling again in \(delay.nanoseconds / 1_000_000) ms")
            endCall(thenRedialAfter: delay)
        case .giveUp(let failures):
            logger.error("\(lineName): call attempt \(failures) of \(redial.policy.limit) failed: \(reason); giving up")
            finish(giveUpReason: "gave up after \(failures) failed call attempts (redial-limit \(redial.policy.limit)); the last: \(reason)", activation: !reportedStarted)
        }
    }

    /// The call that was up is gone (carrier lost, NO CARRIER, cleared, line closed).
    func callLost(number: Int, reason: String) {
        guard number == callNumber, phase == .connected || phase == .calling else { return }
        if phase == .calling { return attemptFailed(number: number, reason: reason) }
        if redial.linkUpSince == nil { countReject() }  // the call ended before the host set up the SDLC link
        let now = NIODeadline.now()
        guard !redial.lossCounts(now: now) else {
            let why = redial.linkUpSince == nil ? "the host never brought the SDLC link up on this call"
                : "the SDLC link was up less than \(redial.stableLinkTime.nanoseconds / 1_000_000_000) s"
            return redialOrGiveUp(redial.callLost(now: now), reason: "\(reason) (\(why))")
        }
        logger.warning("\(lineName): call lost: \(reason); hanging up and calling again")
        _ = redial.callLost(now: now)  // after a stable link: .redial(after: .zero), the count starts afresh
        endCall(thenRedialAfter: .zero)
    }

    /// The switch or the device could not be opened. On the first call of an activation the
    /// activation fails at once, as on a leased line; later it is a failed attempt.
    func openFailed(number: Int, reason: String) {
        guard number == callNumber, phase == .calling else { return }
        if !reportedStarted, !redial.hasBeenUp, redial.failures == 0 {
            logger.error("\(lineName): \(reason)")
            return finish(giveUpReason: reason, activation: true)
        }
        attemptFailed(number: number, reason: reason)
    }

    // MARK: HostAttachment

    func start() {
        loop.assertInEventLoop()
        guard phase == .idle else { return }
        newCall()
    }

    func stop() {
        loop.assertInEventLoop()
        switch phase {
        case .stopping, .stopped:
            return
        default:
            phase = .stopping
            redialTask?.cancel()
            linkTimer?.cancel()
            callNumber += 1
            session.lineClosed()
            let bound = NIOLoopBound(self, eventLoop: loop)
            hangUp().whenComplete { _ in
                let attachment = bound.value
                attachment.phase = .stopped
                attachment.logger.info("\(attachment.lineName): hung up and closed")
                attachment.delegate?.attachmentStopped(attachment)
            }
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

    // MARK: Internals

    private func newCall() {
        guard !isStopping else { return }
        phase = .calling
        callNumber += 1
        session.setAllStates(.waitingForHost, waitingDetail())
        placeCall(number: callNumber)
    }

    private func reportStarted() {
        guard !reportedStarted else { return }
        reportedStarted = true
        delegate?.attachmentStarted(self)
    }

    private func linkChanged(_ change: SDLCLinkSession.LinkChange) {
        guard phase == .connected else { return }
        switch change {
        case .up:
            linkTimer?.cancel()
            redial.linkUp(now: .now())
        case .down(.noPoll):
            callLost(number: callNumber, reason: "the host stopped polling (SDLC no-poll timeout)")
        case .down(.disconnected):
            callLost(number: callNumber, reason: "the host sent DISC")
        case .down(.reset), .down(.local):
            break
        }
    }

    private func endCall(thenRedialAfter delay: TimeAmount) {
        phase = .waitingToRedial
        countRetry()
        linkTimer?.cancel()
        callNumber += 1
        session.lineClosed()
        let bound = NIOLoopBound(self, eventLoop: loop)
        hangUp().whenComplete { _ in
            let attachment = bound.value
            guard attachment.phase == .waitingToRedial else { return }
            attachment.redialTask = attachment.loop.scheduleTask(in: delay) {
                let attachment = bound.value
                guard attachment.phase == .waitingToRedial else { return }
                attachment.newCall()
            }
        }
    }

    /// Stops calling: the activation fails (not yet active), or the LUs say why the line gave up.
    private func finish(giveUpReason reason: String, activation: Bool) {
        phase = .gaveUp
        linkTimer?.cancel()
        callNumber += 1
        session.lineClosed()
        session.setAllStates(.hostLost, reason)
        let bound = NIOLoopBound(self, eventLoop: loop)
        hangUp().whenComplete { _ in
            let attachment = bound.value
            if activation {
                attachment.phase = .stopped
                attachment.delegate?.attachment(attachment, failed: reason)
            }
        }
    }
}
