import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol
import TN3270

/// One LU's TN3270(E) connection to the host, kept bound for as long as the resource is
/// active: it connects from the resource's source address, negotiates the LU, retries a
/// refused or closed negotiation with backoff, and sends the LU's messages in order,
/// reporting each once the host accepted it.
///
/// Acceptance: with the TN3270E RESPONSES function, the host's positive response to the
/// record. Otherwise 3270 keyboard semantics: sending a record locks the keyboard and the
/// host's next Write that restores it accepts the record.
final class TN3270LULink {
    enum Phase: Equatable {
        case idle, waitingToConnect, connecting, negotiating, bound, retryWait, stopped
    }

    let lu: LU
    let owner: TN3270Attachment
    private(set) var phase: Phase = .idle
    private var machine: TN3270ClientStateMachine?
    private var channel: Channel?
    private var attempt = 0
    private var everBound = false
    private var retryTask: Scheduled<Void>?
    private var unlockTask: Scheduled<Void>?
    private var negotiationTask: Scheduled<Void>?
    /// Messages not written yet, and written ones the host has not accepted, in order.
    private var unsent = CircularBuffer<(tag: MessageTag, payload: ByteBuffer)>()
    private var inFlight = CircularBuffer<(tag: MessageTag, payload: ByteBuffer, tnSequence: UInt16?)>()
    /// 3270 keyboard: locked until the host restores it (and after each record we send).
    private var keyboardLocked = true
    /// The negotiation deadline passed on the current connection.
    private var negotiationStalled = false
    /// The endpoints of the bound connection, announced to peers.
    private var announced: (local: SocketAddress, remote: SocketAddress)?

    /// How many records may await a TN3270E response at once.
    static let responseWindow = 16

    init(lu: LU, owner: TN3270Attachment) {
        self.lu = lu
        self.owner = owner
    }

    private var loop: EventLoop { owner.loop }
    private var logger: Logger { owner.logger }

    // MARK: - Connection lifecycle

    func start() {
        guard phase == .idle else { return }
        phase = .waitingToConnect
        owner.requestConnectSlot(for: self)
    }

    /// Called by the attachment when a connect slot is free.
    func connect() {
        guard phase == .waitingToConnect else { owner.releaseConnectSlot(); return }
        phase = .connecting
        let source = owner.sourceAddress
        let host = owner.host
        let bound = NIOLoopBound(self, eventLoop: loop)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(3))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TN3270LinkHandler(link: bound.value))
                }
            }
        let connecting: EventLoopFuture<Channel>
        do {
            connecting = bootstrap.bind(to: try SocketAddress(ipAddress: source.text, port: 0)).connect(host: host.host, port: host.port)
        } catch {
            connecting = loop.makeFailedFuture(error)
        }
        connecting.whenComplete { result in
            let link = bound.value
            link.owner.releaseConnectSlot()
            switch result {
            case .success(let channel):
                // channelActive already set the link up; a link stopped meanwhile closes it.
                if link.phase == .stopped { channel.close(promise: nil) }
            case .failure(let error):
                guard link.phase == .connecting else { return }
                link.scheduleRetry(because: Self.describe(connectError: error, source: source, host: host))
            }
        }
    }

    static func describe(connectError error: Error, source: IPAddress, host: Endpoint) -> String {
        if let io = error as? IOError, io.errnoCode == EADDRNOTAVAIL {
            return "source address \(source) is not on this node yet"
        }
        return "cannot connect from \(source) to \(host): \(error)"
    }

    func stop() {
        phase = .stopped
        retryTask?.cancel()
        unlockTask?.cancel()
        negotiationTask?.cancel()
        if let channel {
            channel.close(promise: nil)  // the handler reports the close to the owner
        } else {
            owner.linkStopped(self)
        }
    }

    private func scheduleRetry(because reason: String) {
        guard phase != .stopped else { return }
        channel = nil
        machine = nil
        attempt += 1
        let delay = owner.retry.delay(attempt: attempt)
        phase = .retryWait
        report(everBound ? .hostLost : .waitingForHost, "\(reason); retry \(attempt) in \(delay) ms")
        let bound = NIOLoopBound(self, eventLoop: loop)
        retryTask = loop.scheduleTask(in: .milliseconds(delay)) {
            let link = bound.value
            guard link.phase == .retryWait else { return }
            link.phase = .waitingToConnect
            link.owner.requestConnectSlot(for: link)
        }
    }

    private func report(_ state: SessionState, _ detail: String) {
        owner.linkState(self, state, detail)
    }

    // MARK: - Events from the connection

    func channelActive(_ channel: Channel) {
        guard phase == .connecting else { return }
        self.channel = channel
        phase = .negotiating
        keyboardLocked = true
        machine = TN3270ClientStateMachine(configuration: owner.clientConfiguration(for: lu))
        // A host that accepted the connection but never finishes negotiating (or never
        // saw it: an overflowed accept queue) must not keep the LU waiting forever.
        let bound = NIOLoopBound(self, eventLoop: loop)
        negotiationTask = loop.scheduleTask(in: owner.negotiationTimeout) {
            let link = bound.value
            guard link.phase == .negotiating, link.channel === channel else { return }
            link.logger.warning("LU \(link.lu.name): the host did not complete negotiation within \(link.owner.negotiationTimeout.nanoseconds / 1_000_000) ms; reconnecting")
            link.negotiationStalled = true
            channel.close(promise: nil)
        }
    }

    func received(_ bytes: ByteBuffer) {
        guard var machine else { return }
        let actions = machine.receive(bytes)
        self.machine = machine
        perform(actions)
    }

    func channelClosed() {
        let wasStopped = phase == .stopped
        if var machine {
            _ = machine.connectionClosed()
            self.machine = nil
        }
        channel = nil
        unlockTask?.cancel()
        negotiationTask?.cancel()
        if let announced {
            owner.linkConnection(self, local: announced.local, remote: announced.remote, up: false)
            self.announced = nil
        }
        let stalled = negotiationStalled
        negotiationStalled = false
        // What the host did not accept goes out again, first, after the next bind.
        while let message = inFlight.popLast() { unsent.prepend((message.tag, message.payload)) }
        if wasStopped {
            owner.linkStopped(self)
        } else if phase == .bound || phase == .negotiating {
            scheduleRetry(because: phase == .bound ? "host closed the session"
                          : stalled ? "host did not complete negotiation in time" : "host closed the connection during negotiation")
        }
    }

    private func perform(_ actions: [TN3270ClientStateMachine.Action]) {
        guard let channel else { return }
        for action in actions {
            switch action {
            case .send(let bytes):
                channel.write(bytes, promise: nil)
            case .bound(let binding):
                bound(binding)
            case .rejected(let reason):
                rejected(reason)
            case .record(let record):
                hostRecord(record)
            case .response(let response):
                hostResponse(response)
            case .close(let reason):
                logger.warning("LU \(lu.name): closing: \(reason)")
                channel.close(promise: nil)
            case .closed:
                break
            }
        }
        channel.flush()
    }

    private func bound(_ binding: TN3270Binding) {
        negotiationTask?.cancel()
        phase = .bound
        if let local = channel?.localAddress, let remote = channel?.remoteAddress {
            announced = (local, remote)
            owner.linkConnection(self, local: local, remote: remote, up: true)
        }
        attempt = 0
        everBound = true
        let detail = binding.dialect == .tn3270e
            ? "TN3270E CONNECT \(binding.luName ?? lu.hostLUName) from \(owner.sourceAddress)"
            : "TN3270 \(binding.deviceType)@\(binding.luName ?? lu.hostLUName) from \(owner.sourceAddress)"
        report(.bound, detail)
        if !binding.responsesEnabled {
            // Hosts unlock the keyboard with their first screen; one that sends none
            // leaves it to us: unlock after a short grace period.
            let bound = NIOLoopBound(self, eventLoop: loop)
            unlockTask = loop.scheduleTask(in: owner.keyboardUnlockGrace) {
                let link = bound.value
                guard link.phase == .bound, link.keyboardLocked, link.inFlight.isEmpty else { return }
                link.keyboardLocked = false
                link.pump()
            }
        }
        pump()
    }

    private func rejected(_ reason: TN3270ERejectReason) {
        // DEVICE-IN-USE: the host still holds the LU for an older connection (ours,
        // from before the failover); it frees it when it notices. Ask again later.
        attempt += 1
        let delay = owner.retry.delay(attempt: attempt)
        report(everBound ? .hostLost : .waitingForHost, "host rejected \(lu.hostLUName): \(reason); retry \(attempt) in \(delay) ms")
        let bound = NIOLoopBound(self, eventLoop: loop)
        retryTask = loop.scheduleTask(in: .milliseconds(delay)) {
            let link = bound.value
            guard link.phase == .negotiating, var machine = link.machine else { return }
            do {
                let actions = try machine.retry(luName: link.lu.hostLUName)
                link.machine = machine
                link.perform(actions)
            } catch {
                link.channel?.close(promise: nil)
            }
        }
    }

    private func hostRecord(_ record: TN3270Record) {
        if !(machine?.binding?.responsesEnabled ?? false), record.restoresKeyboard {
            unlockTask?.cancel()
            keyboardLocked = false
            if let accepted = inFlight.popFirst() { owner.linkAccepted(self, accepted.tag) }
        }
        if record.data.readableBytes > 0 { owner.linkHostData(self, record.data) }
        pump()
    }

    private func hostResponse(_ response: TN3270Response) {
        guard let index = inFlight.firstIndex(where: { $0.tnSequence == response.sequenceNumber }) else {
            logger.debug("LU \(lu.name): response for unknown record \(response.sequenceNumber)")
            return
        }
        let message = inFlight.remove(at: index)
        switch response.outcome {
        case .positive: owner.linkAccepted(self, message.tag)
        case .negative: owner.linkRejected(self, message.tag, "host answered \(response)")
        }
        pump()
    }

    // MARK: - Messages

    func enqueue(_ tag: MessageTag, _ payload: ByteBuffer) {
        unsent.append((tag, payload))
        pump()
        channel?.flush()
    }

    func discardUnsent() { unsent.removeAll() }

    /// Writes what the window (responses) or the keyboard (3270) allows.
    private func pump() {
        guard phase == .bound, let channel, var machine else { return }
        let responses = machine.binding?.responsesEnabled ?? false
        while let next = unsent.first {
            if responses {
                guard inFlight.count < Self.responseWindow else { break }
            } else {
                guard !keyboardLocked, inFlight.isEmpty else { break }
            }
            do {
                let record = try machine.sendRecord(next.payload)
                unsent.removeFirst()
                inFlight.append((next.tag, next.payload, record.expectsResponse ? record.sequenceNumber : nil))
                if !record.expectsResponse { keyboardLocked = true }
                channel.write(record.bytes, promise: nil)
            } catch {
                logger.error("LU \(lu.name): cannot send: \(error)")
                break
            }
        }
        self.machine = machine
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
        link.received(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        link.channelClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
