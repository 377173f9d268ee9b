import NIOCore
@testable import NetMgrClient
import NetMgrProtocol
import Testing

/// ERROR queue-full for a DATA sequence: the server would not take that message.
@Suite("NetMgrClient: server queue-full")
struct ServerQueueFullTests {
    @Test("queue-full for a sequence fails that message with serverQueueFull, drops it from the replay ledger and goes on")
    func failsTheMessage() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU03")
        for byte in 1...3 { h.submit(session, [UInt8(byte)]) }
        _ = h.take()
        let text = "LU VIPLU03: 4096 messages (4096 bytes) wait for the host; the limit is 4096 messages or 67108864 bytes"
        h.receive(.error(session: session, code: .queueFull, sequence: 2, message: text), from: 0)
        let actions = h.take()
        #expect(actions.contains(.messageFailed(session: session, sequence: 2,
                                                .serverQueueFull(resource: "TNVIP", lu: "VIPLU03", sequence: 2, detail: text))))
        #expect(!actions.contains { if case .send = $0 { true } else { false } }, "the session stays where it is")
        #expect(h.machine.sessions[session]?.unacked.map(\.sequence) == [1, 3])
        // Said again (a replay answered a second time): nothing more to fail.
        h.receive(.error(session: session, code: .queueFull, sequence: 2, message: text), from: 0)
        #expect(!h.take().contains { if case .messageFailed = $0 { true } else { false } })
        h.receive(.ack(session: session, sequence: 3), from: 0)
        #expect(h.take().filter { if case .messageAcked = $0 { true } else { false } }
            == [.messageAcked(session: session, sequence: 1), .messageAcked(session: session, sequence: 3)])
        #expect(h.machine.sessions[session]?.unacked.isEmpty == true)
    }

    @Test("a failover replays what is left, without the refused message")
    func replayWithoutRefused() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU03")
        for byte in 1...3 { h.submit(session, [UInt8(byte)]) }
        h.receive(.error(session: session, code: .queueFull, sequence: 1, message: "full"), from: 0)
        _ = h.take()
        h.report(1, "TNVIP", .active, epoch: 2)
        #expect(h.sent(to: 1).compactMap { message -> UInt64? in if case .data(_, let sequence, _) = message { sequence } else { nil } } == [2, 3])
    }

    @Test("send throws serverQueueFull for the refused message over a real connection; the next one goes on")
    func overLoopback() async throws {
        let server = try await ScriptedLANServer { session, sequence in
            sequence == 1 ? [.error(session: session, code: .queueFull, sequence: 1, message: "LU VIPLU01: 4096 messages wait")]
                          : [.ack(session: session, sequence: sequence)]
        }
        var configuration = NetMgrClientConfiguration(servers: [ServerAddress(host: "127.0.0.1", port: server.port)], clientName: "queue-full-test")
        configuration.sessionQueueLimit = 16
        let client = NetMgrClient(configuration: configuration)
        client.start()
        let session = try await client.openSession(resource: "TNVIP", lu: "VIPLU01")
        await #expect(throws: NetMgrClientError.serverQueueFull(resource: "TNVIP", lu: "VIPLU01", sequence: 1, detail: "LU VIPLU01: 4096 messages wait")) {
            try await session.send([0x7D, 1])
        }
        #expect(try await session.send([0x7D, 2]) == 2)
        #expect(try await session.unacknowledged() == 0)
        await client.shutdown()
        await server.stop()
    }
}
