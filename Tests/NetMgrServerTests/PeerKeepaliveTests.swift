import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Synchronization
import Testing

@Suite("Peer keepalive")
struct PeerKeepaliveTests {
    let timing = PeerKeepalive.Timing(interval: .seconds(1), deadline: .seconds(3))
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("a talking peer is never pinged; a quiet one is pinged once per interval, then given up")
    func silence() {
        var keepalive = PeerKeepalive(timing: timing, now: start)
        #expect(keepalive.tick(now: start + .milliseconds(900)) == .none)
        keepalive.heard(now: start + .milliseconds(900))
        #expect(keepalive.tick(now: start + .milliseconds(1800)) == .none)
        #expect(keepalive.tick(now: start + .milliseconds(1900)) == .ping(token: 1))
        #expect(keepalive.tick(now: start + .milliseconds(2400)) == .none)
        #expect(keepalive.tick(now: start + .milliseconds(2900)) == .ping(token: 2))
        #expect(keepalive.tick(now: start + .milliseconds(3899)) == .none)
        #expect(keepalive.tick(now: start + .milliseconds(3900)) == .giveUp(silentFor: .seconds(3)))
    }

    @Test("an answer resets the silence")
    func answered() {
        var keepalive = PeerKeepalive(timing: timing, now: start)
        #expect(keepalive.tick(now: start + .seconds(1)) == .ping(token: 1))
        keepalive.heard(now: start + .milliseconds(1010))
        #expect(keepalive.tick(now: start + .milliseconds(3500)) == .ping(token: 2))
        keepalive.heard(now: start + .milliseconds(3600))
        #expect(keepalive.tick(now: start + .milliseconds(5000)) == .ping(token: 3))
        #expect(keepalive.tick(now: start + .milliseconds(6599)) == .ping(token: 4))
        #expect(keepalive.tick(now: start + .milliseconds(6600)) == .giveUp(silentFor: .seconds(3)))
    }
}

/// A peer on loopback: counts connections and PINGs; answers them only when `answers`.
final class TestPeer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let answers: Bool
    let connections = Mutex(0)
    let pings = Mutex(0)

    init(answers: Bool) { self.answers = answers }

    func channelActive(context: ChannelHandlerContext) {
        connections.withLock { $0 += 1 }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        guard case .ping(let token)? = try? ClientMessage.decode(frame: &frame) else { return }
        pings.withLock { $0 += 1 }
        guard answers else { return }
        var reply = context.channel.allocator.buffer(capacity: 16)
        ServerMessage.pong(token: token).encode(into: &reply)
        context.writeAndFlush(NIOAny(reply), promise: nil)
    }
}

@Suite("Peer watcher")
struct PeerWatcherTests {
    func watch(_ peer: TestPeer, _ body: () async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LANFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(peer)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let loop = group.next()
        let node = ClusterNode(name: "peer", address: IPAddress("127.0.0.1")!, lan: Endpoint(host: "127.0.0.1", port: port), adminSocket: nil,
                               location: SourceLocation(file: "test", line: 1, column: 1))
        let watcher = try await loop.submit {
            let router = Router(loop: loop, definitions: definitions, node: definitions.cluster.nodes[0], epochs: nil, logger: Logger(label: "test"),
                                metrics: DaemonMetrics(), makeAttachment: { _, _, _ in throw AdminFailure("no host in this test") })
            let watcher = PeerWatcher(router: router, peers: [node], keepalive: .init(interval: .milliseconds(50), deadline: .seconds(1)))
            watcher.start()
            return NIOLoopBound(watcher, eventLoop: loop)
        }.get()
        try await body()
        try await loop.submit { watcher.value.stop() }.get()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("a peer that accepts but never answers is dropped after the deadline and reconnected")
    func silentPeer() async throws {
        let peer = TestPeer(answers: false)
        try await watch(peer) {
            #expect(await eventually(.seconds(10)) { peer.connections.withLock { $0 } >= 2 })
            #expect(peer.pings.withLock { $0 } >= 1)
        }
    }

    @Test("a peer that answers PINGs keeps its one connection past many deadlines")
    func answeringPeer() async throws {
        let peer = TestPeer(answers: true)
        try await watch(peer) {
            // 30 pings, one per 50 ms of silence: 1.5 s or more, past the 1 s deadline but for the PONGs.
            #expect(await eventually(.seconds(20)) { peer.pings.withLock { $0 } >= 30 })
            #expect(peer.connections.withLock { $0 } == 1)
        }
    }
}
