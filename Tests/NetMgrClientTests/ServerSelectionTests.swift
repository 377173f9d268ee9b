import NIOCore
import NIOPosix
@testable import NetMgrClient
import NetMgrProtocol
import Testing

/// A client state machine with two servers (node-a, node-b), both connected and welcomed.
/// No sockets: the test feeds events and reads the actions.
struct MachineHarness {
    var machine: ClientStateMachine
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var connections: [ClientStateMachine.ConnectionID] = []
    /// Every action so far, oldest first.
    var log: [ClientStateMachine.Action] = []
    private var read = 0

    init(configure: (inout NetMgrClientConfiguration) -> Void = { _ in }) {
        var configuration = NetMgrClientConfiguration(
            servers: [ServerAddress(host: "127.0.0.11", port: 7301), ServerAddress(host: "127.0.0.12", port: 7301)], clientName: "test")
        configure(&configuration)
        machine = ClientStateMachine(configuration: configuration)
        for action in machine.start(now: now) {
            if case .connect(_, let connection) = action { connections.append(connection) }
        }
        for server in 0..<2 {
            apply(machine.connected(server: server, connection: connections[server], now: now))
            receive(.welcome(version: 1, node: ["node-a", "node-b"][server], cluster: "example"), from: server)
        }
        _ = take()
    }

    mutating func apply(_ actions: [ClientStateMachine.Action]) { log += actions }

    mutating func receive(_ message: ServerMessage, from server: Int) {
        apply(machine.received(message, server: server, connection: connections[server], now: now))
    }

    mutating func report(_ server: Int, _ resource: String, _ state: ResourceState, epoch: UInt64) {
        receive(.resource(name: resource, state: state, epoch: epoch, node: ""), from: server)
    }

    mutating func open(_ lu: String, resource: String = "TNVIP") -> UInt32 {
        let (id, actions) = machine.openSession(resource: resource, lu: lu, now: now)
        apply(actions)
        return id
    }

    @discardableResult
    mutating func submit(_ session: UInt32, _ bytes: [UInt8], mode: ClientStateMachine.SubmitMode = .fail) -> ClientStateMachine.SubmitResult {
        let (result, actions) = machine.submit(session: session, resource: "TNVIP", lu: "VIPLU01", payload: ByteBuffer(bytes: bytes), mode: mode)
        apply(actions)
        return result
    }

    /// The actions since the last call.
    mutating func take() -> [ClientStateMachine.Action] {
        defer { read = log.count }
        return Array(log[read...])
    }

    /// The frames sent to `server` since the last `take()`, which this call is.
    mutating func sent(to server: Int) -> [ClientMessage] {
        take().compactMap { action in
            if case .send(let message, server, _) = action { return message }
            return nil
        }
    }
}

@Suite("NetMgrClient state machine")
struct ServerSelectionTests {
    @Test("the active server with the highest epoch is used")
    func highestEpoch() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 3)
        h.report(1, "TNVIP", .standby, epoch: 0)
        #expect(h.machine.best(for: "TNVIP") == 0)
        h.report(1, "TNVIP", .active, epoch: 4)
        #expect(h.machine.best(for: "TNVIP") == 1)
        h.report(1, "TNVIP", .deactivating, epoch: 4)
        #expect(h.machine.best(for: "TNVIP") == 0)
    }

    @Test("an epoch past the cluster's ceiling is not believed: it cannot win the choice for good")
    func epochPastTheCeiling() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 3)
        h.report(1, "TNVIP", .active, epoch: UInt64.max)
        #expect(h.machine.best(for: "TNVIP") == 0)
        #expect(h.take().contains { if case .log(.error, let text) = $0 { text.contains("past the largest allowed") } else { false } })
        // A sane epoch from the same server is taken again.
        h.report(1, "TNVIP", .active, epoch: 4)
        #expect(h.machine.best(for: "TNVIP") == 1)
    }

    @Test("a session waits while no server has the resource active, then opens and sends what was submitted")
    func waitsForActive() {
        var h = MachineHarness()
        let session = h.open("VIPLU01")
        #expect(h.submit(session, [1]) == .accepted(sequence: 1))
        #expect(h.sent(to: 0).isEmpty)
        h.report(1, "TNVIP", .active, epoch: 1)
        let actions = h.take()
        #expect(actions.contains(.send(.open(session: session, resource: "TNVIP", lu: "VIPLU01"), server: 1, connection: h.connections[1])))
        #expect(actions.contains(.send(.data(session: session, sequence: 1, payload: ByteBuffer(bytes: [1])), server: 1, connection: h.connections[1])))
        h.receive(.opened(session: session, state: .bound, hostAddress: "127.0.0.10"), from: 1)
        #expect(h.take().contains(.openSucceeded(session: session)))
    }

    @Test("a newer epoch elsewhere moves the session: CLOSE to the old server, OPEN and replay of unacked messages to the new")
    func newerEpochMoves() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        for byte in 1...3 { h.submit(session, [UInt8(byte)]) }
        h.receive(.ack(session: session, sequence: 1), from: 0)
        _ = h.take()
        // Split brain: node-b activated with a newer epoch while node-a still says active.
        h.report(1, "TNVIP", .active, epoch: 2)
        let actions = h.take()
        let toA = actions.compactMap { if case .send(let m, 0, _) = $0 { m } else { nil } }
        let toB = actions.compactMap { if case .send(let m, 1, _) = $0 { m } else { nil } }
        #expect(toA == [.close(session: session)])
        #expect(toB == [
            .open(session: session, resource: "TNVIP", lu: "VIPLU01"),
            .data(session: session, sequence: 2, payload: ByteBuffer(bytes: [2])),
            .data(session: session, sequence: 3, payload: ByteBuffer(bytes: [3])),
        ])
        // node-a answers the CLOSE; that does not disturb the session on node-b.
        h.receive(.closed(session: session), from: 0)
        // The old server's stale "active" does not pull it back.
        h.report(0, "TNVIP", .active, epoch: 1)
        #expect(h.sent(to: 0).isEmpty)
        #expect(h.machine.sessions[session]?.place?.server == 1)
    }

    @Test("a lost server's sessions move to the other active server with every unacked message")
    func serverLost() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU02")
        h.submit(session, [7])
        _ = h.take()
        h.apply(h.machine.connectionClosed(server: 0, connection: h.connections[0], reason: "killed", now: h.now))
        let lost = h.take()
        #expect(lost.contains(.emit(.serverLost(server: ServerAddress(host: "127.0.0.11", port: 7301), reason: "killed"))))
        #expect(lost.contains { if case .schedule(.reconnect(server: 0), _) = $0 { true } else { false } })
        #expect(!lost.contains { if case .send = $0 { true } else { false } }, "node-b is not active yet")
        h.report(1, "TNVIP", .active, epoch: 2)
        #expect(h.sent(to: 1) == [.open(session: session, resource: "TNVIP", lu: "VIPLU02"),
                                  .data(session: session, sequence: 1, payload: ByteBuffer(bytes: [7]))])
    }

    @Test("acks release messages in order; a host rejection fails that sequence with a typed error, drops it and goes on")
    func acksAndRejections() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU03")
        for byte in 1...4 { h.submit(session, [UInt8(byte)]) }
        _ = h.take()
        h.receive(.ack(session: session, sequence: 2), from: 0)
        #expect(h.take().filter { if case .messageAcked = $0 { true } else { false } }
            == [.messageAcked(session: session, sequence: 1), .messageAcked(session: session, sequence: 2)])
        h.receive(.ack(session: session, sequence: 1), from: 0)
        #expect(h.take().isEmpty, "a duplicate ack changes nothing")
        h.receive(.error(session: session, code: .hostRejected, sequence: 3, message: "closed by the host 3 times"), from: 0)
        #expect(h.take().contains(.messageFailed(session: session, sequence: 3,
                                                 .hostRejected(resource: "TNVIP", lu: "VIPLU03", sequence: 3, reason: "closed by the host 3 times"))))
        #expect(h.machine.sessions[session]?.unacked.map(\.sequence) == [4])
        // A failover replays only what is left.
        h.report(1, "TNVIP", .active, epoch: 2)
        #expect(h.sent(to: 1).filter { if case .data = $0 { true } else { false } } == [.data(session: session, sequence: 4, payload: ByteBuffer(bytes: [4]))])
    }

    @Test("a GOODBYE moves sessions at once, without waiting for the connection to close")
    func goodbye() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        h.report(1, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        _ = h.take()
        h.receive(.goodbye(reason: "SIGTERM"), from: 0)
        #expect(h.sent(to: 1).first == .open(session: session, resource: "TNVIP", lu: "VIPLU01"))
    }

    @Test("a message larger than a LAN frame carries is refused at submit; the largest that fits is taken and decodes")
    func tooLarge() throws {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        let limit = NetMgrClientConfiguration.maximumMessageSize
        #expect(h.submit(session, [UInt8](repeating: 0x40, count: limit + 1))
            == .refused(.tooLarge(resource: "TNVIP", lu: "VIPLU01", size: limit + 1, limit: limit)))
        #expect(h.machine.sessions[session]?.unacked.isEmpty == true)
        #expect(h.submit(session, [UInt8](repeating: 0x40, count: limit)) == .accepted(sequence: 1))
        // The largest message is exactly one LAN frame: the decoder takes it.
        var buffer = ByteBuffer()
        ClientMessage.data(session: session, sequence: 1, payload: ByteBuffer(repeating: 0x40, count: limit)).encode(into: &buffer)
        var decoder = LANFrameDecoder()
        var frame = try #require(try decoder.decode(buffer: &buffer))
        #expect(try ClientMessage.decode(frame: &frame) == .data(session: session, sequence: 1, payload: ByteBuffer(repeating: 0x40, count: limit)))
        var larger = ByteBuffer()
        ClientMessage.data(session: session, sequence: 2, payload: ByteBuffer(repeating: 0x40, count: limit + 1)).encode(into: &larger)
        #expect(throws: LANProtocolError.self) { try decoder.decode(buffer: &larger) }
    }

    @Test("a full session queue: trySubmit fails with queueFull, submit waits and goes out in order once acks make room")
    func queueLimit() {
        var h = MachineHarness { $0.sessionQueueLimit = 2 }
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        h.submit(session, [1])
        h.submit(session, [2])
        #expect(h.submit(session, [3]) == .refused(.queueFull(resource: "TNVIP", lu: "VIPLU01", limit: 2)))
        #expect(h.submit(session, [3], mode: .wait(10)) == .waiting)
        #expect(h.submit(session, [4], mode: .wait(11)) == .waiting)
        #expect(h.submit(session, [5]) == .refused(.queueFull(resource: "TNVIP", lu: "VIPLU01", limit: 2)), "no overtaking the waiting ones")
        _ = h.take()
        h.receive(.ack(session: session, sequence: 1), from: 0)
        let actions = h.take()
        #expect(actions.contains(.submitAccepted(10, session: session, sequence: 3)))
        #expect(actions.contains(.send(.data(session: session, sequence: 3, payload: ByteBuffer(bytes: [3])), server: 0, connection: h.connections[0])))
        #expect(!actions.contains { if case .submitAccepted(11, _, _) = $0 { true } else { false } })
        let cancelled = h.machine.cancelSubmit(11, session: session)
        #expect(cancelled)
        h.receive(.ack(session: session, sequence: 3), from: 0)
        #expect(h.machine.sessions[session]?.unacked.isEmpty == true)
    }

    @Test("closing a session fails what the host has not accepted with sessionClosed; CLOSED ends it")
    func closeFailsPending() {
        var h = MachineHarness { $0.sessionQueueLimit = 1 }
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        h.receive(.opened(session: session, state: .bound, hostAddress: "127.0.0.10"), from: 0)
        h.submit(session, [1])
        h.submit(session, [2], mode: .wait(5))
        _ = h.take()
        h.apply(h.machine.close(session: session))
        let closed = NetMgrClientError.sessionClosed(resource: "TNVIP", lu: "VIPLU01")
        let actions = h.take()
        #expect(actions.contains(.messageFailed(session: session, sequence: 1, closed)))
        #expect(actions.contains(.submitFailed(5, closed)))
        #expect(actions.contains(.send(.close(session: session), server: 0, connection: h.connections[0])))
        #expect(h.submit(session, [3]) == .refused(closed))
        h.receive(.closed(session: session), from: 0)
        #expect(h.take() == [.sessionEnded(session: session)])
    }

    @Test("a session closed while the server was taking it away ends when the refusal arrives, instead of waiting forever")
    func closeRacesTakeover() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        h.apply(h.machine.close(session: session))
        _ = h.take()
        // The server had handed the LU over before our CLOSE: it says lu-in-use, CLOSED, then unknown-session for the CLOSE.
        h.receive(.error(session: session, code: .luInUse, sequence: 0, message: "taken over"), from: 0)
        #expect(h.take() == [.sessionEnded(session: session)])
        h.receive(.closed(session: session), from: 0)
        h.receive(.error(session: session, code: .unknownSession, sequence: 0, message: "no session"), from: 0)
        #expect(h.take().allSatisfy { if case .log(.debug, _) = $0 { true } else { false } })
    }

    @Test("opening an LU the server does not define fails with unknownLU; a resource no server defines with unknownResource")
    func unknownNames() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("NOSUCH")
        h.receive(.error(session: session, code: .unknownLU, sequence: 0, message: "resource TNVIP has no LU NOSUCH"), from: 0)
        #expect(h.take().contains(.openFailed(session: session, .unknownLU(resource: "TNVIP", lu: "NOSUCH", detail: "resource TNVIP has no LU NOSUCH"))))
        #expect(h.machine.sessions[session] == nil)
        let other = h.open("LU1", resource: "NORES")
        #expect(h.take().isEmpty, "tables not complete yet: it may still appear")
        h.receive(.tableEnd, from: 1)
        #expect(h.take().contains(.openFailed(session: other, .unknownResource(resource: "NORES", detail: "no server defines it"))))
    }

    @Test("a refused session (LU still held) is reported, waits reopenDelay and opens again")
    func refusedRetries() {
        var h = MachineHarness()
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        _ = h.take()
        h.receive(.error(session: session, code: .luInUse, sequence: 0, message: "LU VIPLU01 is held"), from: 0)
        let actions = h.take()
        #expect(actions.contains(.emit(.sessionRefused(lu: "VIPLU01", error: .luInUse(resource: "TNVIP", lu: "VIPLU01", detail: "LU VIPLU01 is held")))))
        #expect(actions.contains(.schedule(.reopen(session: session), at: h.now + .milliseconds(50))))
        h.report(0, "TNVIP", .active, epoch: 1)
        #expect(h.sent(to: 0).isEmpty, "no reopen before the delay")
        h.now = h.now + .milliseconds(50)
        h.apply(h.machine.timerFired(.reopen(session: session), now: h.now))
        #expect(h.sent(to: 0) == [.open(session: session, resource: "TNVIP", lu: "VIPLU01")])
    }

    @Test("a server silent longer than serverTimeout is closed at the next ping")
    func silentServer() {
        var h = MachineHarness()
        h.now = h.now + .milliseconds(250)
        h.apply(h.machine.timerFired(.ping(server: 0, connection: h.connections[0]), now: h.now))
        #expect(h.sent(to: 0) == [.ping(token: 1)])
        h.now = h.now + .milliseconds(2_001)
        h.apply(h.machine.timerFired(.ping(server: 0, connection: h.connections[0]), now: h.now))
        #expect(h.take() == [.closeConnection(server: 0, connection: h.connections[0])])
    }

    @Test("reconnection backs off from reconnectInitial, doubling up to reconnectMaximum; a zero interval cannot spin")
    func backoff() {
        var h = MachineHarness { $0.reconnectInitial = .milliseconds(20); $0.reconnectMaximum = .milliseconds(100) }
        var delays: [Int64] = []
        var connection = h.connections[0]
        h.apply(h.machine.connectionClosed(server: 0, connection: connection, reason: "reset", now: h.now))
        for _ in 0..<5 {
            guard case .schedule(.reconnect(server: 0), let deadline)? = h.take().last(where: { if case .schedule(.reconnect, _) = $0 { true } else { false } })
            else { Issue.record("no reconnect scheduled"); return }
            delays.append((deadline - h.now).nanoseconds / 1_000_000)
            h.now = deadline
            h.apply(h.machine.timerFired(.reconnect(server: 0), now: h.now))
            guard case .connect(0, let next)? = h.take().first else { Issue.record("no connect"); return }
            connection = next
            h.apply(h.machine.connectFailed(server: 0, connection: connection, reason: "refused", now: h.now))
        }
        #expect(delays == [20, 40, 80, 100, 100])

        var zero = MachineHarness { $0.pingInterval = .zero; $0.reconnectInitial = .zero }
        _ = zero.take()
        zero.apply(zero.machine.timerFired(.ping(server: 0, connection: zero.connections[0]), now: zero.now))
        #expect(zero.take().contains(.schedule(.ping(server: 0, connection: zero.connections[0]), at: zero.now + .milliseconds(1))))
    }

    @Test("shutdown fails every pending call with clientShutDown")
    func shutdown() {
        var h = MachineHarness { $0.sessionQueueLimit = 1 }
        h.report(0, "TNVIP", .active, epoch: 1)
        let session = h.open("VIPLU01")
        h.submit(session, [1])
        h.submit(session, [2], mode: .wait(3))
        h.apply(h.machine.waitUntilActive("TNREAL"))
        _ = h.take()
        h.apply(h.machine.shutdown())
        let actions = h.take()
        for expected: ClientStateMachine.Action in [
            .resourceWaitFailed(resource: "TNREAL", .clientShutDown), .openFailed(session: session, .clientShutDown),
            .messageFailed(session: session, sequence: 1, .clientShutDown), .submitFailed(3, .clientShutDown),
            .sessionEnded(session: session), .closeConnection(server: 0, connection: h.connections[0]),
        ] {
            #expect(actions.contains(expected))
        }
        #expect(h.submit(session, [4]) == .refused(.clientShutDown))
    }

    @Test("NetMgrClient can be created on its own event loop without blocking or trapping")
    func initOnItsLoop() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let configuration = NetMgrClientConfiguration(servers: [ServerAddress(host: "127.0.0.1", port: 9)], clientName: "init-test")
        // The old init waited on the loop (`try! submit{}.wait()`), which traps when called there.
        let client = try await loop.submit { NetMgrClient(configuration: configuration, eventLoop: loop) }.get()
        await client.shutdown()
        await #expect(throws: NetMgrClientError.clientShutDown) { try await client.waitUntilActive("TNVIP") }
    }
}
