import NIOCore
import NetMgrProtocol

extension Router {
    func connectionOpened(_ connection: ClientConnection) {
        connection.maximumUnsentBytes = lan.limits.clientBufferLimit.multipliedReportingOverflow(by: 2).partialValue
        connection.onOutputOverflow = { [weak self] in self?.clientStoppedReading($0) }
        connection.closeGrace = LANState.duration(seconds: lan.limits.closeGraceSeconds)
        switch lan.admission.opened(connection.id, at: loop.now) {
        case .refuse:
            metrics.connectionRefused()
            let limit = lan.admission.limits.maximumConnections
            logLimited(\.admissionLog, "client connection from \(connection.remote) refused: \(limit) connections, the limit, have said HELLO",
                       summary: "client connections refused (at the limit of \(limit))")
            connection.close(after: .goodbye(reason: "netmgrd on \(node.name) has its limit of \(limit) client connections; use another server or try later"))
            return
        case .acceptEvicting(let oldest):
            if let evicted = connections[oldest] {
                metrics.handshakeDropped()
                logLimited(\.admissionLog, "client connection from \(evicted.remote) closed before HELLO to make room for \(connection.remote) (limit \(lan.admission.limits.maximumConnections))",
                           summary: "connections without HELLO closed to make room")
                evicted.close(after: .error(session: 0, code: .malformed, sequence: 0,
                                            message: "no HELLO yet, and netmgrd on \(node.name) needs the room for a new connection"))
            }
        case .accept:
            break
        }
        connections[connection.id] = connection
        metrics.clientConnections(connections.count)
        scheduleHandshakeSweep()
    }

    /// Closes the connections whose HELLO deadline passed, and waits for the next deadline.
    private func scheduleHandshakeSweep() {
        guard lan.handshakeSweep == nil, let next = lan.admission.nextDeadline else { return }
        lan.handshakeSweep = loop.assumeIsolated().scheduleTask(deadline: next) { [weak self] in
            guard let self else { return }
            lan.handshakeSweep = nil
            let timeout = lan.admission.limits.handshakeTimeout
            for id in lan.admission.expired(at: loop.now) {
                guard let connection = connections[id] else { continue }
                metrics.handshakeDropped()
                guard !connection.awaitingTLS else { tlsTimedOut(connection, after: timeout); continue }
                logLimited(\.admissionLog, "client connection from \(connection.remote) closed: no HELLO within \(Self.seconds(timeout)) s",
                           summary: "client connections closed without HELLO")
                connection.close(after: .error(session: 0, code: .malformed, sequence: 0, message: "no HELLO within \(Self.seconds(timeout)) s"))
            }
            scheduleHandshakeSweep()
        }
    }

    /// A duration for log lines: "5" or "0.25".
    static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
    }

    /// Logs `line` at warning, unless the limiter's burst is used up; then one summary
    /// line with the count follows when the limiter's interval ends.
    func logLimited(_ limiter: WritableKeyPath<LANState, LogRateLimiter>, _ line: @autoclosure () -> String, summary: String) {
        switch lan[keyPath: limiter].event(at: loop.now) {
        case .log(let suppressedBefore):
            if suppressedBefore > 0 { logger.warning("\(suppressedBefore) more \(summary), not logged one by one") }
            logger.warning("\(line())")
        case .suppress(let summaryAt):
            guard let summaryAt else { return }
            lan.logSummaries[limiter] = loop.assumeIsolated().scheduleTask(deadline: summaryAt) { [weak self] in
                guard let self else { return }
                lan.logSummaries[limiter] = nil
                let count = lan[keyPath: limiter].takeSummary()
                if count > 0 { logger.warning("\(count) more \(summary) in the last \(Self.seconds(lan[keyPath: limiter].interval)) s, not logged one by one") }
            }
        }
    }

    /// Cancels the LAN side's timers (HELLO deadlines, log summaries), at shutdown.
    func cancelLANTimers() {
        lan.handshakeSweep?.cancel()
        lan.handshakeSweep = nil
        lan.logSummaries.values.forEach { $0.cancel() }
        lan.logSummaries.removeAll()
    }

    /// A client that stopped reading while its output passed twice the buffer limit: it
    /// is gone as far as netmgrd can tell, and keeping its output would grow without limit.
    private func clientStoppedReading(_ connection: ClientConnection) {
        metrics.slowClientClosed()
        logger.warning("client \(connection.clientName ?? "?") at \(connection.remote) closed: it has not read more than \(connection.maximumUnsentBytes) bytes of output")
    }

    /// The client's connection went over its high-water mark (or back under the low one):
    /// pause the host side of its sessions, or resume it.
    func connectionWritabilityChanged(_ connection: ClientConnection) {
        for place in connection.sessions.values {
            if let runtime = resources[place.resource], let lu = runtime.lus[place.lu] { updateHostDataFlow(runtime, lu) }
        }
    }

    /// Makes the LU's host side follow its owner: paused while the owner's connection is
    /// not writable, reading otherwise (also when there is no owner: host data then waits,
    /// bounded, in `undelivered`).
    func updateHostDataFlow(_ runtime: ResourceRuntime, _ lu: LURuntime) {
        let paused = lu.owner.map { !$0.connection.isWritable && !$0.connection.isClosed } ?? false
        guard paused != lu.hostDataPaused else { return }
        lu.hostDataPaused = paused
        (runtime.attachment as? HostDataFlowControl)?.setHostDataPaused(paused, lu: lu.lu.name)
    }

    /// Sends host data to the LU's session, unless its client has not read
    /// `clientBufferLimit` bytes: then the data is dropped, counted and logged. Its
    /// sequence number is used up either way, so the client sees the gap.
    func deliverHostData(_ payload: ByteBuffer, runtime: ResourceRuntime, lu: LURuntime, to owner: (connection: ClientConnection, session: UInt32)) {
        lu.hostSequence += 1
        let connection = owner.connection
        // A HOST-DATA frame: length, type, session, sequence, payload length, payload.
        let frameBytes = 4 + 1 + 4 + 8 + 4 + payload.readableBytes
        if !connection.isWritable, connection.unsentBytes + frameBytes > lan.limits.clientBufferLimit {
            connection.droppedHostData += 1
            metrics.hostDataDropped()
            logLimited(\.droppedHostDataLog, "LU \(lu.lu.name) of \(runtime.name): host data dropped (\(payload.readableBytes) bytes, HOST-DATA \(lu.hostSequence)): client \(connection.clientName ?? "?") at \(connection.remote) has not read \(connection.unsentBytes) bytes (\(connection.droppedHostData) dropped on this connection)",
                       summary: "host data records dropped for clients that do not read")
            return
        }
        connection.send(.hostData(session: owner.session, sequence: lu.hostSequence, payload: payload))
    }

    /// The client's connection is gone: its sessions are kept on their LUs' books (the
    /// client will come back or resume elsewhere), but no longer owned.
    func connectionClosed(_ connection: ClientConnection) {
        connection.markClosed()
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        lan.admission.closed(connection.id)
        releaseLicence(connection)
        for (session, place) in connection.sessions {
            if let runtime = resources[place.resource], let lu = runtime.lus[place.lu], lu.owner?.connection === connection, lu.owner?.session == session {
                lu.owner = nil
                updateHostDataFlow(runtime, lu)
            }
        }
        metrics.clientConnections(connections.count)
        metrics.sessions(delta: -connection.sessions.count)
        connection.sessions.removeAll()
        logger.debug("client \(connection.clientName ?? "?") at \(connection.remote) disconnected")
    }

    /// A frame the client sent that does not parse: say what and close.
    func protocolError(_ connection: ClientConnection, _ error: Error) {
        guard !connection.isClosed else { return }
        logLimited(\.badFrameLog, "client \(connection.clientName ?? "?") at \(connection.remote): bad frame: \(error)", summary: "bad frames")
        metrics.protocolError()
        connection.close(after: .error(session: 0, code: .malformed, sequence: 0, message: "\(error)"))
    }

    func received(_ message: ClientMessage, from connection: ClientConnection) {
        guard !connection.isClosed else { return }
        guard connection.hasSaidHello else {
            if case .hello(let minVersion, let maxVersion, let client) = message {
                hello(connection, minVersion: minVersion, maxVersion: maxVersion, client: client)
            } else {
                connection.close(after: .error(session: 0, code: .malformed, sequence: 0, message: "the first frame must be HELLO"))
            }
            return
        }
        switch message {
        case .hello:
            connection.close(after: .error(session: 0, code: .malformed, sequence: 0, message: "HELLO sent twice"))
        case .open(let session, let resource, let lu):
            open(connection, session: session, resource: resource, lu: lu)
        case .data(let session, let sequence, let payload):
            data(connection, session: session, sequence: sequence, payload: payload)
        case .close(let session):
            close(connection, session: session)
        case .ping(let token):
            connection.send(.pong(token: token))
        case .watchConnections:
            guard mayWatchConnections(connection) else { return }
            // One snapshot per connection: repeating WATCH must not multiply the output.
            guard !connection.watchesConnections else { return }
            connection.watchesConnections = true
            for name in resourceOrder {
                for lu in resources[name]!.lus.values { if let info = lu.hostConnection { connection.send(.hostConnection(info)) } }
            }
        }
    }

    private func hello(_ connection: ClientConnection, minVersion: UInt16, maxVersion: UInt16, client: String) {
        guard (minVersion...max(minVersion, maxVersion)).contains(LANProtocol.version) else {
            connection.close(after: .error(session: 0, code: .unsupportedVersion, sequence: 0,
                                           message: "versions \(minVersion)...\(maxVersion) offered; this server speaks \(LANProtocol.version)"))
            return
        }
        guard !isShuttingDown else {
            connection.close(after: .goodbye(reason: "netmgrd on \(node.name) is shutting down"))
            return
        }
        guard admitLicence(connection, client: client) else { return }
        connection.clientName = client
        lan.admission.saidHello(connection.id)
        connection.send(.welcome(version: LANProtocol.version, node: node.name, cluster: definitions.cluster.name))
        for name in resourceOrder {
            let runtime = resources[name]!
            connection.send(.resource(name: name, state: runtime.machine.state, epoch: runtime.machine.epoch.value, node: node.name))
        }
        connection.send(.tableEnd)
        logger.debug("client \(client) at \(connection.remote) said hello")
    }

    private func open(_ connection: ClientConnection, session: UInt32, resource name: String, lu luName: String) {
        func refuse(_ code: LANErrorCode, _ text: String) {
            connection.send(.error(session: session, code: code, sequence: 0, message: text))
        }
        guard connection.sessions[session] == nil else { return refuse(.sessionExists, "session \(session) is already open on this connection") }
        guard mayOpen(connection, resource: name, lu: luName) else { return refuseUnauthorised(connection, session: session, resource: name, lu: luName) }
        guard let runtime = resources[name] else { return refuse(.unknownResource, "no resource \(name) in cluster \(definitions.cluster.name)") }
        guard let lu = runtime.lus[luName] else { return refuse(.unknownLU, "resource \(name) has no LU \(luName)") }
        guard runtime.machine.state == .active || runtime.machine.state == .activating else {
            return refuse(.notActive, "\(name) is \(runtime.machine.state) on \(node.name)")
        }
        if let refusal = keptByTNServer(luName, of: name, for: connection) { return refuse(.luInUse, refusal) }  // issue 15 part 3: Router+TNServer.swift
        let client = connection.clientName ?? ""
        let ownerKey = Self.ownerKey(connection, client: client)
        if let owner = lu.owner {
            // The same client on a new connection takes over (its old one is half-dead):
            // the same identity and the same client name; anyone else must wait until the
            // LU is free. A copied client name with another identity is someone else.
            guard owner.connection !== connection, owner.connection.identity == connection.identity, owner.connection.clientName == client else {
                // Who holds it is for the operator's log, not for any client that asks.
                logger.info("LU \(luName) of \(name): OPEN by \(describe(connection)) refused: held by \(describe(owner.connection))")
                return refuse(.luInUse, "LU \(luName) is held by another client session")
            }
            owner.connection.sessions[owner.session] = nil
            owner.connection.send(.error(session: owner.session, code: .luInUse, sequence: 0, message: "LU \(luName) taken over by a newer connection of \(client)"))
            owner.connection.send(.closed(session: owner.session))
            metrics.sessions(delta: -1)
        }
        if let last = lu.lastOwnerName, last != ownerKey {
            // A different application: its sequence numbers are its own. (After a CLOSE
            // the generation is already fresh; the same client resumes where it was.)
            lu.startGeneration()
            runtime.attachment?.discardUnsent(lu: luName)
        }
        lu.owner = (connection, session)
        lu.lastOwnerName = ownerKey
        connection.sessions[session] = (name, luName)
        metrics.sessions(delta: 1)
        connection.send(.opened(session: session, state: lu.hostState, hostAddress: runtime.attachment?.hostVisibleAddress ?? ""))
        while let data = lu.undelivered.popFirst() {
            deliverHostData(data, runtime: runtime, lu: lu, to: (connection, session))
        }
        updateHostDataFlow(runtime, lu)
    }

    private func data(_ connection: ClientConnection, session: UInt32, sequence: UInt64, payload: ByteBuffer) {
        guard let place = connection.sessions[session], let runtime = resources[place.resource], let lu = runtime.lus[place.lu] else {
            connection.send(.error(session: session, code: .unknownSession, sequence: sequence, message: "no open session \(session) on this connection"))
            return
        }
        metrics.messageReceived()
        if sequence <= lu.acked {
            // A replay of a message the host already accepted here: confirm it again.
            metrics.messageDuplicated()
            connection.send(.ack(session: session, sequence: sequence))
            return
        }
        if sequence <= lu.queued {
            // A replay of one on its way (its ack will come), or of one refused as queue-full
            // while later ones went on: sent now, it would reach the host out of order.
            lu.hostLedger.holds(sequence) ? metrics.messageDuplicated() : metrics.messageFailed()
            if !lu.hostLedger.holds(sequence) {
                connection.send(.error(session: session, code: .queueFull, sequence: sequence,
                                       message: "LU \(place.lu): message \(sequence) was refused as the queue was full, and later ones have gone to the host since"))
            }
            return
        }
        guard let attachment = runtime.attachment, runtime.machine.state == .active || runtime.machine.state == .activating else {
            metrics.messageFailed()
            connection.send(.error(session: session, code: .notActive, sequence: sequence, message: "\(place.resource) is \(runtime.machine.state) on \(node.name)"))
            return
        }
        let size = payload.readableBytes
        let ledger = lu.hostLedger
        let limits = lan.limits
        if ledger.messages >= limits.luQueueMessages || ledger.pendingBytes + size > limits.luQueueBytes {
            // Not handed over: a host that takes no input must not make netmgrd grow.
            let text = "LU \(place.lu): \(ledger.messages) messages (\(ledger.pendingBytes) bytes) wait for the host; the limit is \(limits.luQueueMessages) messages or \(limits.luQueueBytes) bytes"
            metrics.queueFull()
            metrics.messageFailed()
            logLimited(\.queueFullLog, "DATA \(sequence) from client \(connection.clientName ?? "?") at \(connection.remote) refused: \(text)",
                       summary: "DATA frames refused as queue-full")
            connection.send(.error(session: session, code: .queueFull, sequence: sequence, message: text))
            return
        }
        lu.queued = sequence
        lu.hostLedger.handed(sequence: sequence, bytes: size)
        metrics.messageSent()
        attachment.send(lu: place.lu, tag: MessageTag(generation: lu.generation, sequence: sequence), payload: payload)
    }

    private func close(_ connection: ClientConnection, session: UInt32) {
        guard let place = connection.sessions.removeValue(forKey: session) else {
            connection.send(.error(session: session, code: .unknownSession, sequence: 0, message: "no open session \(session) on this connection"))
            return
        }
        if let runtime = resources[place.resource], let lu = runtime.lus[place.lu], lu.owner?.connection === connection {
            lu.owner = nil
            lu.lastOwnerName = nil
            lu.startGeneration()
            runtime.attachment?.discardUnsent(lu: place.lu)
            updateHostDataFlow(runtime, lu)
        }
        metrics.sessions(delta: -1)
        connection.send(.closed(session: session))
    }
}
