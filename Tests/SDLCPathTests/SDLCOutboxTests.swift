import NIOCore
@testable import NetMgrServer
import Testing

@Suite("SDLC attachment outbox")
struct SDLCOutboxTests {
    static func tag(_ sequence: UInt64) -> MessageTag { MessageTag(generation: 1, sequence: sequence) }

    @Test func keepsMessagesUntilAnsweredAndResendsAfterSessionLoss() {
        var outbox = SDLCOutbox()
        for sequence in UInt64(1)...4 { outbox.add(lu: 2, tag: Self.tag(sequence), payload: ByteBuffer(bytes: [UInt8(sequence)])) }
        var next: UInt16 = 10
        var submitted: [[UInt8]] = []
        outbox.flush(lu: 2) { payload in
            submitted.append(Array(payload.readableBytesView))
            defer { next += 1 }
            return next
        }
        #expect(submitted == [[1], [2], [3], [4]])
        #expect(outbox.answered(lu: 2, sequenceNumber: 10) == Self.tag(1))
        #expect(outbox.answered(lu: 2, sequenceNumber: 10) == nil, "answered once only")
        #expect(outbox.answered(lu: 3, sequenceNumber: 11) == nil, "another LU's numbers are its own")

        // The link drops: 2, 3 and 4 go again, in order, after the next BIND.
        outbox.sessionEnded(lu: 2)
        outbox.add(lu: 2, tag: Self.tag(5), payload: ByteBuffer(bytes: [5]))
        submitted = []
        next = 1
        outbox.flush(lu: 2) { payload in
            submitted.append(Array(payload.readableBytesView))
            defer { next += 1 }
            return next <= 2 ? next : nil  // the session refuses after two
        }
        #expect(submitted == [[2], [3], [4]])
        #expect(outbox.count(lu: 2) == 4)

        // A new client session: what was never submitted is dropped, what is in flight stays.
        outbox.discardUnsent(lu: 2)
        #expect(outbox.count(lu: 2) == 2)
        #expect(outbox.answered(lu: 2, sequenceNumber: 2) == Self.tag(3))
    }

    @Test func transmissionServicesProfileDecidesWhetherToWaitForSDT() {
        #expect(SDLCLinkSession.bindAwaitsStartDataTraffic(ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x03, 0xB1])))
        #expect(!SDLCLinkSession.bindAwaitsStartDataTraffic(ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x07])))
        #expect(!SDLCLinkSession.bindAwaitsStartDataTraffic(ByteBuffer(bytes: [0x31])))
    }
}
