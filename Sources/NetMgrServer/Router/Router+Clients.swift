import NIOCore
import NetMgrProtocol

extension Router {
    func connectionOpened(_ connection: ClientConnection) {
        connections[connection.id] = connection
        metrics.clientConnections(connections.count)
    }

    /// The client's connection is gone: its sessions are kept on their LUs' books (the
    /// client will come back or resume elsewhere), but no longer owned.
    func connectionClosed(_ connection: ClientConnection) {
        connection.markClosed()
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        for (session, place) in connection.sessions {
            if let lu = resources[place.resource]?.lus[place.lu], lu.owner?.connection === connection, lu.owner?.session == session {
                lu.owner = nil
            }
        }
        metrics.clientConnections(connections.count)
        metrics.sessions(delta: -connection.sessions.count)
        connection.sessions.removeAll()
        logger.debug("client \(connection.clientName ?? "?") at \(connection.remote) disconnected")
    }

    /// A frame the client sent that does not parse: say what and close.
    func protocolError(_ connection: ClientConnection, _ error: Error) {
        logger.warning("client \(connection.clientName ?? "?") at \(connection.remote): bad frame: \(error)")
        metrics.protocolError()
        connection.close(after: .error(session: 0, code: .malformed, sequence: 0, message: "\(error)"))
    }

    func received(_ message: ClientMessage, from connection: ClientConnection) {
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
        connection.clientName = client
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
        guard let runtime = resources[name] else { return refuse(.unknownResource, "no resource \(name) in cluster \(definitions.cluster.name)") }
        guard let lu = runtime.lus[luName] else { return refuse(.unknownLU, "resource \(name) has no LU \(luName)") }
        guard runtime.machine.state == .active || runtime.machine.state == .activating else {
            return refuse(.notActive, "\(name) is \(runtime.machine.state) on \(node.name)")
        }
        let client = connection.clientName ?? ""
        if let owner = lu.owner {
            // The same client on a new connection takes over (its old one is half-dead);
            // anyone else must wait until the LU is free.
            guard owner.connection !== connection, owner.connection.clientName == client else {
                return refuse(.luInUse, "LU \(luName) is held by \(owner.connection.clientName ?? "?") at \(owner.connection.remote)")
            }
            owner.connection.sessions[owner.session] = nil
            owner.connection.send(.error(session: owner.session, code: .luInUse, sequence: 0, message: "LU \(luName) taken over by a newer connection of \(client)"))
            owner.connection.send(.closed(session: owner.session))
            metrics.sessions(delta: -1)
        }
        if let last = lu.lastOwnerName, last != client {
            // A different application: its sequence numbers are its own. (After a CLOSE
            // the generation is already fresh; the same client resumes where it was.)
            lu.startGeneration()
            runtime.attachment?.discardUnsent(lu: luName)
        }
        lu.owner = (connection, session)
        lu.lastOwnerName = client
        connection.sessions[session] = (name, luName)
        metrics.sessions(delta: 1)
        connection.send(.opened(session: session, state: lu.hostState, hostAddress: runtime.attachment?.hostVisibleAddress ?? ""))
        while let data = lu.undelivered.popFirst() {
            lu.hostSequence += 1
            connection.send(.hostData(session: session, sequence: lu.hostSequence, payload: data))
        }
    }

    private func data(_ connection: ClientConnection, session: UInt32, sequence: UInt64, payload: ByteBuffer) {
        guard let place = connection.sessions[session], let runtime = resources[place.resource], let lu = runtime.lus[place.lu] else {
            connection.send(.error(session: session, code: .unknownSession, sequence: sequence, message: "no open session \(session) on this connection"))
            return
        }
        metrics.messageReceived()
        if sequence <= lu.acked {
            // A replay of a message the host already accepted here: confirm it again.
            connection.send(.ack(session: session, sequence: sequence))
            return
        }
        if sequence <= lu.queued { return }  // a replay of one already on its way; its ack will come
        guard let attachment = runtime.attachment, runtime.machine.state == .active || runtime.machine.state == .activating else {
            connection.send(.error(session: session, code: .notActive, sequence: sequence, message: "\(place.resource) is \(runtime.machine.state) on \(node.name)"))
            return
        }
        lu.queued = sequence
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
        }
        metrics.sessions(delta: -1)
        connection.send(.closed(session: session))
    }
}
