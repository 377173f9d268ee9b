import Logging
import NIOCore
import NIOEmbedded
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// A host side under the test's control: records what the router sends, and lets the
/// test play the host's answers.
final class FakeAttachment: HostAttachment {
    weak var delegate: HostAttachmentDelegate?
    let resourceName: String
    var sent: [(lu: String, tag: MessageTag, payload: ByteBuffer)] = []
    var discarded: [String] = []
    var started = false
    var stopped = false
    /// Fails at start, as a line switch that refuses the line would.
    let failure: String?
    /// What the router handed over as other nodes' connections.
    var stale: [HostConnectionInfo] = []
    var hostVisibleAddress: String { "127.0.0.10" }

    init(resourceName: String, failure: String? = nil) {
        self.resourceName = resourceName
        self.failure = failure
    }

    func start() {
        started = true
        if let failure { delegate?.attachment(self, failed: failure) } else { delegate?.attachmentStarted(self) }
    }

    /// A failed attachment is finished: stopping it again reports nothing.
    func stop() {
        guard failure == nil else { return }
        stopped = true
        delegate?.attachmentStopped(self)
    }
    func send(lu: String, tag: MessageTag, payload: ByteBuffer) { sent.append((lu, tag, payload)) }
    func discardUnsent(lu: String) { discarded.append(lu) }
}

/// The router with one LAN connection on an embedded loop.
final class RouterHarness {
    let loop = EmbeddedEventLoop()
    let router: Router
    var attachments: [String: FakeAttachment] = [:]

    init(failing: [String: String] = [:], epochs: EpochStore? = nil, lanLimits: LANLimits = LANLimits()) throws {
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        var made: [String: FakeAttachment] = [:]
        let box = LockedBox(made)
        router = Router(loop: loop, definitions: definitions, node: definitions.cluster.nodes[0], epochs: epochs,
                        logger: Logger(label: "test"), metrics: DaemonMetrics(), lanLimits: lanLimits, makeAttachment: { runtime, _, stale in
                            let attachment = FakeAttachment(resourceName: runtime.name, failure: failing[runtime.name])
                            attachment.stale = stale
                            box.update { $0[runtime.name] = attachment }
                            return attachment
                        })
        made = [:]
        self.box = box
        router.epochStoreThreads = nil  // the embedded loop runs the store inline
    }

    private let box: LockedBox<[String: FakeAttachment]>
    func attachment(_ resource: String) -> FakeAttachment { box.get()[resource]! }

    func connect(name: String = "app") throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try LANListener.addHandlers(to: channel, router: router)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.50", port: 40000)).wait()
        try send(.hello(minVersion: 1, maxVersion: 1, client: name), on: channel)
        return channel
    }

    func send(_ message: ClientMessage, on channel: EmbeddedChannel) throws {
        var buffer = channel.allocator.buffer(capacity: 64)
        message.encode(into: &buffer)
        try channel.writeInbound(buffer)
        loop.run()
    }

    /// Everything the router wrote to the client so far.
    func received(on channel: EmbeddedChannel) throws -> [ServerMessage] {
        loop.run()
        var messages: [ServerMessage] = []
        var decoder = LANFrameDecoder()
        var stream = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { stream.writeBuffer(&chunk) }
        while var frame = try decoder.decode(buffer: &stream) { messages.append(try ServerMessage.decode(frame: &frame)) }
        return messages
    }

    func activate(_ targets: [String], epoch: UInt64 = 7) throws -> AdminResponse {
        let future = router.handle(AdminRequest(command: .activate, targets: targets, epoch: epoch), metricsText: { "" })
        loop.run()
        return try future.wait()
    }
}

@Suite("Router")
struct RouterTests {
    @Test("HELLO gets WELCOME and the whole resource table")
    func hello() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        let messages = try harness.received(on: channel)
        #expect(messages.first == .welcome(version: 1, node: "node-a", cluster: "example"))
        #expect(messages.contains(.resource(name: "TNVIP", state: .standby, epoch: 0, node: "node-a")))
        #expect(messages.last == .tableEnd)
    }

    @Test("an unsupported version is refused and the connection closed")
    func badVersion() throws {
        let harness = try RouterHarness()
        let channel = EmbeddedChannel(loop: harness.loop)
        try LANListener.addHandlers(to: channel, router: harness.router)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.50", port: 40000)).wait()
        try harness.send(.hello(minVersion: 2, maxVersion: 3, client: "future"), on: channel)
        let messages = try harness.received(on: channel)
        guard case .error(0, .unsupportedVersion, _, let text)? = messages.first else { Issue.record("\(messages)"); return }
        #expect(text.contains("this server speaks 1"))
    }

    @Test("opening on a standby resource, an unknown resource or LU is refused with its code")
    func openRefusals() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        _ = try harness.received(on: channel)
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        try harness.send(.open(session: 2, resource: "NOPE", lu: "X"), on: channel)
        _ = try harness.activate(["TNVIP"])
        try harness.send(.open(session: 3, resource: "TNVIP", lu: "REALLU01"), on: channel)
        let codes = try harness.received(on: channel).compactMap { message -> LANErrorCode? in
            if case .error(_, let code, _, _) = message { return code }
            return nil
        }
        #expect(codes == [.notActive, .unknownResource, .unknownLU])
    }

    @Test("a message is acked only when the host accepted it, and a replay is not sent twice")
    func ackOnlyAfterHost() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        #expect(try harness.activate(["TNVIP"]).ok)
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        _ = try harness.received(on: channel)
        try harness.send(.data(session: 1, sequence: 1, payload: ByteBuffer(bytes: [1])), on: channel)
        try harness.send(.data(session: 1, sequence: 2, payload: ByteBuffer(bytes: [2])), on: channel)
        let attachment = harness.attachment("TNVIP")
        #expect(attachment.sent.map(\.tag.sequence) == [1, 2])
        #expect(try harness.received(on: channel).isEmpty, "nothing is acked before the host accepts")

        attachment.delegate?.attachment(attachment, lu: "VIPLU01", accepted: attachment.sent[0].tag)
        #expect(try harness.received(on: channel) == [.ack(session: 1, sequence: 1)])

        // A replay: 1 was accepted (acked again at once), 2 is on its way (not sent again).
        try harness.send(.data(session: 1, sequence: 1, payload: ByteBuffer(bytes: [1])), on: channel)
        try harness.send(.data(session: 1, sequence: 2, payload: ByteBuffer(bytes: [2])), on: channel)
        #expect(attachment.sent.count == 2)
        #expect(try harness.received(on: channel) == [.ack(session: 1, sequence: 1)])
    }

    @Test("a late acceptance from a closed session does not ack the next session's message")
    func generations() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        _ = try harness.activate(["TNVIP"])
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        try harness.send(.data(session: 1, sequence: 1, payload: ByteBuffer(bytes: [1])), on: channel)
        try harness.send(.close(session: 1), on: channel)
        try harness.send(.open(session: 2, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        try harness.send(.data(session: 2, sequence: 1, payload: ByteBuffer(bytes: [9])), on: channel)
        _ = try harness.received(on: channel)
        let attachment = harness.attachment("TNVIP")
        #expect(attachment.discarded == ["VIPLU01"])
        attachment.delegate?.attachment(attachment, lu: "VIPLU01", accepted: attachment.sent[0].tag)
        #expect(try harness.received(on: channel).isEmpty)
        attachment.delegate?.attachment(attachment, lu: "VIPLU01", accepted: attachment.sent[1].tag)
        #expect(try harness.received(on: channel) == [.ack(session: 2, sequence: 1)])
    }

    @Test("another client cannot take an LU; the same client on a new connection takes it over")
    func luOwnership() throws {
        let harness = try RouterHarness()
        let first = try harness.connect(name: "app-1")
        _ = try harness.activate(["TNVIP"])
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: first)
        _ = try harness.received(on: first)
        let other = try harness.connect(name: "app-2")
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: other)
        #expect(try harness.received(on: other).contains { if case .error(1, .luInUse, _, _) = $0 { return true } else { return false } })
        let again = try harness.connect(name: "app-1")
        try harness.send(.open(session: 5, resource: "TNVIP", lu: "VIPLU01"), on: again)
        #expect(try harness.received(on: again).contains(.opened(session: 5, state: .waitingForHost, hostAddress: "127.0.0.10")))
        #expect(try harness.received(on: first).contains(.closed(session: 1)))
    }

    @Test("host data reaches the session, and waits for one when none is open")
    func hostData() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        _ = try harness.activate(["TNVIP"])
        let attachment = harness.attachment("TNVIP")
        attachment.delegate?.attachment(attachment, lu: "VIPLU04", hostData: ByteBuffer(bytes: [0xF5, 0xC3]))
        try harness.send(.open(session: 4, resource: "TNVIP", lu: "VIPLU04"), on: channel)
        let messages = try harness.received(on: channel)
        #expect(messages.contains(.hostData(session: 4, sequence: 1, payload: ByteBuffer(bytes: [0xF5, 0xC3]))))
    }

    @Test("deactivation announces standby and closes the resource's sessions")
    func deactivation() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        _ = try harness.activate(["hostlink"])
        try harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        _ = try harness.received(on: channel)
        let future = harness.router.handle(AdminRequest(command: .deactivate, targets: ["TNVIP"]), metricsText: { "" })
        harness.loop.run()
        #expect(try future.wait().resources.first?.state == "standby")
        let messages = try harness.received(on: channel)
        #expect(messages.contains(.resource(name: "TNVIP", state: .standby, epoch: 7, node: "node-a")))
        #expect(messages.contains(.closed(session: 1)))
        #expect(harness.attachment("TNVIP").stopped)
    }

    @Test("an activation whose host side fails returns to standby and says why")
    func failedActivation() throws {
        let harness = try RouterHarness(failing: ["SDLC1": "cannot switch the line: ERR stale-epoch"])
        let channel = try harness.connect()
        let response = try harness.activate(["SDLC1"])
        #expect(!response.ok)
        #expect(response.error?.contains("stale-epoch") == true)
        #expect(response.resources.first?.state == "standby")
        let messages = try harness.received(on: channel)
        #expect(messages.contains(.resource(name: "SDLC1", state: .standby, epoch: 7, node: "node-a")))
        // It can be activated again later.
        #expect(harness.router.resources["SDLC1"]!.machine.state == .standby)
    }

    @Test("a watching peer hears of each host connection as it comes up and ends")
    func watchConnections() throws {
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        let attachment = harness.attachment("TNVIP")
        let local = try SocketAddress(ipAddress: "127.0.0.10", port: 41027), remote = try SocketAddress(ipAddress: "127.0.0.100", port: 2323)
        attachment.delegate?.attachment(attachment, lu: "VIPLU01", connectedFrom: local, to: remote, up: true)
        let peer = try harness.connect(name: "netmgrd node-b (peer)")
        try harness.send(.watchConnections, on: peer)
        let info = HostConnectionInfo(resource: "TNVIP", lu: "VIPLU01", up: true, localAddress: "127.0.0.10", localPort: 41027,
                                      remoteAddress: "127.0.0.100", remotePort: 2323)
        #expect(try harness.received(on: peer).contains(.hostConnection(info)), "the snapshot after WATCH")
        attachment.delegate?.attachment(attachment, lu: "VIPLU01", connectedFrom: local, to: remote, up: false)
        var down = info
        down.up = false
        #expect(try harness.received(on: peer) == [.hostConnection(down)])
    }

    @Test("connections a silent peer left at the host are handed to the next activation here")
    func staleConnectionsHandedOver() throws {
        let harness = try RouterHarness()
        let info = HostConnectionInfo(resource: "TNVIP", lu: "VIPLU02", up: true, localAddress: "127.0.0.10", localPort: 40000,
                                      remoteAddress: "127.0.0.100", remotePort: 2323)
        harness.router.peerConnection(info, from: "node-b")
        harness.router.peerConnection(HostConnectionInfo(resource: "TNREAL", lu: "REALLU01", up: true, localAddress: "127.0.0.12",
                                                         localPort: 40001, remoteAddress: "127.0.0.100", remotePort: 2323), from: "node-b")
        _ = try harness.activate(["TNVIP"])
        #expect(harness.attachment("TNVIP").stale == [info])
        // A peer heard from afresh replaces what it said before.
        harness.router.peerConnectionsRestart("node-b")
        #expect(harness.router.peerConnections["node-b"]?.isEmpty == true)
    }

    @Test("a malformed frame gets an error naming it and the connection closes")
    func malformed() throws {
        let harness = try RouterHarness()
        let channel = try harness.connect()
        _ = try harness.received(on: channel)
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 3, 0x02, 0, 0]))
        harness.loop.run()
        let messages = try harness.received(on: channel)
        guard case .error(0, .malformed, _, let text)? = messages.first else { Issue.record("\(messages)"); return }
        #expect(text.contains("OPEN session"))
    }
}
