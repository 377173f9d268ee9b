import NIOCore
import NIOPosix
import NetMgrClient
import NetMgrProtocol
import NetMgrTestSupport
import Synchronization
import Testing

/// A LAN server on 127.0.0.1 (kernel-chosen port) that answers HELLO and OPEN as netmgrd
/// does, with TNVIP active and TNREAL standby, and lets the test decide what to answer to each DATA.
final class ScriptedLANServer: Sendable {
    let channel: Channel
    let port: Int
    /// OPEN, DATA and CLOSE as received, and the acks sent, in order.
    let log = Mutex<[String]>([])
    private let connection = Mutex<Channel?>(nil)

    init(answersOpen: Bool = true, onData: @escaping @Sendable (_ session: UInt32, _ sequence: UInt64) -> [ServerMessage]) async throws {
        let box = Mutex<ScriptedLANServer?>(nil)
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(LANFrameDecoder()))
                    try child.pipeline.syncOperations.addHandler(Handler(answersOpen: answersOpen, onData: onData, server: { box.withLock { $0 } }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        box.withLock { $0 = self }
    }

    /// Sends frames to the connected client.
    func send(_ messages: [ServerMessage]) {
        guard let channel = connection.withLock({ $0 }) else { return }
        var buffer = channel.allocator.buffer(capacity: 64)
        for message in messages {
            message.encode(into: &buffer)
            if case .ack(_, let sequence) = message { log.withLock { $0.append("ack \(sequence)") } }
        }
        channel.writeAndFlush(buffer, promise: nil)
    }

    func stop() async {
        try? await channel.close()
    }

    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let answersOpen: Bool
        let onData: @Sendable (UInt32, UInt64) -> [ServerMessage]
        let server: @Sendable () -> ScriptedLANServer?

        init(answersOpen: Bool, onData: @escaping @Sendable (UInt32, UInt64) -> [ServerMessage], server: @escaping @Sendable () -> ScriptedLANServer?) {
            self.answersOpen = answersOpen
            self.onData = onData
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var frame = unwrapInboundIn(data)
            guard let server = server(), let message = try? ClientMessage.decode(frame: &frame) else { return }
            switch message {
            case .hello:
                server.connection.withLock { $0 = context.channel }
                server.send([.welcome(version: LANProtocol.version, node: "node-a", cluster: "test"),
                             .resource(name: "TNVIP", state: .active, epoch: 1, node: "node-a"),
                             .resource(name: "TNREAL", state: .standby, epoch: 0, node: "node-a"), .tableEnd])
            case .open(let session, _, _):
                server.log.withLock { $0.append("open \(session)") }
                if answersOpen { server.send([.opened(session: session, state: .bound, hostAddress: "127.0.0.10")]) }
            case .data(let session, let sequence, _):
                server.log.withLock { $0.append("data \(sequence)") }
                server.send(onData(session, sequence))
            case .ping(let token):
                server.send([.pong(token: token)])
            case .close(let session):
                server.log.withLock { $0.append("close \(session)") }
                server.send([.closed(session: session)])
            case .watchConnections:
                break
            }
        }
    }
}

@Suite("NetMgrClient over loopback sockets")
struct ClientLoopbackTests {
    func client(_ server: ScriptedLANServer, queueLimit: Int = 1_024) -> NetMgrClient {
        var configuration = NetMgrClientConfiguration(servers: [ServerAddress(host: "127.0.0.1", port: server.port)], clientName: "loopback-test")
        configuration.sessionQueueLimit = queueLimit
        return NetMgrClient(configuration: configuration)
    }

    @Test("a message the host refused for good fails send with hostRejected naming its sequence; the next one goes on")
    func hostRejected() async throws {
        let server = try await ScriptedLANServer { session, sequence in
            sequence == 1 ? [.error(session: session, code: .hostRejected, sequence: 1, message: "the host closed the connection on it 3 times")]
                          : [.ack(session: session, sequence: sequence)]
        }
        let client = client(server)
        client.start()
        let session = try await client.openSession(resource: "TNVIP", lu: "VIPLU01")
        await #expect(throws: NetMgrClientError.hostRejected(resource: "TNVIP", lu: "VIPLU01", sequence: 1,
                                                             reason: "the host closed the connection on it 3 times")) {
            try await session.send([0x7D, 1])
        }
        #expect(try await session.send([0x7D, 2]) == 2)
        #expect(try await session.unacknowledged() == 0)
        await client.shutdown()
        await server.stop()
    }

    @Test("a full queue: trySubmit fails with queueFull, submit and send wait until an ack makes room, then send in order")
    func backpressure() async throws {
        let server = try await ScriptedLANServer { _, _ in [] }  // the host takes nothing until the test acks
        let client = client(server, queueLimit: 2)
        client.start()
        let session = try await client.openSession(resource: "TNVIP", lu: "VIPLU01")
        #expect(try await session.submit([1]) == 1)
        #expect(try await session.submit([2]) == 2)
        await #expect(throws: NetMgrClientError.queueFull(resource: "TNVIP", lu: "VIPLU01", limit: 2)) { try await session.trySubmit([3]) }
        let waiting = Task { try await session.submit([3]) }
        #expect(await eventually { server.log.withLock { $0 } == ["open 1", "data 1", "data 2"] })
        server.send([.ack(session: 1, sequence: 1)])
        #expect(try await waiting.value == 3)
        #expect(await eventually { server.log.withLock { $0 } == ["open 1", "data 1", "data 2", "ack 1", "data 3"] })
        #expect(try await session.unacknowledged() == 2)
        // send waits for room too, then for the host.
        let sending = Task { try await session.send([4]) }
        server.send([.ack(session: 1, sequence: 3)])
        #expect(await eventually { server.log.withLock { $0 }.last == "data 4" })
        server.send([.ack(session: 1, sequence: 4)])
        #expect(try await sending.value == 4)
        await client.shutdown()
        await server.stop()
    }

    @Test("a message larger than a LAN frame carries fails at once with tooLarge; nothing is sent")
    func tooLarge() async throws {
        let server = try await ScriptedLANServer { session, sequence in [.ack(session: session, sequence: sequence)] }
        let client = client(server)
        client.start()
        let session = try await client.openSession(resource: "TNVIP", lu: "VIPLU01")
        let size = NetMgrClientConfiguration.maximumMessageSize + 1
        await #expect(throws: NetMgrClientError.tooLarge(resource: "TNVIP", lu: "VIPLU01", size: size, limit: size - 1)) {
            try await session.submit([UInt8](repeating: 0x40, count: size))
        }
        #expect(try await session.send([0x7D]) == 1, "the session goes on; the refused message took no sequence number")
        #expect(server.log.withLock { $0 } == ["open 1", "data 1", "ack 1"])
        await client.shutdown()
        await server.stop()
    }

    @Test("cancelling openSession or waitUntilActive ends the wait with CancellationError; the session is closed, not left holding the LU")
    func cancelled() async throws {
        let server = try await ScriptedLANServer(answersOpen: false) { _, _ in [] }
        let client = client(server)
        client.start()
        let opening = Task { try await client.openSession(resource: "TNVIP", lu: "VIPLU01") }
        // On a loaded machine the client may miss pings, reconnect and send OPEN again: what
        // counts is that the cancelled open ends with CLOSE and nothing after it.
        #expect(await eventually(.seconds(60)) { server.log.withLock { $0 }.contains("open 1") })
        opening.cancel()
        await #expect(throws: CancellationError.self) { try await opening.value }
        #expect(await eventually(.seconds(60)) { server.log.withLock { $0 }.last == "close 1" }, "\(server.log.withLock { $0 })")
        #expect(server.log.withLock { $0 }.allSatisfy { $0 == "open 1" || $0 == "close 1" })
        let waiting = Task { try await client.waitUntilActive("TNREAL") }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        await #expect(throws: NetMgrClientError.unknownResource(resource: "TNOTHER", detail: "no server defines it")) {
            try await client.waitUntilActive("TNOTHER")
        }
        await client.shutdown()
        await server.stop()
    }
}
