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

/// Host data: the host's control station selects the station and sends blocks; the
/// attachment delivers each message to its LU, and the host's messages are acknowledged.
@Suite("BDLC: host data by selection")
struct BDLCHostDataTests {
    @Test func hostMessagesReachTheirLUsAndClientMessagesTheHost() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let address = try #require(BasicModeStationAddress(rawValue: 0x41))
        let hostMessages: [(lu: UInt8, text: String)] = [(2, "SCREEN FOR LU 2"), (3, "SCREEN FOR LU 3"), (2, "with \u{10}\u{02} controls")]
        let host = InProcessHost(address: address, messages: hostMessages, noise: nil)
        let hostAddress = "127.0.31.\(Int.random(in: 90...99))"
        let server = try await ServerBootstrap(group: loop)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(host) } }
            .bind(host: hostAddress, port: 0).get()
        let port = try #require(server.localAddress?.port)

        let world = try BDLCWorld(listening: false)
        let resource = try #require(world.definitions.resource(named: "BDLC1"))
        var made = try BDLCLinePlan(definitions: world.definitions, resource: resource, node: "node-a")
        made.device = .tcp(host: hostAddress, port: port)
        let plan = made
        let (attachment, delegate) = try await loop.submit {
            let attachment = try BDLCAttachment(plan: plan, loop: loop, retry: RetryPolicy(), logger: Logger(label: "test"))
            let delegate = RecordingDelegate()
            attachment.delegate = delegate
            attachment.start()
            attachment.send(lu: "BSLU03", tag: MessageTag(generation: 1, sequence: 1), payload: ByteBuffer(string: "from the client"))
            return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
        }.get()

        func hostData() async throws -> [String: [String]] {
            try await loop.submit { delegate.value.hostData.mapValues { $0.map { String(buffer: $0) } } }.get()
        }
        let arrived = try await eventually(.seconds(10)) { try await hostData().values.reduce(0) { $0 + $1.count } == 3 }
        #expect(arrived)
        #expect(try await hostData() == ["BSLU02": ["SCREEN FOR LU 2", "with \u{10}\u{02} controls"], "BSLU03": ["SCREEN FOR LU 3"]])
        #expect(await eventually(.seconds(10)) { host.delivered.withLockedValue { $0 } == [0, 1, 2] })
        #expect(await eventually(.seconds(10)) { host.received.withLockedValue { $0 } == ["3 from the client"] })
        #expect(try await loop.submit { delegate.value.accepted["BSLU03"] }.get() == [1])

        try await loop.submit { attachment.value.stop() }.get()
        #expect(try await eventually { try await loop.submit { delegate.value.stopped }.get() == 1 })
        try await server.close()
        try await group.shutdownGracefully()
    }
}
