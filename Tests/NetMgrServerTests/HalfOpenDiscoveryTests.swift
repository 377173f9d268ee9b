import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrHarness
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// Half-open discovery sends SYNs only to the resource's configured host endpoint, never to
/// an address a peer's WATCH-CONNECTIONS announcement names.
@Suite("Half-open discovery: only the configured host")
struct HalfOpenDiscoveryTests {
    @Test("partition: the host's address and port are knocked; another address or port is skipped")
    func partition() {
        let host = Endpoint(host: "127.0.74.100", port: 2323)
        let stale = [
            StaleHostConnection(lu: "A", localPort: 1, remote: Endpoint(host: "127.0.74.100", port: 2323)),
            StaleHostConnection(lu: "B", localPort: 2, remote: Endpoint(host: "127.0.74.101", port: 2323)),
            StaleHostConnection(lu: "C", localPort: 3, remote: Endpoint(host: "127.0.74.100", port: 22)),
            StaleHostConnection(lu: "D", localPort: 4, remote: Endpoint(host: "host.example", port: 2323)),
        ]
        let (knock, skip) = HalfOpenDiscovery.partition(stale, host: host, hostAddresses: [IPAddress("127.0.74.100")!])
        #expect(knock.map(\.lu) == ["A"])
        #expect(skip.map(\.lu) == ["B", "C", "D"])
        #expect(HalfOpenDiscovery.partition(stale, host: host, hostAddresses: []).knock.isEmpty, "an unresolvable host name: nothing is knocked")
        #expect(HalfOpenDiscovery.resolve("localhost").contains(IPAddress("127.0.0.1")!) || HalfOpenDiscovery.resolve("localhost").contains(IPAddress("::1")!))
    }

    @Test("a stale connection to a non-configured address or port is not knocked, and the skip is logged")
    func foreignNotKnocked() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        func listener(_ host: String, _ accepted: LockedBox<[SocketAddress]>) async throws -> Channel {
            try await ServerBootstrap(group: loop)
                .childChannelInitializer { channel in
                    accepted.update { $0.append(channel.remoteAddress!) }
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                .bind(host: host, port: 0).get()
        }
        let hostAccepted = LockedBox<[SocketAddress]>([])
        let foreignAccepted = LockedBox<[SocketAddress]>([])
        let host = try await listener("127.0.74.100", hostAccepted)
        let otherPort = try await listener("127.0.74.100", foreignAccepted)
        let otherAddress = try await listener("127.0.74.101", foreignAccepted)
        let port = host.localAddress!.port!
        // Ports below the ephemeral range, so nothing else in the suite holds them.
        let stale = [
            StaleHostConnection(lu: "VIPLU02", localPort: 29_741, remote: Endpoint(host: "127.0.74.101", port: otherAddress.localAddress!.port!)),
            StaleHostConnection(lu: "VIPLU03", localPort: 29_742, remote: Endpoint(host: "127.0.74.100", port: otherPort.localAddress!.port!)),
            StaleHostConnection(lu: "VIPLU01", localPort: 29_743, remote: Endpoint(host: "127.0.74.100", port: port)),
        ]
        let log = CapturedLog()
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let attachment = try await loop.submit {
            let attachment = TN3270Attachment(
                resource: definitions.resource(named: "TNVIP")!, lus: [], host: Endpoint(host: "127.0.74.100", port: port),
                sourceAddress: IPAddress("127.0.74.10")!, retry: RetryPolicy(), connects: ConnectLimiter(),
                staleConnections: stale, loop: loop, logger: log.logger)
            attachment.start()
            return NIOLoopBound(attachment, eventLoop: loop)
        }.get()
        try await waitUntil(.seconds(10), what: "the knock on the configured host to arrive") {
            hostAccepted.get().contains { $0.ipAddress == "127.0.74.10" && $0.port == 29_743 }
        }
        // The skipped ones were decided (and logged) before any knock left.
        #expect(foreignAccepted.get().isEmpty, "knocked on an address a peer named: \(foreignAccepted.get())")
        let skipped = log.lines(at: .warning).filter { $0.contains("half-open discovery") && $0.contains("skipped") }
        #expect(skipped.count == 2, "\(log.lines(at: .warning))")
        #expect(skipped.contains { $0.contains("VIPLU02") && $0.contains("127.0.74.101") && $0.contains("not this resource's host 127.0.74.100:\(port)") })
        try await loop.submit { attachment.value.stop() }.get()
        for channel in [host, otherPort, otherAddress] { try await channel.close() }
        try await group.shutdownGracefully()
    }
}
