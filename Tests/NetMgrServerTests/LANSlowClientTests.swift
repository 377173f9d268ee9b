import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

@Suite("Router: a client that does not read, over real sockets")
struct LANSlowClientTests {
    @Test("its LU's host side is paused, its output stays bounded, and closing it does not wait for it to read")
    func clientThatDoesNotRead() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        var limits = LANLimits()
        limits.writeBufferLowWater = 16 * 1024
        limits.writeBufferHighWater = 64 * 1024
        limits.clientBufferLimit = 256 * 1024
        limits.closeGraceSeconds = 0.2
        limits.handshakeTimeoutSeconds = 60  // only the output limits close connections here
        let lanLimits = limits
        let log = CapturedLog()
        let made = LockedBox<FlowControlledAttachment?>(nil)
        let router = try await loop.submit {
            NIOLoopBound(Router(loop: loop, definitions: definitions, node: definitions.cluster.nodes[0], epochs: nil, logger: log.logger,
                                metrics: DaemonMetrics(), lanLimits: lanLimits, makeAttachment: { runtime, _, _ in
                                    let attachment = FlowControlledAttachment(resourceName: runtime.name)
                                    made.update { $0 = attachment }
                                    return attachment
                                }), eventLoop: loop)
        }.get()
        let listener = try await LANListener.bind(host: "127.0.0.1", port: 0, loop: loop, router: router, limits: limits)
        #expect(try await loop.flatSubmit { router.value.handle(AdminRequest(command: .activate, targets: ["TNVIP"], epoch: 3), metricsText: { "" }) }.get().ok)

        // A client that never reads, with a small receive buffer so the server's output backs up soon.
        let client = try await ClientBootstrap(group: group)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .connect(to: try #require(listener.localAddress)).get()
        var frames = ByteBuffer()
        ClientMessage.hello(minVersion: 1, maxVersion: 1, client: "stalled").encode(into: &frames)
        ClientMessage.open(session: 1, resource: "TNVIP", lu: "VIPLU01").encode(into: &frames)
        try await client.writeAndFlush(frames)
        try #require(try await eventually { try await loop.submit { router.value.resources["TNVIP"]!.lus["VIPLU01"]!.owner != nil }.get() },
                     "the session is open; netmgrd said: \([Logger.Level.info, .notice, .warning, .error].flatMap { log.lines(at: $0) })")

        // The host sends 8 MiB in 1 KiB records, in rounds so the socket can fill between them.
        for _ in 0..<64 {
            try await loop.submit {
                let host = made.get()!
                for _ in 0..<128 { host.delegate?.attachment(host, lu: "VIPLU01", hostData: ByteBuffer(repeating: 0x40, count: 1024)) }
            }.get()
        }
        let (paused, unsent, dropped) = try await loop.submit {
            let connection = router.value.connections.values.first!
            return (made.get()!.requests.contains { $0.paused && $0.lu == "VIPLU01" }, connection.unsentBytes, connection.droppedHostData)
        }.get()
        #expect(paused, "the host side of VIPLU01 was asked to pause")
        #expect(unsent <= limits.clientBufferLimit, "\(unsent) bytes unsent")
        #expect(dropped > 4_000, "most of the 8 MiB was dropped, not kept")

        // A bad frame closes the connection: at once, although its output is unread.
        var bad = ByteBuffer(bytes: [0, 0, 0, 1, 0x7F])
        try await client.writeAndFlush(bad)
        bad.clear()
        #expect(try await eventually { try await loop.submit { router.value.connections.isEmpty }.get() })
        #expect(try await loop.submit { made.get()!.requests.last.map { !$0.paused && $0.lu == "VIPLU01" } }.get() == true,
                "the LU reads again once it has no stalled owner")

        try? await client.close()
        try? await listener.close()
        try await group.shutdownGracefully()
    }
}
