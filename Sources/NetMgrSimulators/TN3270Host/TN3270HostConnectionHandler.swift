import Logging
import NIOCore
import NIOSSL
import NIOTLS
import TN3270

/// One client connection of the simulated host. It feeds the bytes to a
/// `TN3270ServerStateMachine` and only acts on what the machine returns: it asks the LU
/// table when the client requests an LU, answers records, probes silent clients and
/// journals what the host saw.
final class TN3270HostConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let core: TN3270HostCore
    private var machine: TN3270ServerStateMachine
    private var connection: TN3270HostLUTable.ConnectionID = 0
    private var session = TN3270HostSession(client: "?", port: 0)
    private var liveness: TN3270HostLiveness?
    private var livenessTimer: Scheduled<Void>?
    private var printTimer: Scheduled<Void>?
    private var closeTimer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// Set when the host decides to close, so the unbind says why.
    private var closeReason: HostJournalEntry.TN3270UnbindReason?
    private var isClosing = false
    /// The server context for STARTTLS on this (plain) connection; nil: not offered.
    private let startTLSContext: NIOSSLContext?
    /// "TLS" on the direct-TLS listener, for log lines.
    private let listener: String

    /// `startTLS`: offer STARTTLS with this context (plain listener). `direct`: the
    /// connection came in on the direct-TLS listener (its TLS handler is in front already).
    init(core: TN3270HostCore, startTLS: NIOSSLContext? = nil, direct: Bool = false) {
        self.core = core
        self.startTLSContext = startTLS
        self.listener = direct ? "direct TLS" : "plain"
        self.machine = TN3270ServerStateMachine(configuration: core.configuration.serverConfiguration(offeringStartTLS: startTLS != nil))
    }

    private var logger: Logger { core.logger }
    private var peer: String { "\(session.client):\(session.port)" }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.remoteAddress
        session.client = remote?.ipAddress.flatMap(TN3270HostClientAddress.normalize) ?? "?"
        session.port = remote?.port ?? 0
        guard let id = core.register(context.channel) else {
            logger.info("refusing connection from \(peer): shutting down")
            close(context)
            return
        }
        connection = id
        logger.debug("connection from \(peer) (\(listener))")
        if let probe = core.configuration.probe {
            liveness = TN3270HostLiveness(interval: probe.interval, timeout: probe.timeout, now: .now())
            scheduleLiveness()
        }
        perform(machine.start(), context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing else { return }
        liveness?.heard(now: .now())
        perform(machine.receive(unwrapInboundIn(data)), context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        for case .closed(let outcome) in machine.connectionClosed() {
            logger.debug("connection from \(peer) \(outcome)")
        }
        if connection != 0 {
            core.release(connection, session: session, reason: closeReason ?? (core.isShuttingDown ? .shutdown : .closed))
            core.unregister(connection)
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !isClosing {
            let version = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).tlsVersion
            logger.info("TLS with \(peer) established\(version.map { " (\($0))" } ?? "")\(machine.phase == .startTLS ? " after STARTTLS; negotiating again" : "")")
            if machine.phase == .startTLS {
                do {
                    perform(try machine.tlsEstablished(), context)
                } catch {
                    protocolViolation("\(error)", context)
                }
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset or similar socket error: the client is gone, which journals as `closed`.
        logger.notice("connection from \(peer): \(error); closing it")
        close(context)
    }

    // MARK: - Acting on the machine

    private func perform(_ actions: [TN3270ServerStateMachine.Action], _ context: ChannelHandlerContext) {
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
                logger.debug("client \(peer) on LU \(session.lu ?? "?") answered: \(response)")
            case .probeAnswered(let verb):
                logger.trace("client \(peer) answered the probe with \(verb)")
            case .close(.rejected(let reason)):
                // Basic TN3270 has no reject message: the refusal is the close (journaled already).
                logger.debug("closing connection from \(peer): basic TN3270 refusal (\(reason))")
                close(context)
            case .close(.protocolError(let error)):
                protocolViolation("\(error)", context)
            case .closed:
                break
            case .startTLS(let bytes):
                startTLS(handing: bytes, context)
            }
        }
    }

    /// Both FOLLOWS were exchanged (ours was written and flushed before this action): what
    /// follows is TLS. The bytes that came with the client's FOLLOWS are its first TLS bytes.
    private func startTLS(handing bytes: ByteBuffer, _ context: ChannelHandlerContext) {
        guard let startTLSContext else {
            protocolViolation("STARTTLS that this listener does not offer", context)
            return
        }
        logger.debug("STARTTLS with \(peer): FOLLOWS exchanged, TLS handshake next")
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: startTLSContext), position: .first)
        } catch {
            logger.error("connection from \(peer): cannot start TLS: \(error); closing it")
            close(context)
            return
        }
        if bytes.readableBytes > 0 { context.pipeline.syncOperations.fireChannelRead(NIOAny(bytes)) }
    }

    private func decide(_ request: TN3270LURequest, _ context: ChannelHandlerContext) {
        let holder = TN3270HostLUTable.Holder(connection: connection, client: session.client, port: session.port)
        do {
            switch core.request(request, holder: holder) {
            case .grant(let lu, let generic):
                session.generic = generic
                logger.info("granting LU \(lu) to \(peer) (\(request))")
                perform(try machine.grant(luName: lu), context)
            case .reject(let reason, let explanation):
                core.record(.tn3270Reject(session, request: request, reason: reason, explanation: explanation))
                if reason == .deviceInUse, request.dialect == .tn3270, let after = core.configuration.heldScreenRejectAfter {
                    // Hercules' way: the telnet negotiation goes on, the refusal is a screen.
                    logger.info("refusing \(peer) (\(request)): \(reason): \(explanation); at screen level after the negotiation")
                    session.heldRefusalAfter = after
                    perform(try machine.grant(luName: request.luName ?? "?"), context)
                    return
                }
                let how = request.dialect == .tn3270e ? "DEVICE-TYPE REJECT" : "closing the connection (basic TN3270)"
                logger.info("refusing \(peer) (\(request)): \(reason): \(explanation); \(how)")
                perform(try machine.reject(reason), context)
            }
        } catch {
            logger.error("connection from \(peer): \(error); closing it")
            close(context)
        }
    }

    private func bound(_ binding: TN3270Binding, _ context: ChannelHandlerContext) {
        session.binding = binding
        if let after = session.heldRefusalAfter {
            // Journaled as a reject in `decide`; the LU stays with its holder.
            refuseAtScreen(closingAfter: after, context)
            return
        }
        var entry = HostJournalEntry.tn3270(.bind, session)
        if session.generic { entry.reason = "generic request: the pool chose \(binding.luName ?? "?")" }
        core.record(entry)
        logger.info("bound \(binding) for \(peer)")
        if let after = core.configuration.screenRejectAfter {
            refuseAtScreen(closingAfter: after, context)
            return
        }
        if core.configuration.queryAfterBind, !TN3270HostLUMap.isPrinter(deviceType: binding.deviceType) {
            session.awaitingQueryReply = true
            send(TN3270HostScreens.readPartitionQuery(), dataType: .data3270, journalAs: "query", context)
            return
        }
        sendGreeting(binding, context)
    }

    /// Paints the rejection screen without giving the keyboard back and closes `after` later.
    private func refuseAtScreen(closingAfter after: TimeAmount, _ context: ChannelHandlerContext) {
        session.refused = true
        logger.info("refusing \(peer) at screen level: rejection screen, closing in \(after)")
        send(TN3270HostScreens.rejection(client: session.client), dataType: .data3270, journalAs: "rejection", context)
        closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: after) { [weak self] in
            guard let self, let context = self.context else { return }
            self.closeReason = .refused
            self.close(context)
        }
    }

    private func sendGreeting(_ binding: TN3270Binding, _ context: ChannelHandlerContext) {
        let greeting = TN3270HostScreens.greeting(lu: binding.luName ?? "?", dialect: binding.dialect, deviceType: binding.deviceType)
        send(greeting, dataType: .data3270, journalAs: "greeting", context)
        if let every = core.configuration.printEvery, TN3270HostLUMap.isPrinter(deviceType: binding.deviceType) {
            schedulePrinting(every)
        }
    }

    // MARK: - Records

    private func received(_ record: TN3270Record, _ context: ChannelHandlerContext) {
        guard let binding = session.binding else {
            protocolViolation("a data record of \(record.data.readableBytes) bytes before any LU was bound", context)
            return
        }
        if session.refused {
            logger.info("ignoring a record of \(record.data.readableBytes) bytes from \(peer): refused at screen level")
            return
        }
        if session.awaitingQueryReply, record.header == nil || record.header?.dataType == .data3270 {
            session.awaitingQueryReply = false
            if TN3270DataStream.isQueryReply(record.data) {
                logger.info("Query Reply from \(peer) on LU \(binding.luName ?? "?"): \(record.data.readableBytes) bytes")
            } else {
                // Taken as the reply it asked for, as a real host would: the input is gone.
                logger.warning("\(peer) on LU \(binding.luName ?? "?") answered the Read Partition Query with input; that message is lost")
                let data = record.data.readableBytesView
                core.record(.tn3270Record(.lost, session, sequence: Int(record.header?.sequenceNumber ?? 0), data: data, length: data.count))
            }
            if let header = record.header, header.responseFlag == TN3270EResponseFlag.alwaysResponse, binding.responsesEnabled {
                respond(record, .positive, context)
            }
            sendGreeting(binding, context)
            return
        }
        guard let header = record.header else {
            // Basic TN3270: accept, then give the keyboard back, which is how the host says so.
            let sequence = session.recordsReceived
            session.recordsReceived += 1
            journalMessage(record, sequence: sequence)
            send(TN3270HostScreens.acknowledgement(), dataType: .data3270, journalAs: nil, context)
            return
        }
        guard header.dataType == .data3270 || header.dataType == .scsData else {
            logger.debug("client \(peer) on LU \(binding.luName ?? "?") sent a \(header.dataType) record; ignored")
            return
        }
        session.recordsReceived += 1
        let asked = header.responseFlag == TN3270EResponseFlag.alwaysResponse || header.responseFlag == TN3270EResponseFlag.errorResponse
        if asked, binding.responsesEnabled, let every = core.configuration.rejectEvery, session.recordsReceived % every == 0 {
            logger.info("answering record \(header.sequenceNumber) from \(peer) on LU \(binding.luName ?? "?") negatively (--reject-every \(every))")
            respond(record, .negative(sense: TN3270ESense.commandReject), context)
            return
        }
        journalMessage(record, sequence: Int(header.sequenceNumber))
        if header.responseFlag == TN3270EResponseFlag.alwaysResponse, binding.responsesEnabled {
            respond(record, .positive, context)
        } else if header.responseFlag == TN3270EResponseFlag.noResponse {
            // No response asked for (or RESPONSES not agreed): answer as a terminal's user
            // sees it, with the keyboard back. ERROR-RESPONSE means "only if it failed" (RFC 2355 §10.4).
            send(TN3270HostScreens.acknowledgement(), dataType: .data3270, journalAs: nil, context)
        }
    }

    private func journalMessage(_ record: TN3270Record, sequence: Int) {
        let data = record.data.readableBytesView
        core.record(.tn3270Record(.message, session, sequence: sequence, data: data, length: data.count))
    }

    private func respond(_ record: TN3270Record, _ outcome: TN3270Response.Outcome, _ context: ChannelHandlerContext) {
        do {
            context.writeAndFlush(wrapOutboundOut(try machine.respond(to: record, outcome)), promise: nil)
        } catch {
            logger.error("cannot answer record from \(peer): \(error)")
        }
    }

    /// Sends a host record; `journalAs` names it in a `sent` entry (nil: not journaled,
    /// as for acknowledgements, which belong to the message they answer).
    private func send(_ data: ByteBuffer, dataType: TN3270EDataType, journalAs: String?, _ context: ChannelHandlerContext) {
        let outbound: TN3270OutboundRecord
        do {
            outbound = try machine.sendRecord(data, dataType: dataType)
        } catch {
            logger.error("cannot send to \(peer): \(error)")
            return
        }
        let sequence = outbound.sequenceNumber.map(Int.init) ?? session.recordsSent
        session.recordsSent += 1
        context.writeAndFlush(wrapOutboundOut(outbound.bytes), promise: nil)
        if let journalAs {
            let bytes = data.readableBytesView
            var entry = HostJournalEntry.tn3270Record(.sent, session, sequence: sequence, data: bytes, length: bytes.count)
            entry.reason = journalAs
            core.record(entry)
        }
    }

    // MARK: - Timers

    private func scheduleLiveness() {
        guard let liveness, let context else { return }
        livenessTimer?.cancel()
        livenessTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: liveness.nextDeadline) { [weak self] in
            self?.livenessDue()
        }
    }

    private func livenessDue() {
        guard var liveness, let context, !isClosing else { return }
        let action = liveness.tick(now: .now())
        self.liveness = liveness
        switch action {
        case .none:
            break
        case .probe:
            logger.debug("probing \(peer) (LU \(session.lu ?? "none")): nothing heard for \(liveness.interval)")
            context.writeAndFlush(wrapOutboundOut(machine.probe()), promise: nil)
        case .timedOut:
            logger.notice("closing connection from \(peer) (LU \(session.lu ?? "none")): no answer to TIMING-MARK within \(liveness.timeout); the client is gone")
            closeReason = .probeTimeout
            close(context)
            return
        }
        scheduleLiveness()
    }

    private func schedulePrinting(_ every: TimeAmount) {
        guard let context else { return }
        printTimer = context.eventLoop.assumeIsolated().scheduleTask(in: every) { [weak self] in
            guard let self, let context = self.context, !self.isClosing else { return }
            self.session.printLines += 1
            let lu = self.session.lu ?? "?"
            if self.core.configuration.print3270 || self.session.binding?.dialect == .tn3270 {
                self.send(TN3270HostScreens.printRecord3270(lu: lu, number: self.session.printLines), dataType: .data3270, journalAs: "print", context)
            } else {
                self.send(TN3270HostScreens.printLine(lu: lu, number: self.session.printLines), dataType: .scsData, journalAs: "print", context)
            }
            self.schedulePrinting(every)
        }
    }

    private func cancelTimers() {
        livenessTimer?.cancel()
        livenessTimer = nil
        printTimer?.cancel()
        printTimer = nil
        closeTimer?.cancel()
        closeTimer = nil
    }

    // MARK: - Closing

    private func protocolViolation(_ what: String, _ context: ChannelHandlerContext) {
        logger.notice("closing connection from \(peer) (LU \(session.lu ?? "none")): \(what)")
        closeReason = .protocolError
        close(context)
    }

    private func close(_ context: ChannelHandlerContext) {
        guard !isClosing else { return }
        isClosing = true
        cancelTimers()
        context.close(promise: nil)
    }
}
