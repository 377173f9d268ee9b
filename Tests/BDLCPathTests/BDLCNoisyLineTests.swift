import BasicMode
import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// At-least-once on a bad line: host elements lost and station bytes corrupted at random
/// (seeded: the fault decisions repeat for a seed, the timing around them may not). Every client message is ACKed to the client
/// exactly once, in order per LU, and reaches the host at least once.
@Suite("BDLC: a noisy line loses nothing")
struct BDLCNoisyLineTests {
    @Test(arguments: [UInt64(1), 7, 42, 2026, 31337])
    func everyMessageGetsThrough(seed: UInt64) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let address = try #require(BasicModeStationAddress(rawValue: 0x41))
        let host = InProcessHost(address: address, messages: [], noise: LineNoise(seed: seed, dropPercent: 15, flipPercent: 15))
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
        let count: UInt64 = 40
        let (attachment, delegate) = try await loop.submit {
            let attachment = try BDLCAttachment(plan: plan, loop: loop, retry: RetryPolicy(), replyTimeout: .milliseconds(100), logger: Logger(label: "test"))
            let delegate = RecordingDelegate()
            attachment.delegate = delegate
            attachment.start()
            for sequence in 1...count {
                attachment.send(lu: sequence % 2 == 0 ? "BSLU02" : "BSLU03", tag: MessageTag(generation: 1, sequence: sequence),
                                payload: ByteBuffer(string: "message \(sequence)"))
            }
            return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
        }.get()

        func accepted() async throws -> [String: [UInt64]] { try await loop.submit { delegate.value.accepted }.get() }
        let done = try await eventually(.seconds(60)) { try await accepted().values.reduce(0) { $0 + $1.count } == Int(count) }
        let faults = host.faults.withLockedValue { $0 }
        let byLU = try await accepted()
        #expect(done, "seed \(seed): \(byLU.values.reduce(0) { $0 + $1.count }) of \(count) accepted; faults \(faults)")
        #expect(byLU["BSLU02"] == Array(stride(from: UInt64(2), through: count, by: 2)), "seed \(seed)")
        #expect(byLU["BSLU03"] == Array(stride(from: UInt64(1), through: count, by: 2)), "seed \(seed)")
        let received = host.received.withLockedValue { $0 }
        for sequence in 1...count {
            let line = "\(sequence % 2 == 0 ? 2 : 3) message \(sequence)"
            #expect(received.contains(line), "seed \(seed): message \(sequence) never reached the host")
        }
        #expect(faults.dropped + faults.flipped > 0, "seed \(seed): the line was not noisy at all")
        print("BDLC noisy line, seed \(seed): \(faults.dropped) host elements lost, \(faults.flipped) station chunks corrupted, "
              + "\(received.count) messages at the host for \(count) sent")

        try await loop.submit { attachment.value.stop() }.get()
        #expect(try await eventually { try await loop.submit { delegate.value.stopped }.get() == 1 })
        try await server.close()
        try await group.shutdownGracefully()
    }
}
