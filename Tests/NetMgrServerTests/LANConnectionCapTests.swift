import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrAdminClient
import NetMgrProtocol
import NetMgrServer
import NetMgrTestSupport
import Synchronization
import Testing

/// A raw LAN client over a real socket: says HELLO or nothing, and records what the
/// server sent and whether it closed the connection.
final class RawLANClient: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let state = Mutex<(bytes: ByteBuffer, closed: Bool)>((ByteBuffer(), false))

    var isClosed: Bool { state.withLock { $0.closed } }

    var messages: [ServerMessage] {
        var stream = state.withLock { $0.bytes }
        var decoder = LANFrameDecoder()
        var result: [ServerMessage] = []
        while var frame = try? decoder.decode(buffer: &stream) {
            guard let message = try? ServerMessage.decode(frame: &frame) else { break }
            result.append(message)
        }
        return result
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        _ = state.withLock { $0.bytes.writeBuffer(&buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.withLock { $0.closed = true }
    }

    static func connect(to address: SocketAddress, hello: String?, group: EventLoopGroup) async throws -> (RawLANClient, Channel) {
        let client = RawLANClient()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) }
            }
            .connect(to: address).get()
        if let hello {
            var buffer = channel.allocator.buffer(capacity: 64)
            ClientMessage.hello(minVersion: 1, maxVersion: 1, client: hello).encode(into: &buffer)
            // A full server may say GOODBYE and close before HELLO is written; the callers
            // check what the server said, so a write to a closed channel is no failure here.
            try? await channel.writeAndFlush(buffer)
        }
        return (client, channel)
    }
}

@Suite("netmgrd: LAN connection cap over real sockets")
struct LANConnectionCapTests {
    @Test("past the cap, connections without HELLO are closed oldest first, then new ones refused; the admin socket still answers")
    func capDropsPreHelloFirst() async throws {
        let directory = try TemporaryDirectory()
        var definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        // No peer: the other node's address is a closed port.
        definitions.cluster.nodes[1].lan = Endpoint(host: "127.0.0.1", port: 1)
        definitions.cluster.tls = .off  // in-process on loopback, without a PKI
        var configuration = DaemonConfiguration(definitions: definitions, nodeName: "node-a", stateDirectory: nil,
                                                adminSocket: directory.file("admin.sock"), lanEndpoint: Endpoint(host: "127.0.0.1", port: 0))
        configuration.lan.maximumConnections = 6
        configuration.lan.handshakeTimeoutSeconds = 60  // only the cap closes connections here
        let daemon = NetMgrDaemon(configuration: configuration, logger: Logger(label: "test"))
        let listening = Mutex<SocketAddress?>(nil)
        // A daemon that stops before it listens says why, instead of leaving the wait to time out.
        let stopped = Mutex<String?>(nil)
        let run = Task {
            do {
                try await daemon.run { address in listening.withLock { $0 = address.lan } }
                stopped.withLock { $0 = "netmgrd returned before listening" }
            } catch {
                stopped.withLock { $0 = "netmgrd stopped: \(error)" }
            }
        }
        // 60 s: the daemon starts on the cooperative pool, which CPU-bound tests at the start of a full run can hold for 20 s.
        defer { run.cancel() }
        #expect(await eventually(.seconds(60)) { listening.withLock { $0 } != nil || stopped.withLock { $0 } != nil })
        if let why = stopped.withLock({ $0 }), listening.withLock({ $0 }) == nil { Issue.record("\(why)") }
        let address = try #require(listening.withLock { $0 })
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        func welcomed(_ client: RawLANClient) async -> Bool {
            await eventually { client.messages.contains(.tableEnd) }
        }

        var silent: [RawLANClient] = []
        var channels: [Channel] = []
        for _ in 0..<4 {
            let (client, channel) = try await RawLANClient.connect(to: address, hello: nil, group: group)
            silent.append(client)
            channels.append(channel)
        }
        var greeted: [RawLANClient] = []
        for index in 0..<6 {
            let (client, channel) = try await RawLANClient.connect(to: address, hello: "app-\(index)", group: group)
            channels.append(channel)
            #expect(await welcomed(client), "app-\(index) is served")
            greeted.append(client)
            if index >= 2 {
                // Each newcomer past the cap closed the oldest connection still without HELLO.
                let dropped = index - 1
                #expect(await eventually { silent.prefix(dropped).allSatisfy(\.isClosed) })
                #expect(silent.dropFirst(dropped).allSatisfy { !$0.isClosed }, "only the oldest \(dropped) are closed")
            }
        }

        // Full of connections that said HELLO: the next one is told so and closed.
        let (refused, refusedChannel) = try await RawLANClient.connect(to: address, hello: "app-late", group: group)
        channels.append(refusedChannel)
        #expect(await eventually { refused.isClosed })
        #expect(refused.messages.contains { if case .goodbye(let reason) = $0 { reason.contains("limit of 6 client connections") } else { false } })

        let status = try AdminConnection.exchange(AdminRequest(command: .status), socket: configuration.adminSocket)
        #expect(status.ok)
        #expect(status.resources.map(\.name) == ["TNVIP", "TNREAL", "SDLC1", "BDLC1", "X25R1", "PSTN1", "ISDNR1"])
        #expect(greeted.allSatisfy { !$0.isClosed })

        for channel in channels { try? await channel.close() }
        run.cancel()
        _ = await run.result
        try await group.shutdownGracefully()
    }
}
