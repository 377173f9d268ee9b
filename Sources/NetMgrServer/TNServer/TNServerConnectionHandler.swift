import Logging
import NIOCore
import NIOSSL
import NetMgrAddresses
import NetMgrProtocol
import TN3270

/// One emulator's connection to the TN server. The telnet/TN3270(E) dialogue is
/// `TN3270ServerStateMachine`'s; the LU choice is the server's `TNLUAssigner`'s; this
/// handler performs their actions, keeps the deadlines (`TNEmulatorLiveness`) and bridges
/// the bound session to the router through an internal client connection.
final class TNServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The router session id the internal client uses (one session per emulator connection).
    static let session: UInt32 = 1

    private let server: TNServer
    var machine: TN3270ServerStateMachine
    var context: ChannelHandlerContext?
    /// STARTTLS: the server's TLS context when this (plaintext) connection offers it (TNServerConnectionHandler+TLS.swift).
    let startTLSContext: NIOSSLContext?
    private var client: IPAddress?
    private var peer = "?"
    private var liveness: TNEmulatorLiveness?
    private var timer: Scheduled<Void>?
    /// The router's view of this emulator, once an LU was opened for it.
    private var internalClient: ClientConnection?
    /// The LU opened in the router (held in the assigner), and its resource.
    private var lu: String?
    private var resource: String?
    /// What the router answered the OPEN just made (it answers synchronously).
    private var openAnswer: ServerMessage?
    /// The LU being opened (host data the router hands over during the OPEN is for it).
    private var opening: String?
    private var isBound = false
    /// Host records that came before the emulator's session was bound (bounded).
    private var pending: [(record: ByteBuffer, dataType: TN3270EDataType)] = []
    private var nextSequence: UInt64 = 0
    private var isClosing = false
    private var closeScheduled = false
    private var counted = false
    /// The SNA LU 2 mapping (BIND-IMAGE, UNBIND, RESPONSES) when the LU is an SNA LU.
    private var sna: TNSNABridge?

    init(server: TNServer, startTLS: NIOSSLContext? = nil) {
        self.server = server
        self.startTLSContext = startTLS
        var configuration = TN3270ServerConfiguration(supportedFunctions: [], maximumRecordLength: TNServer.maximumRecordLength)
        configuration.offersStartTLS = startTLS != nil
        self.machine = TN3270ServerStateMachine(configuration: configuration)
    }

    var logger: Logger { server.logger }
    private var router: Router { server.router }
    var what: String { "emulator \(peer)\(lu.map { " (LU \($0))" } ?? "")" }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.remoteAddress
        peer = remote.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        client = TNServer.clientAddress(remote)
        guard server.connectionCount < server.maximumConnections else {
            logger.warning("TN server: connection from \(peer) refused: \(server.maximumConnections) emulator connections are open, the limit")
            close(context)
            return
        }
        server.connectionCount += 1
        counted = true
        let settings = server.settings
        liveness = TNEmulatorLiveness(
            negotiationTimeout: .seconds(Int64(settings.negotiationTimeoutSeconds)),
            probeInterval: settings.probeIntervalSeconds > 0 ? .seconds(Int64(settings.probeIntervalSeconds)) : nil,
            probeTimeout: .seconds(Int64(settings.probeTimeoutSeconds)),
            now: router.loop.now)
        scheduleTimer()
        logger.debug("TN server: connection from \(peer)")
        perform(machine.start(), context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing else { return }
        liveness?.heard(now: router.loop.now)
        perform(machine.receive(unwrapInboundIn(data)), context)
        scheduleTimer()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let internalClient { router.connectionWritabilityChanged(internalClient) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        for case .closed(let outcome) in machine.connectionClosed() {
            logger.debug("TN server: \(what): \(outcome)")
        }
        if let internalClient {
            router.connectionClosed(internalClient)
            self.internalClient = nil
        }
        if let lu, let client {
            if server.holders[lu]?.handler === self { server.holders[lu] = nil }
            server.assigner.release(lu, client: client, now: router.loop.now)
            let kept = server.settings.keepLUSeconds
            logger.info("TN server: \(what) disconnected\(kept > 0 ? "; LU \(lu) kept for \(client) for \(kept) s (keep-lu)" : "")")
        }
        lu = nil
        if counted {
            server.connectionCount -= 1
            counted = false
        }
        context.fireChannelInactive()
    }

    /// A new session from the same client address takes this one's LU (`takeover:
    /// same-address`): the LU leaves this session at once, in the router and the assigner,
    /// and the connection is closed.
    func yieldLU(to newPeer: String) {
        guard let lu, let client else { return }
        logger.notice("TN server: \(what): emulator \(newPeer), from the same address, takes LU \(lu) over; closing this session (most often one the emulator lost in a failover)")
        if let internalClient {
            router.connectionClosed(internalClient)
            self.internalClient = nil
        }
        if server.holders[lu]?.handler === self { server.holders[lu] = nil }
        server.assigner.release(lu, client: client, now: router.loop.now)
        self.lu = nil
        if let context { close(context) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("TN server: \(what): \(error); closing")
        close(context)
    }

    // MARK: - The machine's actions

    func perform(_ actions: [TN3270ServerStateMachine.Action], _ context: ChannelHandlerContext) {
        for action in actions {
            guard !isClosing else { return }
            switch action {
            case .send(let bytes):
                context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            case .luRequested(let request):
                decide(request, context)
            case .bound(let binding):
                bound(binding, context)
            case .record(let record):
                received(record, context)
            case .response(let response):
                emulatorResponded(response)
            case .probeAnswered(let verb):
                logger.trace("TN server: \(what) answered TIMING-MARK with \(verb)")
            case .close(.rejected(let reason)):
                logger.debug("TN server: closing \(what): basic TN3270 refusal (\(reason))")
                close(context)
            case .close(.protocolError(let error)):
                logger.notice("TN server: closing \(what): \(error)")
                close(context)
            case .closed:
                break
            case .startTLS(let bytes):
                startTLS(handing: bytes, context)  // TNServerConnectionHandler+TLS.swift
            }
        }
    }

    private func decide(_ request: TN3270LURequest, _ context: ChannelHandlerContext) {
        guard let client else {
            logger.notice("TN server: closing \(what): its address is not an IP address")
            close(context)
            return
        }
        let server = self.server
        let decision = server.assigner.decide(request.target, deviceType: request.deviceType, from: client, now: router.loop.now, takenElsewhere: { server.takenByApplication($0) })
        switch decision {
        case .reject(let reason, let why):
            reject(request, reason, why, context)
        case .grant(let name, let why):
            guard let place = server.place(of: name) else {
                reject(request, .invalidName, "LU \(name) is not in this node's definitions", context)
                return
            }
            let state = place.runtime.machine.state
            guard state == .active || state == .activating else {
                // Not here: the emulator's reconnect should reach the active node (or the VIP).
                logger.notice("TN server: closing \(what): LU \(name) belongs to resource \(place.runtime.name), which is \(state) on \(router.node.name), not active; the emulator should connect to the node where it is active (or the group's VIP)")
                close(context)
                return
            }
            if server.assigner.held[name] != nil, let old = server.holders[name]?.handler, old !== self {
                old.yieldLU(to: peer)  // the assigner granted a takeover (same client address)
            }
            switch open(name, resource: place.runtime.name) {
            case .opened(_, let hostState, let hostAddress)?:
                lu = name
                resource = place.runtime.name
                server.assigner.hold(name, client: client)
                server.holders[name] = TNServer.Holder(handler: self)
                logger.info("TN server: granting LU \(name) of \(place.runtime.name) to emulator \(peer) (\(request)): \(why); host side \(hostState)\(hostAddress.isEmpty ? "" : " from \(hostAddress)")")
                sna = server.isSNA(place.runtime) ? TNSNABridge() : nil
                do {
                    perform(try machine.grant(luName: name, supportedFunctions: sna == nil ? nil : TNSNABridge.functions), context)
                } catch {
                    logger.error("TN server: \(what): \(error); closing")
                    close(context)
                }
            case .error(_, let code, _, let message)?:
                switch code {
                case .luInUse: reject(request, .deviceInUse, "LU \(name): \(message)", context)
                case .notActive, .deactivated, .shuttingDown:
                    logger.notice("TN server: closing \(what): LU \(name): \(message)")
                    close(context)
                default: reject(request, .unknownError, "LU \(name): the router refused: \(code): \(message)", context)
                }
            default:
                reject(request, .unknownError, "LU \(name): the router did not answer the OPEN", context)
            }
        }
    }

    private func reject(_ request: TN3270LURequest, _ reason: TN3270ERejectReason, _ why: String, _ context: ChannelHandlerContext) {
        let how = request.dialect == .tn3270e ? "DEVICE-TYPE REJECT \(reason)" : "closing the connection (basic TN3270 has no reject)"
        logger.info("TN server: refusing emulator \(peer) (\(request)): \(why); \(how)")
        do {
            perform(try machine.reject(reason), context)
        } catch {
            close(context)
        }
    }

    /// Opens `lu` in the router as this emulator's internal client; the router's answer.
    private func open(_ lu: String, resource: String) -> ServerMessage? {
        let connection: ClientConnection
        if let internalClient {
            connection = internalClient
        } else {
            guard let channel = context?.channel else { return nil }
            connection = ClientConnection(channel: channel)
            connection.identity = .tnServer
            connection.deliver = { [weak self] message in self?.fromRouter(message) }
            internalClient = connection
            router.connectionOpened(connection)
            router.received(.hello(minVersion: LANProtocol.version, maxVersion: LANProtocol.version, client: "tn3270 \(peer)"), from: connection)
        }
        openAnswer = nil
        opening = lu
        router.received(.open(session: Self.session, resource: resource, lu: lu), from: connection)
        defer { openAnswer = nil; opening = nil }
        return openAnswer
    }

    private func bound(_ binding: TN3270Binding, _ context: ChannelHandlerContext) {
        isBound = true
        liveness?.bound()
        scheduleTimer()
        logger.info("TN server: bound \(binding) for emulator \(peer)")
        if var sna, let lu, let runtime = server.place(of: lu)?.runtime.lus[lu] {
            _ = sna.hostSession(bound: runtime.hostState == .bound, bind: runtime.bindImage)
            let outputs = sna.emulatorBound(functions: binding.functions)
            self.sna = sna
            performSNA(outputs, context)
        }
        // Printers get no replay: it would print the last record again.
        if pending.isEmpty, let lu, !server.isPrinter(lu), let screen = server.screens[lu], !screen.isEmpty {
            logger.debug("TN server: \(what): nothing waiting from the host; replaying its \(screen.count) record(s) since the last Erase/Write (\(screen.reduce(0) { $0 + $1.readableBytes }) bytes)")
            pending.append(contentsOf: screen.map { ($0, .data3270) })
        }
        let waiting = pending
        pending.removeAll()
        for (record, dataType) in waiting { sendHostRecord(record, dataType: dataType, context) }
    }

    private func received(_ record: TN3270Record, _ context: ChannelHandlerContext) {
        guard isBound, let internalClient, let lu else {
            logger.notice("TN server: closing \(what): a record of \(record.data.readableBytes) bytes before its session was bound")
            close(context)
            return
        }
        if let header = record.header, header.dataType != .data3270 {
            logger.debug("TN server: \(what) sent a \(header.dataType) record; ignored")
            return
        }
        guard record.data.readableBytes > 0 else { return }
        nextSequence += 1
        logger.debug("TN server: \(what): input of \(record.data.readableBytes) bytes to LU \(lu) (DATA \(nextSequence))")
        router.received(.data(session: Self.session, sequence: nextSequence, payload: record.data), from: internalClient)
    }

    // MARK: - From the router

    /// What the router sends this emulator's internal client.
    private func fromRouter(_ message: ServerMessage) {
        if openAnswer == nil, lu == nil, !isBound {
            switch message {
            case .opened, .error(session: Self.session, code: _, sequence: _, message: _):
                openAnswer = message
                return
            default:
                break
            }
        }
        switch message {
        case .hostData(_, _, let payload):
            let dataType = (lu ?? opening).map { server.hostDataType(of: $0) } ?? .data3270  // SCS-DATA for printers (TNServer+Printers.swift)
            if let name = lu ?? opening, !server.isPrinter(name) { server.remember(payload, lu: name) }
            guard isBound, let context else {
                if pending.count >= TNServer.maximumPendingRecords { pending.removeFirst() }
                pending.append((payload, dataType))
                return
            }
            sendHostRecord(payload, dataType: dataType, context)
        case .error(_, let code, let sequence, let text):
            switch code {
            case .deactivated:
                closeLater("resource \(resource ?? "?") left \(router.node.name) (\(text)); closing so that the emulator reconnects to the active node")
            case .hostRejected, .queueFull:
                logger.warning("TN server: \(what): input \(sequence) not taken: \(code): \(text)")
            default:
                logger.notice("TN server: \(what): router: \(code): \(text)")
            }
        case .closed:
            closeLater("the router ended the LU session")
        case .goodbye(let reason):
            closeLater("netmgrd is going away: \(reason)")
        case .session(_, let state, let detail):
            logger.debug("TN server: \(what): host side \(state) \(detail)")
            if var sna, let lu {
                let outputs = sna.hostSession(bound: state == .bound, bind: server.place(of: lu)?.runtime.lus[lu]?.bindImage)
                self.sna = sna
                if isBound, let context { performSNA(outputs, context) }
            }
        default:
            break
        }
    }

    private func sendHostRecord(_ payload: ByteBuffer, dataType: TN3270EDataType, _ context: ChannelHandlerContext) {
        if var sna {
            let outputs = sna.hostRecord(payload)
            self.sna = sna
            return performSNA(outputs, context)
        }
        do {
            let outbound = try machine.sendRecord(payload, dataType: dataType)
            context.writeAndFlush(wrapOutboundOut(outbound.bytes), promise: nil)
        } catch {
            logger.error("TN server: cannot send host data to \(what): \(error)")
        }
    }

    // MARK: - SNA LU 2 (TNSNABridge)

    private func performSNA(_ outputs: [TNSNABridge.Output], _ context: ChannelHandlerContext) {
        for output in outputs {
            do {
                let record: TN3270OutboundRecord
                switch output {
                case .bindImage(let bind):
                    logger.debug("TN server: \(what): BIND-IMAGE (\(bind.readableBytes) bytes)")
                    record = try machine.sendRecord(bind, dataType: .bindImage)
                case .unbind(let unbind):
                    logger.debug("TN server: \(what): UNBIND (the host's session ended)")
                    record = try machine.sendRecord(unbind, dataType: .unbind)
                case .data(let data, let requestingResponse):
                    record = try machine.sendRecord(data, dataType: .data3270, requestingResponse: requestingResponse)
                }
                context.writeAndFlush(wrapOutboundOut(record.bytes), promise: nil)
            } catch {
                logger.error("TN server: cannot send host data to \(what): \(error)")
            }
        }
    }

    /// RESPONSES: netmgrd's PU answered the host when the data came; the emulator's answer is logged.
    private func emulatorResponded(_ response: TN3270Response) {
        switch response.outcome {
        case .positive:
            logger.trace("TN server: \(what): \(response)")
        case .negative(let sense):
            logger.notice("TN server: \(what): \(response), SNA sense \(TNSNABridge.snaSense(tn3270eSense: sense)); the host had its response from netmgrd's PU already")
        }
    }

    // MARK: - Timers and closing

    private func scheduleTimer() {
        guard let context, let deadline = liveness?.nextDeadline else {
            timer?.cancel()
            timer = nil
            return
        }
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        guard var liveness, let context, !isClosing else { return }
        let action = liveness.tick(now: router.loop.now)
        self.liveness = liveness
        switch action {
        case .none:
            break
        case .probe:
            logger.debug("TN server: probing \(what) with TIMING-MARK")
            context.writeAndFlush(wrapOutboundOut(machine.probe()), promise: nil)
        case .close(let why):
            logger.notice("TN server: closing \(what): \(why)")
            close(context)
            return
        }
        scheduleTimer()
    }

    /// Closes after the router's current call has returned (the router is mid-way through its own bookkeeping).
    private func closeLater(_ why: String) {
        guard let context, !isClosing, !closeScheduled else { return }
        closeScheduled = true
        logger.notice("TN server: closing \(what): \(why)")
        context.eventLoop.assumeIsolated().execute { [weak self] in
            guard let self, let context = self.context else { return }
            self.close(context)
        }
    }

    func close(_ context: ChannelHandlerContext) {
        guard !isClosing else { return }
        isClosing = true
        timer?.cancel()
        timer = nil
        context.close(promise: nil)
    }
}
