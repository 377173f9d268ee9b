import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import NetMgrHarness
import Testing

/// Records what an attachment reports, on its loop.
final class RecordingDelegate: HostAttachmentDelegate, @unchecked Sendable {
    var states: [(lu: String, state: SessionState, detail: String)] = []
    var stopped = 0
    func attachmentStarted(_ attachment: HostAttachment) {}
    func attachment(_ attachment: HostAttachment, failed reason: String) {}
    func attachmentStopped(_ attachment: HostAttachment) { stopped += 1 }
    func attachment(_ attachment: HostAttachment, lu: String, state: SessionState, detail: String) { states.append((lu, state, detail)) }
    func attachment(_ attachment: HostAttachment, lu: String, accepted tag: MessageTag) {}
    func attachment(_ attachment: HostAttachment, lu: String, rejected tag: MessageTag, reason: String) {}
    func attachment(_ attachment: HostAttachment, lu: String, hostData: ByteBuffer) {}
}

@Suite("TN3270 attachment against misbehaving hosts")
struct TN3270AttachmentTests {
    @Test("a host that accepts the connection but never negotiates is given up on and tried again")
    func silentHost() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        // A listener that accepts and says nothing, like a hung TN3270 server.
        let silent = try await ServerBootstrap(group: loop)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = silent.localAddress!.port!
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let resource = definitions.resource(named: "TNVIP")!
        let retry = { var policy = RetryPolicy(); policy.negotiationTimeoutMilliseconds = 200; return policy }()
        let delegate = RecordingDelegate()
        let attachment = try await loop.submit {
            let attachment = TN3270Attachment(
                resource: resource, lus: Array(definitions.lus(of: "TNVIP").prefix(1)), host: Endpoint(host: "127.0.0.1", port: port),
                sourceAddress: IPAddress("127.0.0.1")!, retry: retry, connects: ConnectLimiter(), loop: loop, logger: Logger(label: "test"))
            attachment.delegate = delegate
            attachment.start()
            return NIOLoopBound(attachment, eventLoop: loop)
        }.get()
        try await waitUntil(.seconds(10), what: "the stalled negotiation to be reported") {
            (try? await loop.submit { delegate.states.contains { $0.detail.contains("did not complete negotiation") } }.get()) ?? false
        }
        try await loop.submit { attachment.value.stop() }.get()
        try await silent.close()
        try await group.shutdownGracefully()
    }

    @Test("a resource with no LUs finishes deactivating, and a stopped attachment is freed (no link ↔ owner cycle)")
    func stopFreesAttachment() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let resource = definitions.resource(named: "TNVIP")!
        let delegate = RecordingDelegate()
        final class Box: @unchecked Sendable {
            weak var attachment: TN3270Attachment?
            /// The router's reference, held until the attachment reports it stopped.
            var owner: TN3270Attachment?
        }
        for lus in [[], Array(definitions.lus(of: "TNVIP").prefix(2))] {
            let box = Box()
            let before = try await loop.submit { delegate.stopped }.get()
            try await loop.submit {
                // Nothing listens on port 1: the links retry until stopped.
                let attachment = TN3270Attachment(
                    resource: resource, lus: lus, host: Endpoint(host: "127.0.0.1", port: 1),
                    sourceAddress: IPAddress("127.0.0.1")!, retry: RetryPolicy(), connects: ConnectLimiter(), loop: loop, logger: Logger(label: "test"))
                attachment.delegate = delegate
                box.attachment = attachment
                box.owner = attachment
                attachment.start()
                attachment.stop()
            }.get()
            try await waitUntil(.seconds(10), what: "attachmentStopped for \(lus.count) LU(s)") {
                (try? await loop.submit { delegate.stopped }.get()) == before + 1
            }
            try await loop.submit { box.owner = nil }.get()
            try await waitUntil(.seconds(10), what: "the stopped attachment with \(lus.count) LU(s) to be freed") {
                (try? await loop.submit { box.attachment == nil }.get()) ?? false
            }
        }
        try await group.shutdownGracefully()
    }

    @Test("a connection another node left is knocked on from its own address and port")
    func knock() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let accepted = LockedBox<[SocketAddress]>([])
        let listener = try await ServerBootstrap(group: loop)
            .childChannelInitializer { channel in
                accepted.update { $0.append(channel.remoteAddress!) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.91.100", port: 0).get()
        let port = listener.localAddress!.port!
        // The port to knock from: the host no longer holds that connection, so the knock
        // simply connects (and is closed again), which shows the SYN left from there. Below
        // the kernel's ephemeral range, so no connection elsewhere in the suite is given it
        // (a port freed for the test was, twice: the knock's bind failed with EADDRINUSE).
        let stalePort = 29_891
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let attachment = try await loop.submit {
            let attachment = TN3270Attachment(
                resource: definitions.resource(named: "TNVIP")!, lus: [], host: Endpoint(host: "127.0.91.100", port: port),
                sourceAddress: IPAddress("127.0.91.10")!, retry: RetryPolicy(), connects: ConnectLimiter(),
                staleConnections: [StaleHostConnection(lu: "VIPLU01", localPort: stalePort, remote: Endpoint(host: "127.0.91.100", port: port))],
                loop: loop, logger: Logger(label: "test"))
            attachment.start()
            return NIOLoopBound(attachment, eventLoop: loop)
        }.get()
        try await waitUntil(.seconds(10), what: "the knock to arrive") {
            accepted.get().contains { $0.ipAddress == "127.0.91.10" && $0.port == stalePort }
        }
        try await loop.submit { attachment.value.stop() }.get()
        try await listener.close()
        try await group.shutdownGracefully()
    }
}
