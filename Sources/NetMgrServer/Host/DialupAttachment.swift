import Dialup
import LineTransport
import Logging
import NIOCore
import NetMgrCore
import SDLC

/// The host side of an HDLC public-line (`hdlc-public`) resource: the modem on the line's
/// switched cable, then netmgrd's SDLC secondary with PU 2 on the call.
///
/// Each call: switch the line (and its modem) to this node with the activation epoch, open the
/// device raw, run the modem dialogue (`ModemDialer`: Hayes or V.25bis; call-out dials the
/// resource's `host: tel:` number, call-in waits for the host's call), and on CONNECT turn the
/// line to HDLC framing with the same station address, XID node id and LU addresses on either
/// node: the host's switched major node finds the same PU, from the same calling line.
/// Carrier loss (DCD drop, the modem's NO CARRIER in the data stream, the line closing, or the
/// host no longer polling) hangs up (DTR drop: the device is closed) and calls again;
/// failed attempts back off and, at `redial-limit`, give up.
final class DialupAttachment: SwitchedAttachment {
    let plan: DialupLinePlan
    let transport: any RawLineTransport
    private var raw: RawLineConnection?
    private var line: LineConnection?
    private var dialer: ModemDialer
    private var dialTimer: Scheduled<Void>?
    /// Station frames produced before the HDLC line is in place (the first data-mode bytes).
    private var waitingFrames: [SDLCFrame] = []

    init(plan: DialupLinePlan, loop: any EventLoop, transport: (any RawLineTransport)? = nil, logger: Logger) {
        self.plan = plan
        self.transport = transport ?? makeRawLineTransport(device: plan.device, logger: logger)
        self.dialer = ModemDialer(configuration: plan.dialer)
        super.init(resource: plan.resource, line: plan.line, station: plan.station, hostVisibleAddress: plan.hostVisibleAddress,
                   call: plan.call, loop: loop, logger: logger)
    }

    override func waitingDetail() -> String {
        plan.call.direction == .out ? "dialling \(plan.hostNumber) from \(plan.number) (\(plan.unit) to \(plan.node))"
            : "waiting for the host's call on \(plan.number) (\(plan.unit) to \(plan.node))"
    }

    // MARK: One call

    override func placeCall(number: Int) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        LineSwitchClient.request(plan.unit, to: plan.node, epoch: plan.epoch, control: plan.control, signer: plan.switchSigner, on: loop).whenComplete { result in
            let attachment = bound.value
            guard number == attachment.callNumber, !attachment.isStopping else { return }
            switch result {
            case .success(let reply):
                attachment.logger.info("\(attachment.plan.unit) switched to \(attachment.plan.node), epoch \(attachment.plan.epoch): \(reply)")
                // Switching drops DTR on the modem cable; the switch holds our first commands
                // until the modem side is back, so the dialogue can begin at once.
                attachment.openDevice(number: number)
            case .failure(let error):
                attachment.openFailed(number: number, reason: "cannot switch the line: \(error)")
            }
        }
    }

    private func openDevice(number: Int) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        transport.open(on: loop) { event in bound.value.rawEvent(event, number: number) }.whenComplete { result in
            let attachment = bound.value
            switch result {
            case .success(let connection):
                guard number == attachment.callNumber, !attachment.isStopping else {
                    connection.close()
                    return
                }
                attachment.raw = connection
                attachment.dialer = ModemDialer(configuration: attachment.plan.dialer)
                attachment.logger.info("\(attachment.plan.line) open on \(attachment.plan.device): \(attachment.waitingDetail())")
                attachment.perform(attachment.dialer.start(now: .now()), number: number)
                attachment.ready(number: number)
            case .failure(let error):
                attachment.openFailed(number: number, reason: "\(error)")
            }
        }
    }

    private func rawEvent(_ event: RawLineEvent, number: Int) {
        guard number == callNumber, raw != nil else { return }
        switch event {
        case .bytes(let bytes):
            perform(dialer.receive(bytes, now: .now()), number: number)
        case .carrier(let on):
            if !on { perform(dialer.carrierLost(now: .now()), number: number) }
        case .closed(let error):
            raw = nil
            attemptFailed(number: number, reason: "line device \(plan.device) closed during the modem dialogue\(error.map { ": \($0)" } ?? "")")
        }
    }

    private func perform(_ actions: [ModemDialer.Action], number: Int) {
        var connected: String??
        var pending: ByteBuffer?
        for action in actions {
            switch action {
            case .send(let bytes):
                raw?.send(bytes)
            case .setTimer(let deadline):
                scheduleDialTimer(deadline, number: number)
            case .failed(let result, let reason):
                // The reason names the modem's result code ("modem answered BUSY (7) to ATDT…").
                dialTimer?.cancel()
                if phase == .calling, result?.isCallRefusal == true { countReject() }
                attemptFailed(number: number, reason: reason)
                return
            case .connected(let callingNumber):
                connected = .some(callingNumber)
            case .dataModeBytes(let bytes):
                pending = bytes
            }
        }
        if let connected { upgrade(number: number, callerID: connected, pending: pending) }
    }

    private func scheduleDialTimer(_ deadline: NIODeadline, number: Int) {
        dialTimer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: loop)
        dialTimer = loop.scheduleTask(deadline: deadline) {
            let attachment = bound.value
            guard number == attachment.callNumber, attachment.raw != nil else { return }
            attachment.perform(attachment.dialer.tick(now: .now()), number: number)
        }
    }

    /// CONNECT: the same channel carries HDLC-framed SDLC from now on.
    private func upgrade(number: Int, callerID: String?, pending: ByteBuffer?) {
        dialTimer?.cancel()
        guard let raw else { return }
        let description = plan.call.direction == .out
            ? "CONNECT: \(plan.number) called the host's \(plan.hostNumber)"
            : "CONNECT: answered the host's call\(callerID.map { " from \($0)" } ?? "") on \(plan.number)"
        waitingFrames = []
        let bound = NIOLoopBound(self, eventLoop: loop)
        // The station may answer the first data-mode frames before the HDLC line is in place.
        callConnected(number: number, description: description) { frames in
            let attachment = bound.value
            if let line = attachment.line { line.send(frames) } else { attachment.waitingFrames += frames }
        }
        raw.upgradeToHDLC(events: { event in bound.value.lineEvent(event, number: number) }, pending: pending).whenComplete { result in
            let attachment = bound.value
            guard number == attachment.callNumber else {
                if case .success(let line) = result { line.close() }
                return
            }
            switch result {
            case .success(let line):
                attachment.line = line
                attachment.watchForNoCarrier(on: line, number: number)
                line.send(attachment.waitingFrames)
                attachment.waitingFrames = []
            case .failure(let error):
                attachment.callLost(number: number, reason: "cannot switch the line to HDLC framing: \(error)")
            }
        }
    }

    /// The modem reports the call gone in the data stream (Hayes NO CARRIER, simulated V.25bis
    /// CFIAB); a tap in front of the HDLC decoder sees the bytes as they come.
    private func watchForNoCarrier(on line: LineConnection, number: Int) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        let tap = CarrierLossTap(scanner: CarrierLossScanner(protocol: plan.dial == .v25bis ? .v25bis : .hayes)) {
            let attachment = bound.value
            attachment.callLost(number: number, reason: "the modem reported NO CARRIER (the host hung up)")
        }
        do {
            try line.channel.pipeline.syncOperations.addHandler(tap, position: .first)
        } catch {
            logger.debug("\(plan.line): cannot watch for NO CARRIER: \(error)")
        }
    }

    private func lineEvent(_ event: LineEvent, number: Int) {
        switch event {
        case .frame(let frame):
            // V.25bis in HDLC framing: the modem's indications (CFI, INC, …) are address 0xFF,
            // control 0x13 (DESIGN.md §4); they are not the host's SDLC.
            if plan.dial == .v25bis, frame.address == 0xFF, frame.control.byte == 0x13 { return }
            received(frame, number: number)
        case .framingError:
            break  // logged and counted by the transport; the host retransmits
        case .closed(let error):
            guard number == callNumber else { return }
            line = nil
            callLost(number: number, reason: error.map { "\($0)" } ?? "line device \(plan.device) closed")
        }
    }

    /// DTR drop: the modem hangs up. On a simulated line closing the device is the DTR drop
    /// (the line switch closes the modem's side); on a tty DTR is dropped first.
    override func hangUp() -> EventLoopFuture<Void> {
        dialTimer?.cancel()
        waitingFrames = []
        let line = self.line
        let raw = self.raw
        self.line = nil
        self.raw = nil
        let modemLines = line?.modemLines ?? raw?.modemLines
        let dropped = modemLines?.setDataTerminalReady(false).recover { _ in } ?? loop.makeSucceededVoidFuture()
        let loop = self.loop
        return dropped.flatMap {
            if let line { return line.close() }
            if let raw { return raw.close() }
            return loop.makeSucceededVoidFuture()
        }.hop(to: loop)
    }
}

/// Passes the line's bytes on unchanged and tells when the modem's "call gone" text went by.
final class CarrierLossTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private var scanner: CarrierLossScanner
    private let lost: () -> Void
    private var reported = false

    init(scanner: CarrierLossScanner, lost: @escaping () -> Void) {
        self.scanner = scanner
        self.lost = lost
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let found = scanner.scan(bytes)
        context.fireChannelRead(data)
        if found, !reported {
            reported = true
            lost()
        }
    }
}
