import Logging
import NIOCore
import NIOEmbedded
@testable import NetMgrClient
import NetMgrProtocol
import Testing

/// A client core with two servers whose connections are embedded channels the test reads.
final class SelectionHarness {
    let loop = EmbeddedEventLoop()
    let core: ClientCore
    let events: AsyncStream<NetMgrClientEvent>
    let channels: [EmbeddedChannel]

    init() throws {
        let (stream, continuation) = AsyncStream.makeStream(of: NetMgrClientEvent.self)
        events = stream
        let configuration = NetMgrClientConfiguration(
            servers: [ServerAddress(host: "127.0.0.11", port: 7301), ServerAddress(host: "127.0.0.12", port: 7301)], clientName: "test")
        core = ClientCore(loop: loop, configuration: configuration, logger: Logger(label: "test"), events: continuation)
        channels = [EmbeddedChannel(loop: loop), EmbeddedChannel(loop: loop)]
        for (index, link) in core.links.enumerated() {
            link.channel = channels[index]
            try channels[index].connect(to: SocketAddress(ipAddress: link.address.host, port: 7301)).wait()
            core.received(.welcome(version: 1, node: ["node-a", "node-b"][index], cluster: "example"), from: link)
        }
    }

    deinit {
        // Fails the promises a real shutdown fails (open waiters), as NIO requires.
        _ = core.stop()
        loop.run()
    }

    func report(_ server: Int, _ resource: String, _ state: ResourceState, epoch: UInt64) {
        core.received(.resource(name: resource, state: state, epoch: epoch, node: ""), from: core.links[server])
        loop.run()
    }

    /// What the client wrote to a server since the last call.
    func sent(to server: Int) throws -> [ClientMessage] {
        loop.run()
        var stream = ByteBuffer()
        while var chunk = try channels[server].readOutbound(as: ByteBuffer.self) { stream.writeBuffer(&chunk) }
        var decoder = LANFrameDecoder()
        var messages: [ClientMessage] = []
        while var frame = try decoder.decode(buffer: &stream) { messages.append(try ClientMessage.decode(frame: &frame)) }
        return messages
    }

    func open(_ lu: String) -> ClientSession {
        let (_, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        return core.openSession(resource: "TNVIP", lu: lu, hostData: continuation).0
    }

    func submit(_ session: ClientSession, _ byte: UInt8) -> UInt64 {
        core.submit(session, payload: ByteBuffer(bytes: [byte]), ack: nil)
    }
}

@Suite("NetMgrClient server selection")
struct ServerSelectionTests {
    @Test("the active server with the highest epoch is used")
    func highestEpoch() throws {
        let h = try SelectionHarness()
        h.report(0, "TNVIP", .active, epoch: 3)
        h.report(1, "TNVIP", .standby, epoch: 0)
        #expect(h.core.best(for: "TNVIP") === h.core.links[0])
        h.report(1, "TNVIP", .active, epoch: 4)
        #expect(h.core.best(for: "TNVIP") === h.core.links[1])
        h.report(1, "TNVIP", .deactivating, epoch: 4)
        #expect(h.core.best(for: "TNVIP") === h.core.links[0])
    }

    @Test("a session waits while no server has the resource active, then opens and sends what was submitted")
    func waitsForActive() throws {
        let h = try SelectionHarness()
        let session = h.open("VIPLU01")
        _ = h.submit(session, 1)
        #expect(try h.sent(to: 0).isEmpty && h.sent(to: 1).isEmpty)
        h.report(1, "TNVIP", .active, epoch: 1)
        #expect(try h.sent(to: 1) == [.open(session: session.id, resource: "TNVIP", lu: "VIPLU01"),
                                      .data(session: session.id, sequence: 1, payload: ByteBuffer(bytes: [1]))])
    }

    @Test("a newer epoch elsewhere moves the session: CLOSE to the old server, OPEN and replay of unacked messages to the new")
    func newerEpochMoves() throws {
        let h = try SelectionHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        for byte in 1...3 { _ = h.submit(session, UInt8(byte)) }
        h.core.received(.ack(session: session.id, sequence: 1), from: h.core.links[0])
        _ = try h.sent(to: 0)
        // Split brain: node-b activated with a newer epoch while node-a still says active.
        h.report(1, "TNVIP", .active, epoch: 2)
        #expect(try h.sent(to: 0) == [.close(session: session.id)])
        #expect(try h.sent(to: 1) == [
            .open(session: session.id, resource: "TNVIP", lu: "VIPLU01"),
            .data(session: session.id, sequence: 2, payload: ByteBuffer(bytes: [2])),
            .data(session: session.id, sequence: 3, payload: ByteBuffer(bytes: [3])),
        ])
        // The old server's stale "active" does not pull it back.
        h.report(0, "TNVIP", .active, epoch: 1)
        #expect(try h.sent(to: 0).isEmpty)
    }

    @Test("a lost server's sessions move to the other active server with every unacked message")
    func serverLost() throws {
        let h = try SelectionHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU02")
        _ = h.submit(session, 7)
        _ = try h.sent(to: 0)
        h.core.links[0].channel = nil
        h.core.linkClosed(h.core.links[0], reason: "killed")
        #expect(try h.sent(to: 1).isEmpty, "node-b is not active yet")
        h.report(1, "TNVIP", .active, epoch: 2)
        #expect(try h.sent(to: 1) == [.open(session: session.id, resource: "TNVIP", lu: "VIPLU02"),
                                      .data(session: session.id, sequence: 1, payload: ByteBuffer(bytes: [7]))])
    }

    @Test("acks release messages in order; a host rejection drops the message for good")
    func acksAndRejections() throws {
        let h = try SelectionHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU03")
        for byte in 1...4 { _ = h.submit(session, UInt8(byte)) }
        h.core.received(.ack(session: session.id, sequence: 2), from: h.core.links[0])
        #expect(session.unacked.map(\.sequence) == [3, 4])
        h.core.received(.error(session: session.id, code: .hostRejected, sequence: 4, message: "sense 0x0801"), from: h.core.links[0])
        #expect(session.unacked.map(\.sequence) == [3])
    }

    @Test("a GOODBYE moves sessions at once, without waiting for the connection to close")
    func goodbye() throws {
        let h = try SelectionHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        h.report(1, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        _ = try h.sent(to: 0)
        h.core.received(.goodbye(reason: "SIGTERM"), from: h.core.links[0])
        #expect(try h.sent(to: 1).first == .open(session: session.id, resource: "TNVIP", lu: "VIPLU01"))
    }
}
