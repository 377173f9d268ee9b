import Logging
import NIOCore
import NetMgrProtocol
import SDLC

/// netmgrd's SDLC secondary station with the PU 2 and the resource's LUs on an open line:
/// what the leased-line, dial-up and ISDN attachments do alike once the line carries SDLC.
/// It owns the `SDLCTerminal`, the messages held per LU until the host's +RSP (`SDLCOutbox`),
/// the LU states it reports and the station's timer; the attachment owns the line (switch,
/// modem, call) and hands frames in and out. Confined to the daemon's event loop.
final class SDLCLinkSession {
    /// The station's link as the attachment needs to know it (a switched line hangs up when it drops).
    enum LinkChange: Equatable {
        case up
        case down(SDLCSecondaryStation.LinkDownReason)
    }

    weak var attachment: (any HostAttachment)?
    let line: String
    let logicalUnits: [(name: String, address: UInt8)]
    let hostVisibleAddress: String
    let loop: any EventLoop
    let logger: Logger
    /// Told when the station's link goes up or down (after the LUs were told).
    var linkChanged: ((LinkChange) -> Void)?
    private let makeTerminal: () -> SDLCTerminal
    private(set) var terminal: SDLCTerminal
    private var outbox = SDLCOutbox()
    /// LUs whose session may carry data now (BIND, and SDT where the BIND asks for it).
    private var dataTraffic: Set<UInt8> = []
    /// Where frames go while a line is open.
    private var transmit: (([SDLCFrame]) -> Void)?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    /// The host activated the PU (ACTPU) since the link last came up (a DISC before it is a refusal).
    private var physicalUnitActivatedOnLink = false

    init(line: String, station: SDLCSecondaryStation.Configuration, logicalUnits: [(name: String, address: UInt8)],
         hostVisibleAddress: String, loop: any EventLoop, logger: Logger) {
        self.line = line
        self.logicalUnits = logicalUnits
        self.hostVisibleAddress = hostVisibleAddress
        self.loop = loop
        self.logger = logger
        let localAddresses = Set(logicalUnits.map(\.address))
        self.makeTerminal = { SDLCTerminal(station: station, physicalUnit: .init(localAddresses: localAddresses)) }
        self.terminal = makeTerminal()
    }

    /// Messages held for the host (tests, status).
    var heldMessages: Int { outbox.count }
    var isOpen: Bool { transmit != nil }

    // MARK: The line

    /// A line is open (a fresh cable, a new call): the station starts disconnected and waits
    /// for the host's XID and SNRM.
    func lineOpened(transmit: @escaping ([SDLCFrame]) -> Void) {
        terminal = makeTerminal()
        dataTraffic = []
        physicalUnitActivatedOnLink = false
        self.transmit = transmit
        armTimer()
    }

    func receive(_ frame: SDLCFrame) {
        guard isOpen else { return }
        perform(terminal.receive(frame, now: .now()))
    }

    /// The line is gone (closed, hung up, stopped): sessions end; their messages go again after the next BIND.
    func lineClosed() {
        perform(terminal.disconnect())
        transmit = nil
        armTimer()
    }

    // MARK: Messages

    func send(lu name: String, tag: MessageTag, payload: ByteBuffer) {
        guard let lu = address(of: name) else {
            if let attachment {
                attachment.delegate?.attachment(attachment, lu: name, rejected: tag, reason: "LU \(name) is not defined for \(attachment.resourceName)")
            }
            return
        }
        outbox.add(lu: lu, tag: tag, payload: payload)
        flush(lu)
    }

    func discardUnsent(lu name: String) {
        guard let lu = address(of: name) else { return }
        outbox.discardUnsent(lu: lu)
    }

    /// Tells every LU's state (waiting, lost) with one detail.
    func setAllStates(_ state: SessionState, _ detail: String) {
        for lu in logicalUnits { setState(lu.address, state, detail) }
    }

    // MARK: Terminal

    private func perform(_ actions: [SDLCTerminal.Action]) {
        var frames: [SDLCFrame] = []
        var changes: [LinkChange] = []
        for action in actions {
            switch action {
            case .send(let frame):
                frames.append(frame)
            case .linkUp:
                logger.info("\(line): link up, the host set normal response mode at \(hostVisibleAddress)")
                physicalUnitActivatedOnLink = false
                changes.append(.up)
            case .linkDown(let reason):
                logger.notice("\(line): link down (\(reason))")
                if reason == .disconnected, !physicalUnitActivatedOnLink { attachment?.countReject() }  // DISC before ACTPU: the host refused the station
                changes.append(.down(reason))
            case .frameRejected(let info):
                logger.warning("\(line): frame rejected, FRMR \(info)")
            case .physicalUnit(let event):
                physicalUnit(event)
            }
        }
        if !frames.isEmpty { transmit?(frames) }
        armTimer()
        for change in changes { linkChanged?(change) }
    }

    private func physicalUnit(_ event: PU2StateMachine.Action) {
        switch event {
        case .send:
            break  // SDLCTerminal queues PIUs on the station itself
        case .physicalUnitActivated:
            physicalUnitActivatedOnLink = true
            logger.info("\(line): ACTPU, PU active")
        case .physicalUnitDeactivated:
            logger.info("\(line): PU inactive")
        case .logicalUnitActivated(let lu):
            logger.debug("\(line): ACTLU for LU \(lu)")
        case .logicalUnitDeactivated(let lu):
            logger.debug("\(line): LU \(lu) inactive")
        case .sessionStarted(let lu, let bind):
            if let name = name(of: lu), let attachment { attachment.delegate?.attachment(attachment, lu: name, bind: bind) }
            if Self.bindAwaitsStartDataTraffic(bind) {
                logger.debug("\(line): BIND for LU \(lu), waiting for SDT")
            } else {
                startData(lu)
            }
        case .dataTrafficStarted(let lu):
            startData(lu)
        case .sessionEnded(let lu):
            dataTraffic.remove(lu)
            outbox.sessionEnded(lu: lu)
            let reason = terminal.station.isLinkUp ? "UNBIND" : "link down"
            setState(lu, .hostLost, "\(reason); waiting for the host to bind LU \(lu) again")
        case .dataReceived(let lu, _, let data):
            guard let name = name(of: lu), let attachment else { return }
            attachment.delegate?.attachment(attachment, lu: name, hostData: data)
        case .dataAccepted(let lu, let sequenceNumber):
            guard let tag = outbox.answered(lu: lu, sequenceNumber: sequenceNumber), let name = name(of: lu), let attachment else { return }
            attachment.delegate?.attachment(attachment, lu: name, accepted: tag)
        case .dataRejected(let lu, let sequenceNumber, let sense):
            guard let tag = outbox.answered(lu: lu, sequenceNumber: sequenceNumber), let name = name(of: lu), let attachment else { return }
            attachment.delegate?.attachment(attachment, lu: name, rejected: tag, reason: "the host answered -RSP with sense \(sense) (LU \(lu), SNA sequence \(sequenceNumber))")
        case .dataUnconfirmed(let lu, _):
            outbox.sessionEnded(lu: lu)  // sent again after the next BIND
        case .protocolError(let text):
            logger.warning("\(line): \(text)")
        }
    }

    private func startData(_ lu: UInt8) {
        dataTraffic.insert(lu)
        setState(lu, .bound, "\(hostVisibleAddress) LU \(lu)")
        flush(lu)
    }

    private func flush(_ lu: UInt8) {
        guard isOpen, terminal.physicalUnit.hasSession(lu), dataTraffic.contains(lu) else { return }
        var submitted = false
        outbox.flush(lu: lu) { payload in
            do {
                let number = try terminal.submit(payload, lu: lu)
                submitted = true
                return number
            } catch {
                logger.debug("\(line): LU \(lu): not submitted now: \(error)")
                return nil
            }
        }
        // I-fields wait in the station's queue for the next poll; nothing to send now.
        if submitted { armTimer() }
    }

    private func armTimer() {
        guard isOpen, let deadline = terminal.nextDeadline else {
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
            let session = bound.value
            session.timer = nil
            session.timerDeadline = nil
            session.perform(session.terminal.tick(now: .now()))
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
        guard let name = name(of: lu), let attachment else { return }
        attachment.delegate?.attachment(attachment, lu: name, state: state, detail: detail)
    }

    func address(of name: String) -> UInt8? { logicalUnits.first { $0.name == name }?.address }
    func name(of lu: UInt8) -> String? { logicalUnits.first { $0.address == lu }?.name }
}
