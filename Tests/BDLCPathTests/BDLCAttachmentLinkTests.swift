import BasicMode
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// How the tributary station notices a dead host: no polls for poll-timeout, or the line
/// closing, and opens its line again.
@Suite("BDLC: link loss and reconnect")
struct BDLCAttachmentLinkTests {
    /// A host end that accepts lines and counts them but never polls, or closes each at once.
    final class SilentHost: Sendable {
        let server: any Channel
        let connections = NIOLockedValueBox(0)

        init(group: any EventLoopGroup, host: String, closeAtOnce: Bool) async throws {
            let connections = self.connections
            server = try await ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    connections.withLockedValue { $0 += 1 }
                    return closeAtOnce ? channel.close() : channel.eventLoop.makeSucceededVoidFuture()
                }
                .bind(host: host, port: 0).get()
        }

        var port: Int { server.localAddress?.port ?? 0 }
        func close() async { try? await server.close() }
    }

    func plan(port: Int, host: String, pollTimeout: TimeAmount) throws -> BDLCLinePlan {
        let world = try BDLCWorld(listening: false)
        let resource = try #require(world.definitions.resource(named: "BDLC1"))
        var plan = try BDLCLinePlan(definitions: world.definitions, resource: resource, node: "node-a")
        plan.device = .tcp(host: host, port: port)
        plan.pollTimeout = pollTimeout
        return plan
    }

    @Test("a host that never polls: link down after poll-timeout, the line is opened again", arguments: [false, true])
    func silentHost(closeAtOnce: Bool) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address = "127.0.31.\(Int.random(in: 90...99))"
        let host = try await SilentHost(group: group, host: address, closeAtOnce: closeAtOnce)
        let loop = group.next()
        let plan = try plan(port: host.port, host: address, pollTimeout: .milliseconds(300))
        var retry = RetryPolicy()
        retry.initialMilliseconds = 20
        retry.maximumMilliseconds = 50
        let policy = retry
        let (attachment, delegate) = try await loop.submit {
            let attachment = try BDLCAttachment(plan: plan, loop: loop, retry: policy, logger: Logger(label: "test"))
            let delegate = RecordingDelegate()
            attachment.delegate = delegate
            attachment.start()
            attachment.send(lu: "BSLU02", tag: MessageTag(generation: 1, sequence: 1), payload: ByteBuffer(string: "kept"))
            return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
        }.get()
        #expect(await eventually(.seconds(10)) { host.connections.withLockedValue { $0 } >= 3 }, "the line was not opened again")
        let (log, held, started, accepted, counts) = try await loop.submit {
            (delegate.value.stateLog.map { "\($0.lu) \($0.state) \($0.detail)" }, attachment.value.heldMessages,
             delegate.value.started, delegate.value.accepted.count, delegate.value.counts)
        }.get()
        #expect(started == 1)
        // Never polled: no connect; each reopening of the line is a retry (3 connections: at least 2).
        #expect(counts.connects == 0 && counts.rejects == 0 && counts.retries >= 2, "\(counts)")
        #expect(held == 1, "the message stays until a host ACKs it")
        #expect(accepted == 0)
        // A line closed at once may also be noticed as never polled, whichever comes first.
        let expected = closeAtOnce ? ["closed", "never polled"] : ["never polled"]
        #expect(log.contains { line in line.hasPrefix("BSLU02 host-lost") && expected.contains { line.contains($0) } }, "\(log)")
        try await loop.submit { attachment.value.stop() }.get()
        #expect(try await eventually { try await loop.submit { delegate.value.stopped }.get() == 1 })
        await host.close()
        try await group.shutdownGracefully()
    }

    /// A host end that polls station 0x41 and answers every text block with NAK (ASCII): the
    /// station repeats the block up to its retry limit, then the message fails.
    final class NAKingHost: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        static func encoded(_ elements: [BasicModeElement]) -> ByteBuffer {
            let encoder = BasicModeEncoder(coding: .ascii)
            var buffer = ByteBuffer()
            for element in elements { try? encoder.encode(element, into: &buffer) }
            return buffer
        }
        static let poll = BasicModeStationAddress(rawValue: 0x41).map { encoded([.endOfTransmission, .poll($0)]) } ?? ByteBuffer()
        static let nak = encoded([.negativeAcknowledgment])

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(NIOAny(Self.poll), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            // A block (ASCII ETX, then its check): NAK; anything else (EOT): poll again.
            context.writeAndFlush(NIOAny(bytes.readableBytesView.contains(0x03) ? Self.nak : Self.poll), promise: nil)
        }
    }

    @Test("a host that NAKs every block: the message fails as refused (a reject), the line is opened again (a retry)")
    func nakingHost() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address = "127.0.31.\(Int.random(in: 90...99))"
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(NAKingHost()) } }
            .bind(host: address, port: 0).get()
        let loop = group.next()
        let plan = try plan(port: try #require(server.localAddress?.port), host: address, pollTimeout: .seconds(5))
        var retry = RetryPolicy()
        retry.initialMilliseconds = 20
        retry.maximumMilliseconds = 50
        let policy = retry
        let (attachment, delegate) = try await loop.submit {
            let attachment = try BDLCAttachment(plan: plan, loop: loop, retry: policy, replyTimeout: .milliseconds(200), logger: Logger(label: "test"))
            let delegate = RecordingDelegate()
            attachment.delegate = delegate
            attachment.start()
            attachment.send(lu: "BSLU02", tag: MessageTag(generation: 1, sequence: 1), payload: ByteBuffer(string: "refused"))
            return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
        }.get()
        func counts() async throws -> HostEventCounts { try await loop.submit { delegate.value.counts }.get() }
        let refused = try await eventually(.seconds(5)) {
            let seen = try await counts()
            return seen.rejects >= 1 && seen.retries >= 1
        }
        let seen = try await counts()
        #expect(refused, "\(seen)")
        #expect(seen.connects >= 1, "the host's poll is a connect: \(seen)")
        #expect(try await loop.submit { attachment.value.heldMessages }.get() == 1, "the refused message stays to go again")
        try await loop.submit { attachment.value.stop() }.get()
        #expect(try await eventually { try await loop.submit { delegate.value.stopped }.get() == 1 })
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("a bdlc-address that cannot be a basic-mode station is refused with its reason")
    func badAddress() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        var plan = try plan(port: 1, host: "127.0.31.99", pollTimeout: .seconds(1))
        plan.stationAddress = 0x61
        #expect(throws: AdminFailure.self) {
            _ = try BDLCAttachment(plan: plan, loop: group.next(), retry: RetryPolicy(), logger: Logger(label: "test"))
        }
    }

    @Test("the plan names the node's own station and line")
    func planFacts() throws {
        let world = try BDLCWorld(listening: false)
        let resource = try #require(world.definitions.resource(named: "BDLC1"))
        let a = try BDLCLinePlan(definitions: world.definitions, resource: resource, node: "node-a")
        let b = try BDLCLinePlan(definitions: world.definitions, resource: resource, node: "node-b")
        #expect(a.stationAddress == 0x41 && b.stationAddress == 0x42)
        #expect(a.device != b.device)
        #expect(a.coding == .ascii && a.pollTimeout == .seconds(3))
        #expect(a.logicalUnits.map(\.name) == ["BSLU02", "BSLU03"])
        #expect(a.hostVisibleAddress == "station 0x41 on BSC1 (\(a.device))")
    }
}
