import BasicMode
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// What the attachment holds for the host while the line is open but the host has not polled:
/// discarding a client's unsent messages, and the bound on the station's queue.
@Suite("BDLC: held messages")
struct BDLCAttachmentQueueTests {
    /// Opens an attachment on a host end that accepts the line and never polls, runs `body`
    /// on the loop once the line is open, and stops everything.
    func withOpenLine<T: Sendable>(maximumQueued: Int = 256, _ body: @escaping @Sendable (BDLCAttachment, RecordingDelegate) throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address = "127.0.31.\(Int.random(in: 90...99))"
        let host = try await BDLCAttachmentLinkTests.SilentHost(group: group, host: address, closeAtOnce: false)
        let loop = group.next()
        let plan = try BDLCAttachmentLinkTests().plan(port: host.port, host: address, pollTimeout: .seconds(60))
        let (attachment, delegate) = try await loop.submit {
            let attachment = try BDLCAttachment(plan: plan, loop: loop, retry: RetryPolicy(), maximumQueued: maximumQueued, logger: Logger(label: "test"))
            let delegate = RecordingDelegate()
            attachment.delegate = delegate
            attachment.start()
            return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
        }.get()
        let opened = await eventually(.seconds(10)) { (try? await loop.submit { attachment.value.phase == .running }.get()) ?? false }
        let result: Result<T, any Error>
        do {
            result = .success(try await loop.submit { try body(attachment.value, delegate.value) }.get())
        } catch {
            result = .failure(error)
        }
        try await loop.submit { attachment.value.stop() }.get()
        _ = await eventually { (try? await loop.submit { delegate.value.stopped }.get()) == 1 }
        await host.close()
        try await group.shutdownGracefully()
        try #require(opened, "the line did not open")
        return try result.get()
    }

    @Test("discardUnsent while the line runs drops the LU's queued messages, not the other LU's")
    func discardWhileRunning() async throws {
        let (before, after, rejected) = try await withOpenLine { attachment, delegate in
            for sequence in 1...3 {
                attachment.send(lu: "BSLU02", tag: MessageTag(generation: 1, sequence: UInt64(sequence)), payload: ByteBuffer(string: "old client"))
            }
            attachment.send(lu: "BSLU03", tag: MessageTag(generation: 1, sequence: 4), payload: ByteBuffer(string: "other LU"))
            let before = attachment.heldMessages
            attachment.discardUnsent(lu: "BSLU02")
            return (before, attachment.heldMessages, delegate.rejected.count)
        }
        #expect(before == 4)
        #expect(after == 1, "only BSLU03's message is held")
        #expect(rejected == 0)
    }

    @Test("beyond the station's maximumQueued messages wait in the attachment, none is rejected")
    func backlogHeldNotRejected() async throws {
        let (held, inStation, rejected) = try await withOpenLine(maximumQueued: 3) { attachment, delegate in
            for sequence in 1...5 {
                attachment.send(lu: "BSLU02", tag: MessageTag(generation: 1, sequence: UInt64(sequence)), payload: ByteBuffer(string: "m"))
            }
            return (attachment.heldMessages, attachment.stationQueued, delegate.rejected.map { "\($0.lu) \($0.sequence) \($0.reason)" })
        }
        #expect(held == 5, "every message is held until the host ACKs it")
        #expect(inStation == 3, "the station's queue stays within its bound")
        // A slow host is not a host that refused: a rejection is final for the client, which
        // had already been told its submit went through (the failover bench's lost messages).
        #expect(rejected.isEmpty, "\(rejected)")
    }
}
