import Logging
import NIOCore
import NIOPosix
import NetMgrProtocol

/// The library applications link to reach the host through netmgr.
///
/// Give it every server of the cluster. It learns which server has each resource active
/// (the highest activation epoch wins) and opens LU sessions there. When that server is
/// lost, says goodbye, deactivates the resource, or a newer epoch appears elsewhere, it
/// moves the sessions by itself and sends again every message the host has not accepted,
/// in order; sessions that only wait for host data move too. Applications never restart.
public final class NetMgrClient: Sendable {
    let loop: EventLoop
    let core: NIOLoopBound<ClientCore>
    /// Everything that happens: servers found and lost, resources moving, sessions
    /// resuming, messages acked. Single consumer.
    public let events: AsyncStream<NetMgrClientEvent>

    public init(configuration: NetMgrClientConfiguration, eventLoop: EventLoop = MultiThreadedEventLoopGroup.singleton.next(),
                logger: Logger = Logger(label: "netmgr.client")) {
        let (stream, continuation) = AsyncStream.makeStream(of: NetMgrClientEvent.self, bufferingPolicy: .bufferingNewest(100_000))
        self.events = stream
        self.loop = eventLoop
        // The core is created on its loop and only ever touched there.
        self.core = try! eventLoop.submit {
            NIOLoopBound(ClientCore(loop: eventLoop, configuration: configuration, logger: logger, events: continuation), eventLoop: eventLoop)
        }.wait()
    }

    /// Starts connecting to every server; reconnects on its own until `shutdown()`.
    public func start() {
        let core = self.core
        loop.execute { core.value.start() }
    }

    public func shutdown() async {
        let core = self.core
        try? await loop.flatSubmit { core.value.stop() }.get()
    }

    /// Waits until some server reports `resource` active; returns that server's node name.
    public func waitUntilActive(_ resource: String) async throws -> String {
        let core = self.core
        return try await loop.flatSubmit { core.value.waitUntilActive(resource) }.get()
    }

    /// Registers an LU session and waits until a server has opened it. The session then
    /// follows the resource wherever it is active.
    public func openSession(resource: String, lu: String) async throws -> LUSession {
        let core = self.core
        let (hostData, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let (id, opened) = try await loop.submit {
            let (session, opened) = core.value.openSession(resource: resource, lu: lu, hostData: continuation)
            return (session.id, opened)
        }.get()
        let session = LUSession(client: self, id: id, resource: resource, lu: lu, hostData: hostData)
        try await opened.get()
        return session
    }

    func withSession<T: Sendable>(_ id: UInt32, _ body: @escaping @Sendable (ClientCore, ClientSession) throws -> T) -> EventLoopFuture<T> {
        let core = self.core
        return loop.submit {
            guard let session = core.value.sessions[id] else { throw NetMgrClientError("session \(id) is closed") }
            return try body(core.value, session)
        }
    }
}

/// An LU session: messages to the host, data from it.
public final class LUSession: Sendable {
    public let resource: String
    public let lu: String
    /// Data the host sent to this LU, in order.
    public let hostData: AsyncStream<[UInt8]>
    let id: UInt32
    let client: NetMgrClient

    init(client: NetMgrClient, id: UInt32, resource: String, lu: String, hostData: AsyncStream<[UInt8]>) {
        self.client = client
        self.id = id
        self.resource = resource
        self.lu = lu
        self.hostData = hostData
    }

    /// Queues a message for the host and returns its sequence number at once. The client
    /// keeps it until the host accepted it, across any number of failovers.
    @discardableResult
    public func submit(_ bytes: [UInt8]) async throws -> UInt64 {
        let payload = ByteBuffer(bytes: bytes)
        return try await client.withSession(id) { core, session in core.submit(session, payload: payload, ack: nil) }.get()
    }

    /// Sends a message and waits until the host has accepted it; returns its sequence number.
    @discardableResult
    public func send(_ bytes: [UInt8]) async throws -> UInt64 {
        let payload = ByteBuffer(bytes: bytes)
        let loop = client.loop
        let (sequence, accepted) = try await client.withSession(id) { core, session in
            let promise = loop.makePromise(of: Void.self)
            return (core.submit(session, payload: payload, ack: promise), promise.futureResult)
        }.get()
        try await accepted.get()
        return sequence
    }

    /// How many submitted messages the host has not accepted yet.
    public func unacknowledged() async throws -> Int {
        try await client.withSession(id) { core, session in core.unackedCount(session) }.get()
    }

    public func close() async {
        _ = try? await client.withSession(id) { core, session in core.close(session) }.get()
    }
}
