import Logging
import NIOCore
import NIOEmbedded
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// The router's book of messages handed to the host side: its limit, and host answers
/// that come out of order.
@Suite("Router: host-side queue")
struct RouterQueueTests {
    /// A harness with TNVIP active and session 1 open on VIPLU01.
    func openSession(_ limits: LANLimits = LANLimits()) throws -> (RouterHarness, EmbeddedChannel, FakeAttachment) {
        let harness = try RouterHarness(lanLimits: limits)
        let channel = try harness.connect()
        #expect(try harness.activate(["TNVIP"]).ok)
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        _ = try harness.received(on: channel)
        return (harness, channel, harness.attachment("TNVIP"))
    }

    func data(_ sequence: UInt64, bytes: Int = 1) -> ClientMessage {
        .data(session: 1, sequence: sequence, payload: ByteBuffer(repeating: UInt8(truncatingIfNeeded: sequence), count: bytes))
    }

    func codes(_ messages: [ServerMessage]) -> [(LANErrorCode, UInt64, String)] {
        messages.compactMap { if case .error(1, let code, let sequence, let text) = $0 { (code, sequence, text) } else { nil } }
    }

    @Test("DATA past the per-LU message limit is refused with queue-full and not handed to the host; an answer makes room")
    func messageLimit() throws {
        var limits = LANLimits()
        limits.luQueueMessages = 3
        let (harness, channel, attachment) = try openSession(limits)
        for sequence: UInt64 in 1...4 { try harness.send(data(sequence), on: channel) }
        #expect(attachment.sent.map(\.tag.sequence) == [1, 2, 3])
        let refused = codes(try harness.received(on: channel))
        #expect(refused.map(\.0) == [.queueFull] && refused.map(\.1) == [4])
        #expect(refused.first?.2 == "LU VIPLU01: 3 messages (3 bytes) wait for the host; the limit is 3 messages or 67108864 bytes")

        attachment.delegate?.attachment(attachment, lu: "VIPLU01", accepted: attachment.sent[0].tag)
        #expect(try harness.received(on: channel) == [.ack(session: 1, sequence: 1)])
        try harness.send(data(5), on: channel)
        #expect(attachment.sent.map(\.tag.sequence) == [1, 2, 3, 5])
        // The refused one sent again now would overtake 5 at the host: refused again.
        try harness.send(data(4), on: channel)
        #expect(codes(try harness.received(on: channel)).map(\.0) == [.queueFull])
        #expect(attachment.sent.count == 4)
    }

    @Test("DATA past the per-LU byte limit is refused; a rejection frees its bytes")
    func byteLimit() throws {
        var limits = LANLimits()
        limits.luQueueBytes = 10
        let (harness, channel, attachment) = try openSession(limits)
        try harness.send(data(1, bytes: 6), on: channel)
        try harness.send(data(2, bytes: 6), on: channel)
        #expect(attachment.sent.map(\.tag.sequence) == [1])
        #expect(codes(try harness.received(on: channel)).map(\.0) == [.queueFull])
        attachment.delegate?.attachment(attachment, lu: "VIPLU01", rejected: attachment.sent[0].tag, reason: "no")
        #expect(codes(try harness.received(on: channel)).map(\.0) == [.hostRejected])
        try harness.send(data(3, bytes: 10), on: channel)
        #expect(attachment.sent.map(\.tag.sequence) == [1, 3])
    }

    @Test("a new session on the LU starts with an empty queue")
    func resetOnClose() throws {
        var limits = LANLimits()
        limits.luQueueMessages = 1
        let (harness, channel, attachment) = try openSession(limits)
        try harness.send(data(1), on: channel)
        try harness.send(.close(session: 1), on: channel)
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        _ = try harness.received(on: channel)
        try harness.send(data(1), on: channel)
        #expect(attachment.sent.count == 2)
        #expect(codes(try harness.received(on: channel)).isEmpty)
    }

    @Test("a rejection answered before an earlier acceptance: both reach the client, and ACK never covers a pending message")
    func rejectionBeforeEarlierAck() throws {
        let (harness, channel, attachment) = try openSession()
        for sequence: UInt64 in 1...3 { try harness.send(data(sequence), on: channel) }
        let tags = attachment.sent.map(\.tag)
        let delegate = try #require(attachment.delegate)

        delegate.attachment(attachment, lu: "VIPLU01", rejected: tags[1], reason: "-RSP 1003")
        #expect(try harness.received(on: channel) == [.error(session: 1, code: .hostRejected, sequence: 2, message: "-RSP 1003")])
        delegate.attachment(attachment, lu: "VIPLU01", accepted: tags[2])
        #expect(try harness.received(on: channel).isEmpty, "ACK 3 would say 1 was accepted")
        delegate.attachment(attachment, lu: "VIPLU01", accepted: tags[0])
        #expect(try harness.received(on: channel) == [.ack(session: 1, sequence: 3)])

        // Repeated answers are taken once.
        delegate.attachment(attachment, lu: "VIPLU01", accepted: tags[0])
        delegate.attachment(attachment, lu: "VIPLU01", rejected: tags[1], reason: "-RSP 1003")
        #expect(try harness.received(on: channel).isEmpty)
        // A replay of 1 is confirmed without going to the host again.
        try harness.send(data(1), on: channel)
        #expect(try harness.received(on: channel) == [.ack(session: 1, sequence: 1)])
        #expect(attachment.sent.count == 3)
    }

    @Test("an acceptance answered before an earlier rejection is acked once the rejection settles the first")
    func ackBeforeEarlierRejection() throws {
        let (harness, channel, attachment) = try openSession()
        for sequence: UInt64 in 1...3 { try harness.send(data(sequence), on: channel) }
        let tags = attachment.sent.map(\.tag)
        let delegate = try #require(attachment.delegate)

        delegate.attachment(attachment, lu: "VIPLU01", accepted: tags[1])
        #expect(try harness.received(on: channel).isEmpty)
        delegate.attachment(attachment, lu: "VIPLU01", rejected: tags[0], reason: "-RSP 0801")
        #expect(try harness.received(on: channel) == [.error(session: 1, code: .hostRejected, sequence: 1, message: "-RSP 0801"),
                                                      .ack(session: 1, sequence: 2)])
        delegate.attachment(attachment, lu: "VIPLU01", accepted: tags[2])
        #expect(try harness.received(on: channel) == [.ack(session: 1, sequence: 3)])
    }

    @Test("after a failover the replay starts past 1, with gaps where the old server rejected: acks still flow")
    func replayWithGaps() throws {
        let (harness, channel, attachment) = try openSession()
        for sequence: UInt64 in [5, 7] { try harness.send(data(sequence), on: channel) }
        let delegate = try #require(attachment.delegate)
        delegate.attachment(attachment, lu: "VIPLU01", accepted: attachment.sent[0].tag)
        delegate.attachment(attachment, lu: "VIPLU01", accepted: attachment.sent[1].tag)
        #expect(try harness.received(on: channel) == [.ack(session: 1, sequence: 5), .ack(session: 1, sequence: 7)])
    }
}
