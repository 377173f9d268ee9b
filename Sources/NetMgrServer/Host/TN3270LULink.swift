import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import NetMgrCore
import NetMgrProtocol
import TN3270

/// One LU's TN3270(E) connection to the host, kept bound for as long as the resource is
/// active. Every decision is `LUDeliveryMachine`'s; the link only performs its actions:
/// it opens the connection from the resource's source address, writes, closes, runs the
/// timers and reports to its attachment.
final class TN3270LULink {
    let lu: LU
    /// Weak: the attachment owns its links.
    private weak var owner: TN3270Attachment?
    private let connects: ConnectLimiter
    private let loop: EventLoop
    private let logger: Logger
    private let host: Endpoint
    private let sourceAddress: IPAddress
    private var machine: LUDeliveryMachine
    private var channel: Channel?
    private var timers: [LUDeliveryMachine.Timer: Scheduled<Void>] = [:]
    /// The endpoints of the bound connection, announced to peers.
    private var announced: (local: SocketAddress, remote: SocketAddress)?
    /// The client's buffer is full: host data should wait.
    private var hostDataPaused = false
    /// Whether the current connection's reading is off.
    private var readingPaused = false
    /// TLS toward the host (the resource's `tls`), nil for plain TCP.
    private let tls: HostTLSClient?
    /// A TLS handshake runs on the current connection: an error now is a TLS failure.
    private var tlsHandshaking = false
    /// The machine's host events already reported (metrics).
    private var reportedEvents = HostEventCounts()

    init(lu: LU, owner: TN3270Attachment, configuration: LUDeliveryMachine.Configuration) {
        self.lu = lu
        self.owner = owner
        self.connects = owner.connects
        self.loop = owner.loop
        self.logger = owner.logger
        self.host = owner.host
        self.sourceAddress = owner.sourceAddress
        self.tls = owner.tls
        self.machine = LUDeliveryMachine(configuration: configuration)
    }

    var phase: LUDeliveryMachine.Phase { machine.phase }
    /// The data type of the host record being delivered (TN server printers, issue 15).
    var lastHostDataType: TN3270EDataType { machine.lastHostDataType }

    func start() { perform(machine.start(now: .now())) }

    func stop() { perform(machine.stop(now: .now())) }

    func enqueue(_ tag: MessageTag, _ payload: ByteBuffer) { perform(machine.submit(tag, payload, now: .now())) }

    func discardUnsent() { machine.discardUnsent() }

    func setHostDataPaused(_ paused: Bool) {
        hostDataPaused = paused
        applyReadPause()
    }

    /// Reading stops only on a bound connection whose connect slot is free: a negotiation
    /// is always read, or a slow client would stall it and, through the slot, every LU at
    /// that host.
    private func applyReadPause() {
        guard let channel else { return }
        let pause = hostDataPaused && machine.phase == .bound && !machine.holdsConnectSlot
        guard pause != readingPaused else { return }
        readingPaused = pause
        channel.setOption(ChannelOptions.autoRead, value: !pause).whenFailure { _ in }
    }

    func status(now: NIODeadline) -> LUDeliveryStatus {
        LUDeliveryStatus(
            unacked: machine.unackedCount,
            oldestUnacked: machine.oldestUnackedAge(now: now),
            timeToBind: machine.timeToBind,
            hostScreen: machine.lastScreenLine,
            rejection: machine.rejection?.description,
            keyboardLocked: machine.phase == .bound && machine.keyboardLocked,
            queryOutstanding: machine.queryOutstanding
        )
    }

    // MARK: - Events from the connection

    func channelActive(_ channel: Channel) {
        self.channel = channel
        readingPaused = false
        // Direct TLS: the handshake started with the connection; the negotiation deadline covers it.
        tlsHandshaking = tls?.mode == .direct
        perform(machine.connected(now: .now()))
    }

    func tlsHandshakeCompleted(on channel: Channel) {
        guard channel === self.channel, let tls else { return }
        tlsHandshaking = false
        let version = try? channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).tlsVersion
        logger.debug("LU \(lu.name): \(tls.modeDescription) with host \(host) established\(version.map { " (\($0))" } ?? ""); the host's certificate verified against \(tls.caPath) for \(tls.expectedName)")
        perform(machine.tlsEstablished(now: .now()))
    }

    /// An error on the connection (it is closed next). During a TLS handshake it is the
    /// reason the host was refused: logged with the host and handed to the machine for the retry.
    func connectionError(_ error: Error, on channel: Channel) {
        guard channel === self.channel, tlsHandshaking, let tls else { return }
        tlsHandshaking = false
        // Logged by the machine: at error level, or at debug level when it only repeats.
        perform(machine.failConnection("\(tls.modeDescription) with host \(host) failed: \(tls.describe(error))"))
    }

    func received(_ bytes: ByteBuffer, on channel: Channel) {
        guard channel === self.channel else { return }
        perform(machine.received(bytes, now: .now()))
    }

    func channelClosed(_ channel: Channel) {
        guard channel === self.channel else { return }
        self.channel = nil
        perform(machine.closed(now: .now()))
    }

    // MARK: - Performing the machine's actions

    private func perform(_ actions: [LUDeliveryMachine.Action]) {
        if machine.hostEvents != reportedEvents { owner?.linkCounted(machine.hostEvents.since(reportedEvents)); reportedEvents = machine.hostEvents }
        var written = false
        for action in actions {
            switch action {
            case .requestConnectSlot:
                connects.acquire { [self] in perform(machine.slotGranted(now: .now())) }
            case .releaseConnectSlot:
                connects.release()
            case .connect:
                connect()
            case .send(let bytes):
                channel?.write(bytes, promise: nil)
                written = true
            case .close:
                channel?.close(promise: nil)
            case .schedule(let timer, let deadline):
                timers[timer]?.cancel()
                let bound = NIOLoopBound(self, eventLoop: loop)
                timers[timer] = loop.scheduleTask(deadline: deadline) {
                    let link = bound.value
                    link.timers[timer] = nil
                    link.perform(link.machine.timerFired(timer, now: .now()))
                }
            case .cancel(let timer):
                timers.removeValue(forKey: timer)?.cancel()
            case .accepted(let tag):
                owner?.linkAccepted(self, tag)
            case .failed(let tag, let reason):
                owner?.linkRejected(self, tag, reason)
            case .state(let state, let detail):
                owner?.linkState(self, state, detail)
            case .log(let level, let message):
                logger.log(level: level, "LU \(lu.name): \(message)")
            case .noDefiniteResponses(let text):
                owner?.warnNoDefiniteResponses(text)
            case .connectionUp:
                if let local = channel?.localAddress, let remote = channel?.remoteAddress {
                    announced = (local, remote)
                    owner?.linkConnection(self, local: local, remote: remote, up: true)
                }
            case .connectionDown:
                if let announced {
                    owner?.linkConnection(self, local: announced.local, remote: announced.remote, up: false)
                    self.announced = nil
                }
            case .hostData(let data):
                owner?.linkHostData(self, data)
            case .stopped:
                owner?.linkStopped(self)
            case .startTLS(let bytes):
                startTLS(handing: bytes)
            }
        }
        if written { channel?.flush() }
        if hostDataPaused { applyReadPause() }
    }

    /// STARTTLS: both FOLLOWS were exchanged; what follows on the connection is TLS.
    private func startTLS(handing bytes: ByteBuffer) {
        guard let channel else { return }
        guard let tls, tls.mode == .starttls else {
            // The machine only accepts START_TLS when the definitions ask for it.
            perform(machine.failConnection("host \(host) started STARTTLS that the definitions do not ask for"))
            return
        }
        // Our FOLLOWS must leave in the clear, before the TLS handler sits in front.
        channel.flush()
        do {
            try channel.pipeline.syncOperations.addHandler(try tls.makeHandler(), position: .first)
        } catch {
            perform(machine.failConnection("STARTTLS with host \(host) failed: cannot start TLS: \(error)"))
            return
        }
        tlsHandshaking = true
        if bytes.readableBytes > 0 { channel.pipeline.syncOperations.fireChannelRead(NIOAny(bytes)) }
    }

    private func connect() {
        let source = sourceAddress
        let host = self.host
        let tls = self.tls
        let bound = NIOLoopBound(self, eventLoop: loop)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(Self.bindAddressNoPort, value: 1)
            .connectTimeout(.seconds(3))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls, tls.mode == .direct {
                        try channel.pipeline.syncOperations.addHandler(try tls.makeHandler())
                    }
                    try channel.pipeline.syncOperations.addHandler(TN3270LinkHandler(link: bound.value))
                }
            }
        let connecting: EventLoopFuture<Channel>
        do {
            connecting = bootstrap.bind(to: try SocketAddress(ipAddress: source.text, port: 0)).connect(host: host.host, port: host.port)
        } catch {
            connecting = loop.makeFailedFuture(error)
        }
        connecting.whenFailure { error in
            // channelActive reports a connection that opened; only a failed one is left.
            let link = bound.value
            link.perform(link.machine.connectFailed(Self.describe(connectError: error, source: source, host: host), now: .now()))
        }
    }

    /// IP_BIND_ADDRESS_NO_PORT (Linux 4.2+): bind the source address (the VIP) without taking
    /// a port; connect() then picks one unique per 4-tuple. Without it every bind(VIP, 0)
    /// takes a port of the ephemeral range for good (32768–60999: 28,232), whoever the peer,
    /// and ports in TIME_WAIT from a previous owner of the VIP count too, so after a failover
    /// of ~15,000 LUs the new node runs out of ports (EADDRINUSE).
    static let bindAddressNoPort = ChannelOptions.Types.SocketOption(level: .ip, name: NIOBSDSocket.Option(rawValue: 24))

    static func describe(connectError error: Error, source: IPAddress, host: Endpoint) -> String {
        if let io = error as? IOError, io.errnoCode == EADDRNOTAVAIL {
            return "source address \(source) is not on this node yet"
        }
        return "cannot connect from \(source) to \(host): \(error)"
    }
}

/// Passes one LU connection's bytes and its end to its link.
final class TN3270LinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let link: TN3270LULink

    init(link: TN3270LULink) {
        self.link = link
    }

    func channelActive(context: ChannelHandlerContext) {
        link.channelActive(context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        link.received(unwrapInboundIn(data), on: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        link.channelClosed(context.channel)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            link.tlsHandshakeCompleted(on: context.channel)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        link.connectionError(error, on: context.channel)
        context.close(promise: nil)
    }
}
