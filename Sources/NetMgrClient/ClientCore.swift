import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import NetMgrProtocol
import NetMgrSecurity

/// Performs what `ClientStateMachine` decides: sockets, timers, promises and streams.
/// Confined to one event loop; it makes no decision of its own.
final class ClientCore {
    typealias Machine = ClientStateMachine

    let loop: EventLoop
    let configuration: NetMgrClientConfiguration
    let logger: Logger
    let events: AsyncStream<NetMgrClientEvent>.Continuation
    private(set) var machine: Machine
    private var channels: [Machine.ServerID: (connection: Machine.ConnectionID, channel: Channel)] = [:]
    private var hostData: [Machine.SessionID: AsyncStream<[UInt8]>.Continuation] = [:]
    private var openWaiters: [Machine.SessionID: EventLoopPromise<Void>] = [:]
    private var ackWaiters: [Machine.SessionID: [UInt64: EventLoopPromise<Void>]] = [:]
    private var submitWaiters: [Machine.SubmitID: (accepted: EventLoopPromise<UInt64>, ack: EventLoopPromise<Void>?)] = [:]
    private var activeWaiters: [String: [(id: UInt64, promise: EventLoopPromise<String>)]] = [:]
    private var nextWaiterID: UInt64 = 1
    private var nextSubmitID: Machine.SubmitID = 1
    private var flushPending: Set<ObjectIdentifier> = []
    /// The TLS context, made once from `configuration.tls` (nil: plain).
    private lazy var tlsContext: Result<NIOSSLContext, Error>? = configuration.tls.map { tls in
        Result { try TLSConfigurations.client(tls.material) }
    }

    init(loop: EventLoop, configuration: NetMgrClientConfiguration, logger: Logger, events: AsyncStream<NetMgrClientEvent>.Continuation) {
        self.loop = loop
        self.configuration = configuration
        self.logger = logger
        self.events = events
        machine = Machine(configuration: configuration)
    }

    func start() {
        perform(machine.start(now: .now()))
    }

    // MARK: - Performing actions

    private func perform(_ actions: [Machine.Action]) {
        for action in actions { perform(action) }
    }

    private func perform(_ action: Machine.Action) {
        switch action {
        case .connect(let server, let connection):
            connect(server, connection)
        case .send(let message, let server, let connection):
            guard let entry = channels[server], entry.connection == connection else { return }
            // A DATA frame's exact size (length, type, session, sequence, payload length, payload).
            var capacity = 64
            if case .data(_, _, let payload) = message { capacity = 21 + payload.readableBytes }
            var buffer = entry.channel.allocator.buffer(capacity: capacity)
            message.encode(into: &buffer)
            entry.channel.write(buffer, promise: nil)
            scheduleFlush(entry.channel)
        case .closeConnection(let server, let connection):
            guard let entry = channels[server], entry.connection == connection else { return }
            entry.channel.close(promise: nil)
        case .schedule(let timer, let deadline):
            let bound = NIOLoopBound(self, eventLoop: loop)
            loop.scheduleTask(deadline: deadline) { bound.value.perform(bound.value.machine.timerFired(timer, now: .now())) }
        case .emit(let event):
            events.yield(event)
        case .log(let level, let message):
            logger.log(level: level, "\(message)")
        case .openSucceeded(let session):
            openWaiters.removeValue(forKey: session)?.succeed()
        case .openFailed(let session, let error):
            openWaiters.removeValue(forKey: session)?.fail(error)
        case .submitAccepted(let submit, let session, let sequence):
            guard let waiter = submitWaiters.removeValue(forKey: submit) else { return }
            if let ack = waiter.ack { ackWaiters[session, default: [:]][sequence] = ack }
            waiter.accepted.succeed(sequence)
        case .submitFailed(let submit, let error):
            guard let waiter = submitWaiters.removeValue(forKey: submit) else { return }
            waiter.accepted.fail(error)
            waiter.ack?.fail(error)
        case .messageAcked(let session, let sequence):
            ackWaiters[session]?.removeValue(forKey: sequence)?.succeed()
        case .messageFailed(let session, let sequence, let error):
            ackWaiters[session]?.removeValue(forKey: sequence)?.fail(error)
        case .deliverHostData(let session, let bytes):
            hostData[session]?.yield(bytes)
        case .sessionEnded(let session):
            hostData.removeValue(forKey: session)?.finish()
            ackWaiters[session] = nil  // the machine completed every one before it ends a session
        case .resourceActive(let resource, let node):
            activeWaiters.removeValue(forKey: resource)?.forEach { $0.promise.succeed(node) }
        case .resourceWaitFailed(let resource, let error):
            activeWaiters.removeValue(forKey: resource)?.forEach { $0.promise.fail(error) }
        }
    }

    private func connect(_ server: Machine.ServerID, _ connection: Machine.ConnectionID) {
        let address = configuration.servers[server]
        let bound = NIOLoopBound(self, eventLoop: loop)
        let tls: NIOSSLContext?
        switch tlsContext {
        case .none:
            tls = nil
        case .success(let context):
            tls = context
        case .failure(let error):
            perform(machine.connectFailed(server: server, connection: connection,
                                          reason: "TLS towards \(address): this client's certificate and key cannot be used: \(TLSErrorText.describe(error))", now: .now()))
            return
        }
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // Host names are not checked: the server's certificate must name a node.
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LANFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ServerLinkHandler(core: bound.value, server: server, connection: connection,
                                                                                     address: address, verifiesNode: tls != nil))
                }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { result in
                let core = bound.value
                switch result {
                case .success(let channel):
                    core.channels[server] = (connection, channel)
                    core.perform(core.machine.connected(server: server, connection: connection, now: .now()))
                    // A stopped client closes what connects late.
                    if core.machine.stopped { channel.close(promise: nil) }
                case .failure(let error):
                    core.perform(core.machine.connectFailed(server: server, connection: connection, reason: "\(error)", now: .now()))
                }
            }
    }

    /// Coalesces the flushes of many writes in one loop tick (a stream of submits).
    private func scheduleFlush(_ channel: Channel) {
        let key = ObjectIdentifier(channel)
        guard flushPending.insert(key).inserted else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        loop.execute {
            bound.value.flushPending.remove(key)
            channel.flush()
        }
    }

    // MARK: - Connection events

    func received(_ message: ServerMessage, server: Machine.ServerID, connection: Machine.ConnectionID) {
        perform(machine.received(message, server: server, connection: connection, now: .now()))
    }

    func connectionClosed(server: Machine.ServerID, connection: Machine.ConnectionID, reason: String) {
        if channels[server]?.connection == connection { channels[server] = nil }
        perform(machine.connectionClosed(server: server, connection: connection, reason: reason, now: .now()))
    }

    // MARK: - Application calls

    func openSession(resource: String, lu: String, hostData continuation: AsyncStream<[UInt8]>.Continuation) -> (Machine.SessionID, EventLoopFuture<Void>) {
        let opened = loop.makePromise(of: Void.self)
        let (id, actions) = machine.openSession(resource: resource, lu: lu, now: .now())
        hostData[id] = continuation
        openWaiters[id] = opened
        perform(actions)
        return (id, opened.futureResult)
    }

    /// Queues a message and calls `completion` once, on this loop: with its sequence number
    /// once it is queued (`ack` false) or once the host accepted it (`ack` true), or with
    /// why not. `wait` parks it while the session's queue is full (its id goes into
    /// `ticket`, for `cancelSubmit`; a ticket already cancelled cancels it at once);
    /// otherwise a full queue fails it.
    func submit(session: Machine.SessionID, resource: String, lu: String, payload: ByteBuffer, wait: Bool, ack: Bool,
                ticket: SubmitTicket, completion: @escaping @Sendable (Result<UInt64, Error>) -> Void) {
        let submit = nextSubmitID
        nextSubmitID += 1
        let (result, actions) = machine.submit(session: session, resource: resource, lu: lu, payload: payload, mode: wait ? .wait(submit) : .fail)
        let promise = ack ? loop.makePromise(of: Void.self) : nil
        switch result {
        case .accepted(let number):
            if let promise {
                ackWaiters[session, default: [:]][number] = promise
                promise.futureResult.whenComplete { completion($0.map { number }) }
            } else {
                completion(.success(number))
            }
        case .waiting:
            let accepted = loop.makePromise(of: UInt64.self)
            submitWaiters[submit] = (accepted, promise)
            ticket.submit = submit
            accepted.futureResult.whenComplete { result in
                switch result {
                case .success(let number):
                    guard let promise else { return completion(.success(number)) }
                    promise.futureResult.whenComplete { completion($0.map { number }) }
                case .failure(let error):
                    completion(.failure(error))
                }
            }
        case .refused(let error):
            promise?.fail(error)
            completion(.failure(error))
        }
        perform(actions)
        if result == .waiting, ticket.cancelled { cancelSubmit(submit, session: session) }
    }

    /// The application stopped waiting in `openSession`: the session is closed, so that it
    /// does not go on holding the LU. Nothing happens once the open has completed.
    func cancelOpen(session: Machine.SessionID) {
        guard let waiter = openWaiters.removeValue(forKey: session) else { return }
        waiter.fail(CancellationError())
        perform(machine.close(session: session))
    }

    func cancelSubmit(_ submit: Machine.SubmitID, session: Machine.SessionID) {
        guard machine.cancelSubmit(submit, session: session), let waiter = submitWaiters.removeValue(forKey: submit) else { return }
        waiter.accepted.fail(CancellationError())
        waiter.ack?.fail(CancellationError())
    }

    func close(session: Machine.SessionID) {
        perform(machine.close(session: session))
    }

    func unackedCount(session: Machine.SessionID) -> Int? { machine.unackedCount(session: session) }

    func waitUntilActive(_ resource: String) -> (waiter: UInt64, node: EventLoopFuture<String>) {
        let promise = loop.makePromise(of: String.self)
        let waiter = nextWaiterID
        nextWaiterID += 1
        activeWaiters[resource, default: []].append((waiter, promise))
        perform(machine.waitUntilActive(resource))
        return (waiter, promise.futureResult)
    }

    func cancelWait(_ waiter: UInt64, resource: String) {
        guard let index = activeWaiters[resource]?.firstIndex(where: { $0.id == waiter }) else { return }
        activeWaiters[resource]!.remove(at: index).promise.fail(CancellationError())
    }

    func stop() -> EventLoopFuture<Void> {
        let closing = channels.values.map { $0.channel.closeFuture }
        perform(machine.shutdown())
        channels.removeAll()
        events.finish()
        return EventLoopFuture.andAllComplete(closing, on: loop)
    }
}

/// Decodes server frames on one connection and hands them to the core. On a TLS
/// connection the server's certificate must name a cluster node, and WELCOME must come
/// from that node; frames are taken only once the handshake has shown who it is.
final class ServerLinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: ClientCore
    private let server: ClientStateMachine.ServerID
    private let connection: ClientStateMachine.ConnectionID
    private let address: ServerAddress
    private var closeReason = "connection closed"
    /// The node the server's certificate names; nil until the handshake (or on a plain connection).
    private var certifiedNode: String?
    private let verifiesNode: Bool

    init(core: ClientCore, server: ClientStateMachine.ServerID, connection: ClientStateMachine.ConnectionID,
         address: ServerAddress, verifiesNode: Bool = false) {
        self.core = core
        self.server = server
        self.connection = connection
        self.address = address
        self.verifiesNode = verifiesNode
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !verifiesNode || certifiedNode != nil else { return }
        var frame = unwrapInboundIn(data)
        do {
            let message = try ServerMessage.decode(frame: &frame)
            if case .welcome(_, let node, _) = message, let certifiedNode, node != certifiedNode {
                closeReason = "TLS with \(address): the server says it is node \(node), but its certificate names node \(certifiedNode)"
                context.close(promise: nil)
                return
            }
            core.received(message, server: server, connection: connection)
        } catch {
            closeReason = "bad frame from server: \(error)"
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if verifiesNode, let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            do {
                switch try context.pipeline.syncOperations.peerIdentity() {
                case .node(let name):
                    certifiedNode = name
                case let other:
                    closeReason = "TLS with \(address): the server's certificate names \(other), not a cluster node"
                    context.close(promise: nil)
                }
            } catch {
                closeReason = "TLS with \(address): the server's certificate gives no identity: \(error)"
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.connectionClosed(server: server, connection: connection, reason: closeReason)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is NIOSSLError || error is BoringSSLError {
            // The first TLS error says what failed; what follows (an unclean shutdown) does not.
            if !closeReason.hasPrefix("TLS") { closeReason = "TLS with \(address): \(TLSErrorText.describe(error))" }
        } else {
            closeReason = "\(error)"
        }
        context.close(promise: nil)
    }
}
