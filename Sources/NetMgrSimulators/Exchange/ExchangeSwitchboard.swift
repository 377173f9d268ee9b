import Dialup
import ISDN
import LineTransport
import Logging
import NIOCore
import SDLC

/// The exchange at work, confined to its event loop: each subscriber line's DTE connection
/// with its modem (`ModemEmulator`) or D-channel network side (`ISDNNetworkSide`), and the
/// routing core between them. It only carries out what the value types decide: bytes and
/// frames out, calls routed, data relayed between connected lines.
final class ExchangeSwitchboard {
    final class LinePort {
        let line: ExchangeConfiguration.Line
        /// Analogue: the DTE's TCP connection (raw bytes).
        var channel: (any Channel)?
        var modem: ModemEmulator
        /// ISDN: the basic-rate interface connection.
        var interface: ISDNInterfaceConnection?
        var network: ISDNNetworkSide
        /// ISDN: this interface's current call and its B channel.
        var callID: ISDNCallID?
        var bChannel: ISDNChannel?

        init(line: ExchangeConfiguration.Line, modem: ModemEmulator, network: ISDNNetworkSide) {
            self.line = line
            self.modem = modem
            self.network = network
        }
    }

    let configuration: ExchangeConfiguration
    let loop: any EventLoop
    let logger: Logger
    let recorder: ExchangeCaptureRecorder
    private(set) var core: ExchangeCore
    private var ports: [String: LinePort] = [:]
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    /// Every finished call, in order (tests and the service's summary read them).
    private(set) var records: [ExchangeCallRecord] = []
    var onCallEnded: ((ExchangeCallRecord) -> Void)?

    init(configuration: ExchangeConfiguration, loop: any EventLoop, recorder: ExchangeCaptureRecorder, logger: Logger) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.recorder = recorder
        var kinds: [String: ExchangeLineKind] = [:]
        for line in configuration.lines {
            kinds[line.number] = line.kind
            let network = ISDNNetworkSide(configuration: .init(subscriberNumber: line.number, noAnswerTimeout: configuration.settings.noAnswer + .seconds(5)))
            ports[line.number] = LinePort(line: line, modem: ModemEmulator(protocol: line.dial, configuration: configuration.modem), network: network)
        }
        core = ExchangeCore(lines: kinds, settings: configuration.settings)
    }

    // MARK: Analogue lines

    /// A DTE connected to an analogue line (or the modem reached its DTE): a fresh modem.
    func analogueConnected(_ number: String, channel: any Channel) {
        guard let port = ports[number] else { return }
        if let previous = port.channel, previous !== channel {
            logger.info("line \(number): a new DTE connection replaces the old one")
            previous.close(promise: nil)
            perform(core.lineService(number, inService: false, now: .now()))
        }
        port.channel = channel
        port.modem = ModemEmulator(protocol: port.line.dial, configuration: configuration.modem)
        logger.info("line \(number): DTE connected (\(channel.remoteAddress?.description ?? "?"))\(port.line.outOfService ? "; the line is out of service" : "")")
        perform(core.lineService(number, inService: !port.line.outOfService, now: .now()))
    }

    /// The DTE connection closed: DTR dropped, the modem hangs up.
    func analogueDisconnected(_ number: String, channel: any Channel) {
        guard let port = ports[number], port.channel === channel else { return }
        port.channel = nil
        logger.info("line \(number): DTE gone (DTR drop)")
        modemActions(port, port.modem.dtrDropped(now: .now()))
        perform(core.lineService(number, inService: false, now: .now()))
    }

    func analogueBytes(_ number: String, _ bytes: ByteBuffer, channel: any Channel) {
        guard let port = ports[number], port.channel === channel else { return }
        let now = NIODeadline.now()
        if port.modem.isDataMode {
            if let peer = core.connectedPeer(of: number), let peerChannel = ports[peer]?.channel {
                peerChannel.write(bytes, promise: nil)  // flushed at the end of the read burst
                recorder.dataMode(line: number, bytes: bytes, fromDTE: true)
                recorder.dataMode(line: peer, bytes: bytes, fromDTE: false)
            }
            modemActions(port, port.modem.fromDTEInDataMode(bytes, now: now))
        } else {
            recorder.dialogue(line: number, bytes: bytes, fromDTE: true)
            modemActions(port, port.modem.fromDTE(bytes, now: now))
        }
    }

    /// End of a read burst from `number`: flush what was relayed to its peer.
    func analogueReadComplete(_ number: String) {
        guard let peer = core.connectedPeer(of: number) else { return }
        ports[peer]?.channel?.flush()
    }

    private func modemActions(_ port: LinePort, _ actions: [ModemEmulator.Action]) {
        let number = port.line.number
        let now = NIODeadline.now()
        for action in actions {
            switch action {
            case .toDTE(let bytes):
                recorder.dialogue(line: number, bytes: bytes, fromDTE: false)
                port.channel?.writeAndFlush(bytes, promise: nil)
            case .dial(let called):
                logger.info("line \(number): dials \(called)")
                perform(core.dial(from: number, to: called, now: now))
            case .answer:
                perform(core.answer(number, now: now))
            case .hangUp:
                perform(core.hangUp(number, now: now))
            case .setTimer:
                break  // rearm() looks at every machine's deadline
            }
        }
        rearm()
    }

    // MARK: ISDN lines

    func isdnConnected(_ number: String, interface: ISDNInterfaceConnection) {
        guard let port = ports[number] else { return }
        if let previous = port.interface, previous !== interface {
            logger.info("line \(number): a new interface connection replaces the old one")
            previous.close()
            isdnActions(port, port.network.layer1Deactivated(now: .now()))
        }
        port.interface = interface
        port.network = ISDNNetworkSide(configuration: port.network.configuration)
        port.callID = nil
        port.bChannel = nil
        logger.info("line \(number): ISDN interface active")
        isdnActions(port, port.network.start(now: .now()))
        perform(core.lineService(number, inService: !port.line.outOfService, now: .now()))
    }

    func isdnEvent(_ number: String, _ event: ISDNInterfaceEvent, interface: ISDNInterfaceConnection) {
        guard let port = ports[number], port.interface === interface else { return }
        let now = NIODeadline.now()
        switch event {
        case .frame(.d, let frame):
            recorder.dChannel(line: number, frame: frame, fromNetwork: false)
            isdnActions(port, port.network.receive(frame, now: now))
        case .frame(let channel, let frame):
            guard channel == port.bChannel, let peer = core.connectedPeer(of: number), let peerPort = ports[peer],
                  let peerChannel = peerPort.bChannel, let peerInterface = peerPort.interface else { return }
            recorder.bChannel(line: number, frame: frame)
            recorder.bChannel(line: peer, frame: frame)
            peerInterface.send(peerChannel, frame)
        case .framingError(let error):
            logger.debug("line \(number): framing error \(error)")
        case .badFrame(let error):
            logger.debug("line \(number): \(error)")
        case .closed(let error):
            port.interface = nil
            logger.info("line \(number): ISDN interface closed\(error.map { ": \($0)" } ?? "")")
            isdnActions(port, port.network.layer1Deactivated(now: now))
            perform(core.lineService(number, inService: false, now: now))
        }
    }

    private func isdnActions(_ port: LinePort, _ actions: [ISDNNetworkSide.Action]) {
        let number = port.line.number
        let now = NIODeadline.now()
        for action in actions {
            switch action {
            case .send(let frame):
                recorder.dChannel(line: number, frame: frame, fromNetwork: true)
                port.interface?.send(.d, frame)
            case .callRequested(let id, let channel, _, let called):
                port.callID = id
                port.bChannel = channel
                logger.info("line \(number): SETUP to \(called)")
                perform(core.dial(from: number, to: called, now: now))
            case .alerting:
                // The called interface is alerting: tell an ISDN caller.
                if let call = core.call(of: number), call.called == number, let caller = ports[call.calling], let id = caller.callID {
                    isdnActions(caller, caller.network.alert(id, now: now))
                }
            case .answered(let id, let channel):
                guard id == port.callID else { continue }
                port.bChannel = channel
                perform(core.answer(number, now: now))
            case .cleared(let id, let cause, let reason):
                guard id == port.callID else { continue }
                port.callID = nil
                port.bChannel = nil
                logger.info("line \(number): call cleared, cause \(cause) \(reason)")
                perform(core.hangUp(number, cause: cause, now: now))
            case .linkUp:
                logger.info("line \(number): D channel data link up")
            case .linkDown(let reason):
                logger.info("line \(number): D channel data link down: \(reason)")
            case .setTimer:
                break
            }
        }
        rearm()
    }

    // MARK: Routing actions

    private func perform(_ actions: [ExchangeCore.Action]) {
        let now = NIODeadline.now()
        for action in actions {
            switch action {
            case .ring(let line, let calling):
                guard let port = ports[line] else { continue }
                switch port.line.kind {
                case .analogue:
                    modemActions(port, port.modem.incomingCall(from: calling, now: now))
                case .isdn:
                    let (id, isdn) = port.network.deliverSetup(callingNumber: calling, calledNumber: line, now: now)
                    port.callID = id
                    port.bChannel = nil
                    isdnActions(port, isdn)
                    if id == nil { perform(core.hangUp(line, cause: ExchangeCallFailure.busy.cause, now: now)) }
                }
            case .stopRinging(let line, let cause), .clear(let line, let cause):
                guard let port = ports[line] else { continue }
                switch port.line.kind {
                case .analogue:
                    modemActions(port, port.modem.remoteHungUp(now: now))
                case .isdn:
                    guard let id = port.callID else { continue }
                    port.callID = nil
                    port.bChannel = nil
                    isdnActions(port, port.network.release(id, cause: cause, now: now))
                }
            case .callFailed(let line, let failure):
                guard let port = ports[line] else { continue }
                switch port.line.kind {
                case .analogue:
                    modemActions(port, port.modem.callProgress(Self.modemResult(failure), now: now))
                case .isdn:
                    guard let id = port.callID else { continue }
                    port.callID = nil
                    port.bChannel = nil
                    isdnActions(port, port.network.release(id, cause: failure.cause, now: now))
                }
            case .connect(let calling, let called):
                for number in [called, calling] {
                    guard let port = ports[number] else { continue }
                    switch port.line.kind {
                    case .analogue:
                        modemActions(port, port.modem.callProgress(.connect(speed: nil), now: now))
                    case .isdn:
                        if number == calling, let id = port.callID { isdnActions(port, port.network.connect(id, now: now)) }
                    }
                }
            case .callEnded(let record):
                records.append(record)
                logger.notice("\(record)")
                onCallEnded?(record)
            case .setTimer:
                break
            }
        }
        rearm()
    }

    static func modemResult(_ failure: ExchangeCallFailure) -> ModemResult {
        switch failure {
        case .busy: return .busy
        case .noAnswer: return .noAnswer
        case .noDialtone: return .noDialtone
        case .unallocated, .incompatible, .rejected: return .noCarrier
        }
    }

    // MARK: Time

    private func rearm() {
        let deadlines = [core.nextDeadline] + ports.values.flatMap { [$0.modem.nextDeadline, $0.network.nextDeadline] }
        guard let deadline = deadlines.compactMap({ $0 }).min() else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if deadline == timerDeadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) { bound.value.fire() }
    }

    private func fire() {
        timer = nil
        timerDeadline = nil
        let now = NIODeadline.now()
        perform(core.tick(now: now))
        for number in ports.keys.sorted() {
            guard let port = ports[number] else { continue }
            if let due = port.modem.nextDeadline, due <= now { modemActions(port, port.modem.tick(now: now)) }
            if let due = port.network.nextDeadline, due <= now { isdnActions(port, port.network.tick(now: now)) }
        }
        rearm()
    }

    func closeAll() {
        timer?.cancel()
        timer = nil
        for port in ports.values {
            port.channel?.close(promise: nil)
            port.interface?.close()
        }
        recorder.close()
    }
}
