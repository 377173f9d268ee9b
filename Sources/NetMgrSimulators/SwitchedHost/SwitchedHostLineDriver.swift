import Dialup
import ISDN
import LineTransport
import Logging
import NIOCore
import NIOPosix
import SDLC

/// One of the host's switched lines at the exchange, confined to `loop`: on the dial-up path
/// the host is the DTE of its modem (`ModemDialer`: caller id on, auto-answer, or dialling
/// the call-out numbers), on the ISDN path the user side of its basic-rate interface
/// (`ISDNUserSide`: answers SETUPs, or places calls). Once a call is through, a
/// `SwitchedHostSession` runs on the data path (HDLC-framed SDLC on the modem line, SDLC
/// frames on the B channel). Hanging up on the dial-up path is DTR dropping (the connection
/// to the exchange is closed and made again).
final class SwitchedHostLineDriver {
    let line: SwitchedHostConfiguration.Line
    let configuration: SwitchedHostConfiguration
    let loop: any EventLoop
    let logger: Logger
    let recorder: SwitchedHostJournalRecorder
    var onFact: ((SNAHostFact) -> Void)?
    var onConnected: (() -> Void)?

    // Dial-up
    private var channel: (any Channel)?
    private var dialer: ModemDialer?
    private var dataMode = false
    private var scanner = CarrierLossScanner()
    private var decoder = HDLCFrameDecoder()
    // ISDN
    private var interface: ISDNInterfaceConnection?
    private var user: ISDNUserSide?
    private var bChannel: ISDNChannel?
    // Both
    private var session: SwitchedHostSession?
    private var callOutIndex = 0
    private var dialled: String?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var pending: Scheduled<Void>?
    private var stopped = false
    private var connectFailures = 0

    init(line: SwitchedHostConfiguration.Line, configuration: SwitchedHostConfiguration, loop: any EventLoop, journal: HostJournal?, logger: Logger) {
        self.line = line
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.recorder = SwitchedHostJournalRecorder(path: line.path.rawValue, line: "\(line.path.rawValue) \(line.number)", journal: journal)
    }

    var facts: SNAHostFacts? { session?.facts }

    func start() {
        connect()
    }

    func stop() {
        stopped = true
        timer?.cancel()
        pending?.cancel()
        endSession(reason: "host simulator stopped")
        channel?.close(promise: nil)
        interface?.close()
    }

    // MARK: Connection to the exchange

    private func connect() {
        guard !stopped else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        switch line.path {
        case .dialup:
            ClientBootstrap(group: loop)
                .connectTimeout(.seconds(1))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SwitchedHostModemHandler(driver: bound))
                    }
                }
                .connect(host: line.endpoint.host, port: line.endpoint.port)
                .whenComplete { result in
                    switch result {
                    case .success(let channel): bound.value.dialupConnected(channel)
                    case .failure(let error): bound.value.connectFailed(error)
                    }
                }
        case .isdn:
            openISDNInterface(device: .tcp(host: line.endpoint.host, port: line.endpoint.port), on: loop) { event in
                bound.value.isdnEvent(event)
            }.whenComplete { result in
                switch result {
                case .success(let interface): bound.value.isdnConnected(interface)
                case .failure(let error): bound.value.connectFailed(error)
                }
            }
        }
    }

    private func connectFailed(_ error: any Error) {
        connectFailures += 1
        if connectFailures == 1 { logger.warning("switched host \(line.path.rawValue) \(line.number): \(error); retrying") }
        later(configuration.reconnectDelay) { $0.connect() }
    }

    private func later(_ delay: TimeAmount, _ body: @escaping @Sendable (SwitchedHostLineDriver) -> Void) {
        guard !stopped else { return }
        pending?.cancel()
        let bound = NIOLoopBound(self, eventLoop: loop)
        pending = loop.scheduleTask(in: delay) {
            bound.value.pending = nil
            body(bound.value)
        }
    }

    private var callOutNumber: String? {
        line.callOut.isEmpty ? nil : line.callOut[callOutIndex % line.callOut.count]
    }

    // MARK: Dial-up path

    private func dialupConnected(_ channel: any Channel) {
        guard !stopped else { channel.close(promise: nil); return }
        self.channel = channel
        connectFailures = 0
        logger.info("switched host dialup \(line.number): modem cable connected")
        if !line.callOut.isEmpty {
            onConnected?()
            onConnected = nil
        }
        startDialer()
    }

    private func startDialer() {
        guard channel != nil else { return }
        dataMode = false
        scanner = CarrierLossScanner()
        decoder = HDLCFrameDecoder()
        dialled = callOutNumber
        var dialer = ModemDialer(configuration: .init(
            protocol: .hayes, direction: dialled == nil ? .callIn : .callOut, number: dialled,
            answerAfterRings: configuration.answerRings, callerID: true))
        let actions = dialer.start(now: .now())
        self.dialer = dialer
        dialerActions(actions)
    }

    fileprivate func dialupBytes(_ bytes: ByteBuffer, channel: any Channel) {
        guard channel === self.channel else { return }
        let now = NIODeadline.now()
        if dataMode {
            dataModeBytes(bytes, now: now)
        } else if var dialer {
            let actions = dialer.receive(bytes, now: now)
            self.dialer = dialer
            dialerActions(actions)
        }
    }

    private func dataModeBytes(_ bytes: ByteBuffer, now: NIODeadline) {
        if scanner.scan(bytes) {
            logger.info("switched host dialup \(line.number): NO CARRIER")
            endSession(reason: "carrier lost (NO CARRIER)")
            dataMode = false
            if var dialer {
                let actions = dialer.carrierLost(now: now)
                self.dialer = dialer
                dialerActions(actions)
            }
            return
        }
        var buffer = bytes
        while let output = decoder.decode(buffer: &buffer) {
            guard case .frame(let content) = output, let frame = try? SDLCFrame(parsing: content) else { continue }
            sessionReceive(frame, now: now)
        }
    }

    fileprivate func dialupClosed(channel: any Channel) {
        guard channel === self.channel else { return }
        self.channel = nil
        dialer = nil
        dataMode = false
        endSession(reason: "modem cable closed")
        guard !stopped else { return }
        later(configuration.reconnectDelay) { $0.connect() }
    }

    private func dialerActions(_ actions: [ModemDialer.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                channel?.writeAndFlush(bytes, promise: nil)
            case .connected(let callingNumber):
                dataMode = true
                let calling = dialled == nil ? callingNumber : line.number
                let called = dialled ?? line.number
                logger.info("switched host dialup \(line.number): CONNECT (calling \(calling ?? "unknown"), called \(called))")
                startSession(calling: calling, called: called)
            case .dataModeBytes(let bytes):
                dataModeBytes(bytes, now: .now())
            case .failed(let result, let reason):
                logger.notice("switched host dialup \(line.number): \(dialled.map { "call to \($0)" } ?? "answering") failed: \(reason) (\(result.map { "\($0)" } ?? "no result"))")
                dataMode = false
                endSession(reason: reason)
                if dialled == nil, result == .noCarrier, var dialer {
                    // Answering, the call ended: the modem is back in command mode with its
                    // set-up (caller id, auto-answer) intact, as a host DTE keeps it; wait for
                    // the next RING. Setting it up again (ATZ …) would race the next caller.
                    dataMode = false
                    scanner = CarrierLossScanner()
                    decoder = HDLCFrameDecoder()
                    let actions = dialer.waitForNextCall(now: .now())
                    self.dialer = dialer
                    dialerActions(actions)
                    continue
                }
                if dialled != nil { callOutIndex += 1 }
                // A modem error or timeout: set the modem up again (ATZ …). Calling: back off
                // before the next number.
                later(dialled == nil ? .milliseconds(10) : configuration.redialDelay) { $0.startDialer() }
            case .setTimer:
                break
            }
        }
        // Answering: the modem is set up (caller id, auto-answer) once no command is out.
        if dialled == nil, !dataMode, let dialer, !dialer.isConnected, dialer.nextDeadline == nil, let ready = onConnected {
            onConnected = nil
            ready()
        }
        rearm()
    }

    // MARK: ISDN path

    private func isdnConnected(_ interface: ISDNInterfaceConnection) {
        guard !stopped else { interface.close(); return }
        self.interface = interface
        connectFailures = 0
        logger.info("switched host isdn \(line.number): interface active")
        onConnected?()
        onConnected = nil
        var user = ISDNUserSide(configuration: .init(ownNumber: line.number, incomingCalls: line.callOut.isEmpty ? .answer : .reject))
        let actions = user.start(now: .now())
        self.user = user
        userActions(actions)
        placeISDNCall()
    }

    private func placeISDNCall() {
        guard interface != nil, var user, let number = callOutNumber else { return }
        dialled = number
        logger.info("switched host isdn \(line.number): calling \(number)")
        let actions = user.call(number, now: .now())
        self.user = user
        userActions(actions)
    }

    private func isdnEvent(_ event: ISDNInterfaceEvent) {
        let now = NIODeadline.now()
        switch event {
        case .frame(.d, let frame):
            guard var user else { return }
            let actions = user.receive(frame, now: now)
            self.user = user
            userActions(actions)
        case .frame(let channel, let bytes):
            guard channel == bChannel, let frame = try? SDLCFrame(parsing: bytes) else { return }
            sessionReceive(frame, now: now)
        case .framingError, .badFrame:
            break
        case .closed(let error):
            guard interface != nil else { return }
            logger.info("switched host isdn \(line.number): interface closed\(error.map { ": \($0)" } ?? "")")
            interface = nil
            user = nil
            bChannel = nil
            endSession(reason: "interface closed")
            later(configuration.reconnectDelay) { $0.connect() }
        }
    }

    private func userActions(_ actions: [ISDNUserSide.Action]) {
        for action in actions {
            switch action {
            case .send(let frame):
                interface?.send(.d, frame)
            case .connected(let channel, let calling, let called):
                bChannel = channel
                logger.info("switched host isdn \(line.number): connected on \(channel) (calling \(calling), called \(called))")
                startSession(calling: calling, called: called)
            case .cleared(let cause, let reason):
                logger.info("switched host isdn \(line.number): call cleared, cause \(cause) \(reason)")
                bChannel = nil
                endSession(reason: "call cleared, cause \(cause)")
                if dialled != nil {
                    callOutIndex += 1
                    later(configuration.redialDelay) { $0.placeISDNCall() }
                }
            case .incomingCall(let calling, let called):
                logger.info("switched host isdn \(line.number): incoming call from \(calling ?? "unknown") to \(called ?? "?")")
            case .setTimer:
                break
            }
        }
        rearm()
    }

    // MARK: Session

    private func startSession(calling: String?, called: String?) {
        recorder.callConnected(calling: calling, called: called)
        var session = SwitchedHostSession(physicalUnits: configuration.physicalUnits, timers: configuration.timers)
        let actions = session.start(now: .now())
        self.session = session
        sessionActions(actions)
    }

    private func sessionReceive(_ frame: SDLCFrame, now: NIODeadline) {
        guard var session else { return }
        let actions = session.receive(frame, now: now)
        self.session = session
        sessionActions(actions)
    }

    private func endSession(reason: String) {
        guard var session else { return }
        let actions = session.callCleared(reason: reason)
        self.session = nil
        sessionActions(actions)
    }

    private func sessionActions(_ actions: [SwitchedHostSession.Action]) {
        var out = ByteBuffer()
        for action in actions {
            switch action {
            case .send(let frame):
                switch line.path {
                case .dialup: HDLCFrameEncoder.encode(frame, into: &out)
                case .isdn: if let bChannel { interface?.send(bChannel, frame) }
                }
            case .fact(let fact):
                if case .protocolError(let text) = fact { logger.warning("switched host \(line.path.rawValue) \(line.number): \(text)") }
                recorder.record(fact)
                onFact?(fact)
            case .identified(let pu, let station):
                logger.info("switched host \(line.path.rawValue) \(line.number): PU \(pu.nodeID) station \(station) on the call")
                recorder.identified(pu, stationAddress: station)
            case .refused(let nodeID, let reason):
                logger.notice("switched host \(line.path.rawValue) \(line.number): refusing \(nodeID.map { "\($0)" } ?? "the caller"): \(reason)")
                recorder.refused(nodeID: nodeID, reason: reason)
            case .hangUp(let reason):
                hangUp(reason: reason)
            }
        }
        if out.readableBytes > 0 { channel?.writeAndFlush(out, promise: nil) }
        rearm()
    }

    private func hangUp(reason: String) {
        logger.info("switched host \(line.path.rawValue) \(line.number): hanging up (\(reason))")
        session = nil
        switch line.path {
        case .dialup:
            channel?.close(promise: nil)  // DTR drop; dialupClosed reconnects
        case .isdn:
            guard var user else { return }
            let actions = user.hangUp(cause: 16, now: .now())
            self.user = user
            userActions(actions)
        }
    }

    // MARK: Time

    private func rearm() {
        guard !stopped, let deadline = [dialer?.nextDeadline, user?.nextDeadline, session?.nextDeadline].compactMap({ $0 }).min() else { return }
        if deadline == timerDeadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: max(deadline, .now())) { bound.value.fire() }
    }

    private func fire() {
        timer = nil
        timerDeadline = nil
        let now = NIODeadline.now()
        if var dialer, let due = dialer.nextDeadline, due <= now {
            let actions = dialer.tick(now: now)
            self.dialer = dialer
            dialerActions(actions)
        }
        if var user, let due = user.nextDeadline, due <= now {
            let actions = user.tick(now: now)
            self.user = user
            userActions(actions)
        }
        if var session, let due = session.nextDeadline, due <= now {
            let actions = session.tick(now: now)
            self.session = session
            sessionActions(actions)
        }
        rearm()
    }
}

/// The host's modem cable: bytes to the driver.
private final class SwitchedHostModemHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let driver: NIOLoopBound<SwitchedHostLineDriver>

    init(driver: NIOLoopBound<SwitchedHostLineDriver>) {
        self.driver = driver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver.value.dialupBytes(unwrapInboundIn(data), channel: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.value.dialupClosed(channel: context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
