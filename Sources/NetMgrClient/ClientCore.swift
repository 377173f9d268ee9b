import Logging
import NIOCore
import NIOPosix
import NetMgrProtocol

/// One server as the client sees it: the connection and the resource table it pushed.
final class ServerLink {
    let address: ServerAddress
    var channel: Channel?
    var node: String?
    var table: [String: (state: ResourceState, epoch: UInt64)] = [:]
    var welcomed = false
    var attempt = 0
    var lastHeard = NIODeadline.now()
    var pingTask: RepeatedTask?
    var pingToken: UInt64 = 0

    init(address: ServerAddress) {
        self.address = address
    }
}

/// One LU session: where it is open now, and every message not yet acked.
final class ClientSession {
    let id: UInt32
    let resource: String
    let lu: String
    /// The server the session is open on (OPEN sent), or nil while it waits for one.
    var server: ServerLink?
    var everOpened = false
    var nextSequence: UInt64 = 1
    var unacked = CircularBuffer<(sequence: UInt64, payload: ByteBuffer)>()
    var ackWaiters: [UInt64: EventLoopPromise<Void>] = [:]
    var openWaiters: [EventLoopPromise<Void>] = []
    var hostData: AsyncStream<[UInt8]>.Continuation?
    var closing = false

    init(id: UInt32, resource: String, lu: String) {
        self.id = id
        self.resource = resource
        self.lu = lu
    }
}

/// The client's state, confined to one event loop.
final class ClientCore {
    let loop: EventLoop
    let configuration: NetMgrClientConfiguration
    let logger: Logger
    let events: AsyncStream<NetMgrClientEvent>.Continuation
    var links: [ServerLink] = []
    var sessions: [UInt32: ClientSession] = [:]
    var nextSessionID: UInt32 = 1
    /// The server each resource is used on, to report moves.
    var current: [String: (node: String?, epoch: UInt64)] = [:]
    var activeWaiters: [String: [EventLoopPromise<String>]] = [:]
    var stopped = false

    init(loop: EventLoop, configuration: NetMgrClientConfiguration, logger: Logger, events: AsyncStream<NetMgrClientEvent>.Continuation) {
        self.loop = loop
        self.configuration = configuration
        self.logger = logger
        self.events = events
        links = configuration.servers.map(ServerLink.init)
    }

    func start() {
        for link in links { connect(link) }
    }

    // MARK: - Connections

    private func connect(_ link: ServerLink) {
        guard !stopped else { return }
        let address = link.address
        let bound = NIOLoopBound(self, eventLoop: loop)
        let boundLink = NIOLoopBound(link, eventLoop: loop)
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LANFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ServerLinkHandler(core: bound.value, link: boundLink.value))
                }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { result in
                let core = bound.value, link = boundLink.value
                switch result {
                case .success(let channel):
                    link.channel = channel
                    link.attempt = 0
                    link.lastHeard = .now()
                    var hello = channel.allocator.buffer(capacity: 64)
                    ClientMessage.hello(minVersion: LANProtocol.version, maxVersion: LANProtocol.version, client: core.configuration.clientName).encode(into: &hello)
                    channel.writeAndFlush(hello, promise: nil)
                    core.startPinging(link)
                case .failure(let error):
                    core.logger.debug("cannot reach \(address): \(error)")
                    core.scheduleReconnect(link)
                }
            }
    }

    private func scheduleReconnect(_ link: ServerLink) {
        guard !stopped else { return }
        link.attempt += 1
        let initial = configuration.reconnectInitial.nanoseconds, maximum = configuration.reconnectMaximum.nanoseconds
        let delay = min(maximum, initial << min(link.attempt - 1, 20))
        let bound = NIOLoopBound(self, eventLoop: loop), boundLink = NIOLoopBound(link, eventLoop: loop)
        loop.scheduleTask(in: .nanoseconds(delay)) { bound.value.connect(boundLink.value) }
    }

    private func startPinging(_ link: ServerLink) {
        let interval = TimeAmount.nanoseconds(configuration.pingInterval.nanoseconds)
        let timeout = TimeAmount.nanoseconds(configuration.serverTimeout.nanoseconds)
        let boundLink = NIOLoopBound(link, eventLoop: loop)
        link.pingTask = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let link = boundLink.value
            guard let channel = link.channel else { return }
            if NIODeadline.now() - link.lastHeard > timeout {
                // Silent for too long (a cut link sends no RST): treat the server as lost.
                channel.close(promise: nil)
                return
            }
            link.pingToken &+= 1
            var buffer = channel.allocator.buffer(capacity: 16)
            ClientMessage.ping(token: link.pingToken).encode(into: &buffer)
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    func linkClosed(_ link: ServerLink, reason: String) {
        link.pingTask?.cancel()
        link.pingTask = nil
        link.channel = nil
        link.table.removeAll()
        link.welcomed = false
        guard !stopped else { return }
        events.yield(.serverLost(server: link.address, reason: reason))
        for session in sessions.values where session.server === link { session.server = nil }
        reevaluateAll()
        scheduleReconnect(link)
    }

    // MARK: - Server messages

    func received(_ message: ServerMessage, from link: ServerLink) {
        link.lastHeard = .now()
        switch message {
        case .welcome(_, let node, _):
            link.node = node
            link.welcomed = true
            events.yield(.serverConnected(server: link.address, node: node))
        case .resource(let name, let state, let epoch, _):
            link.table[name] = (state, epoch)
            reevaluate(resource: name)
        case .tableEnd:
            reevaluateAll()
        case .opened(let id, let state, let hostAddress):
            guard let session = sessions[id], session.server === link else { return }
            let node = link.node ?? link.address.description
            if session.everOpened {
                events.yield(.sessionResumed(lu: session.lu, node: node, hostAddress: hostAddress, replayed: session.unacked.count))
            } else {
                session.everOpened = true
                events.yield(.sessionOpened(lu: session.lu, node: node, hostAddress: hostAddress))
            }
            events.yield(.sessionState(lu: session.lu, state: state.description, detail: ""))
            session.openWaiters.forEach { $0.succeed() }
            session.openWaiters.removeAll()
        case .session(let id, let state, let detail):
            guard let session = sessions[id], session.server === link else { return }
            events.yield(.sessionState(lu: session.lu, state: state.description, detail: detail))
        case .ack(let id, let sequence):
            guard let session = sessions[id] else { return }
            acknowledge(session, through: sequence)
        case .hostData(let id, _, let payload):
            guard let session = sessions[id] else { return }
            let bytes = Array(payload.readableBytesView)
            session.hostData?.yield(bytes)
            events.yield(.hostData(lu: session.lu, bytes: bytes))
        case .error(let id, let code, let sequence, let text):
            serverError(link, session: id, code: code, sequence: sequence, text: text)
        case .closed(let id):
            guard let session = sessions[id], session.server === link else { return }
            session.server = nil
            if session.closing {
                sessions[id] = nil
                session.hostData?.finish()
            } else {
                reevaluate(resource: session.resource)
            }
        case .pong, .hostConnection:
            break  // host connections go to peer netmgrds only
        case .goodbye(let reason):
            // The server leaves gracefully: forget its table now instead of waiting for the close.
            logger.info("server \(link.node ?? link.address.description) says goodbye: \(reason)")
            link.table.removeAll()
            for session in sessions.values where session.server === link { session.server = nil }
            reevaluateAll()
        }
    }

    private func serverError(_ link: ServerLink, session id: UInt32, code: LANErrorCode, sequence: UInt64, text: String) {
        guard id != 0, let session = sessions[id] else {
            logger.warning("server \(link.node ?? link.address.description): \(code): \(text)")
            return
        }
        switch code {
        case .hostRejected:
            // Final: the host refused this message; drop it so it is not replayed.
            if let index = session.unacked.firstIndex(where: { $0.sequence == sequence }) {
                session.unacked.remove(at: index)
            }
            session.ackWaiters.removeValue(forKey: sequence)?.fail(NetMgrClientError("host rejected message \(sequence) on \(session.lu): \(text)"))
            events.yield(.messageRejected(lu: session.lu, sequence: sequence, reason: text))
        case .notActive, .luInUse, .deactivated, .unknownSession, .shuttingDown:
            guard session.server === link else { return }
            session.server = nil
            let bound = NIOLoopBound(self, eventLoop: loop), resource = session.resource
            loop.scheduleTask(in: .nanoseconds(configuration.reopenDelay.nanoseconds)) { bound.value.reevaluate(resource: resource) }
        case .unknownResource, .unknownLU, .sessionExists, .malformed, .unsupportedVersion:
            logger.error("session \(session.lu) on \(link.node ?? "?"): \(code): \(text)")
            session.openWaiters.forEach { $0.fail(NetMgrClientError("\(session.resource)/\(session.lu): \(code): \(text)")) }
            session.openWaiters.removeAll()
        }
    }

    private func acknowledge(_ session: ClientSession, through sequence: UInt64) {
        while let first = session.unacked.first, first.sequence <= sequence {
            session.unacked.removeFirst()
            session.ackWaiters.removeValue(forKey: first.sequence)?.succeed()
            events.yield(.messageAcked(lu: session.lu, sequence: first.sequence))
        }
    }

    // MARK: - Selection

    /// The server to use for a resource: connected, reporting it active, highest epoch.
    func best(for resource: String) -> ServerLink? {
        var choice: ServerLink?
        var epoch: UInt64 = 0
        for link in links where link.welcomed && link.channel != nil {
            if let entry = link.table[resource], entry.state == .active, choice == nil || entry.epoch > epoch {
                choice = link
                epoch = entry.epoch
            }
        }
        return choice
    }

    func reevaluateAll() {
        var names = Set(current.keys)
        for link in links { names.formUnion(link.table.keys) }
        for session in sessions.values { names.insert(session.resource) }
        for name in names.sorted() { reevaluate(resource: name) }
    }

    func reevaluate(resource: String) {
        let choice = best(for: resource)
        let epoch = choice?.table[resource]?.epoch ?? 0
        let node = choice?.node
        let previous = current[resource]
        if previous?.node != node || (node != nil && previous?.epoch != epoch) {
            current[resource] = (node, epoch)
            if previous != nil || node != nil {
                events.yield(.resourceMoved(resource: resource, from: previous?.node ?? nil, to: node, epoch: epoch))
            }
        }
        if let node {
            activeWaiters.removeValue(forKey: resource)?.forEach { $0.succeed(node) }
        }
        for session in sessions.values where session.resource == resource && !session.closing && session.server !== choice {
            move(session, to: choice)
        }
    }

    /// Re-opens a session on `target` and sends again every message not yet acked.
    private func move(_ session: ClientSession, to target: ServerLink?) {
        if let old = session.server, let channel = old.channel {
            write(.close(session: session.id), on: channel)
            channel.flush()
        }
        session.server = target
        guard let target, let channel = target.channel else { return }
        write(.open(session: session.id, resource: session.resource, lu: session.lu), on: channel)
        for message in session.unacked {
            write(.data(session: session.id, sequence: message.sequence, payload: message.payload), on: channel)
        }
        channel.flush()
    }

    private func write(_ message: ClientMessage, on channel: Channel) {
        var buffer = channel.allocator.buffer(capacity: 32)
        message.encode(into: &buffer)
        channel.write(buffer, promise: nil)
    }

    // MARK: - Application calls

    func openSession(resource: String, lu: String, hostData: AsyncStream<[UInt8]>.Continuation) -> (ClientSession, EventLoopFuture<Void>) {
        let session = ClientSession(id: nextSessionID, resource: resource, lu: lu)
        nextSessionID &+= 1
        session.hostData = hostData
        sessions[session.id] = session
        let opened = loop.makePromise(of: Void.self)
        session.openWaiters.append(opened)
        reevaluate(resource: resource)
        return (session, opened.futureResult)
    }

    func submit(_ session: ClientSession, payload: ByteBuffer, ack: EventLoopPromise<Void>?) -> UInt64 {
        let sequence = session.nextSequence
        session.nextSequence += 1
        session.unacked.append((sequence, payload))
        if let ack { session.ackWaiters[sequence] = ack }
        if let channel = session.server?.channel {
            write(.data(session: session.id, sequence: sequence, payload: payload), on: channel)
            scheduleFlush(channel)
        }
        return sequence
    }

    private var flushPending: Set<ObjectIdentifier> = []

    private func scheduleFlush(_ channel: Channel) {
        let key = ObjectIdentifier(channel)
        guard flushPending.insert(key).inserted else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        loop.execute {
            bound.value.flushPending.remove(key)
            channel.flush()
        }
    }

    func close(_ session: ClientSession) {
        session.closing = true
        session.openWaiters.forEach { $0.fail(NetMgrClientError("session closed")) }
        session.openWaiters.removeAll()
        for (_, waiter) in session.ackWaiters { waiter.fail(NetMgrClientError("session \(session.lu) closed before the host accepted the message")) }
        session.ackWaiters.removeAll()
        if let channel = session.server?.channel {
            write(.close(session: session.id), on: channel)
            channel.flush()
        } else {
            sessions[session.id] = nil
            session.hostData?.finish()
        }
    }

    func unackedCount(_ session: ClientSession) -> Int { session.unacked.count }

    func waitUntilActive(_ resource: String) -> EventLoopFuture<String> {
        if let link = best(for: resource), let node = link.node { return loop.makeSucceededFuture(node) }
        let promise = loop.makePromise(of: String.self)
        activeWaiters[resource, default: []].append(promise)
        return promise.futureResult
    }

    func stop() -> EventLoopFuture<Void> {
        stopped = true
        for waiters in activeWaiters.values { waiters.forEach { $0.fail(NetMgrClientError("client stopped")) } }
        activeWaiters.removeAll()
        for session in sessions.values {
            session.openWaiters.forEach { $0.fail(NetMgrClientError("client stopped")) }
            session.ackWaiters.values.forEach { $0.fail(NetMgrClientError("client stopped")) }
            session.hostData?.finish()
        }
        sessions.removeAll()
        let closes = links.compactMap { $0.channel?.close() }
        links.forEach { $0.pingTask?.cancel() }
        events.finish()
        return EventLoopFuture.andAllComplete(closes, on: loop)
    }
}

/// Decodes server frames on one link and hands them to the core.
final class ServerLinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: ClientCore
    private let link: ServerLink
    private var closeReason = "connection closed"

    init(core: ClientCore, link: ServerLink) {
        self.core = core
        self.link = link
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        do {
            core.received(try ServerMessage.decode(frame: &frame), from: link)
        } catch {
            closeReason = "bad frame from server: \(error)"
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.linkClosed(link, reason: closeReason)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        closeReason = "\(error)"
        context.close(promise: nil)
    }
}
