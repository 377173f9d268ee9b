import Logging
import NIOCore
import NIOEmbedded
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Synchronization
import Testing

/// Log lines the router wrote, by level.
final class CapturedLog: Sendable {
    private let lines = Mutex<[(Logger.Level, String)]>([])

    var logger: Logger {
        Logger(label: "test") { _ in CapturingLogHandler(log: self) }
    }

    func append(_ level: Logger.Level, _ line: String) { lines.withLock { $0.append((level, line)) } }
    func lines(at level: Logger.Level) -> [String] { lines.withLock { $0.filter { $0.0 == level }.map(\.1) } }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        log.append(event.level, event.message.description)
    }
}

/// An attachment that also takes host-to-client flow control, as TN3270Attachment does.
final class FlowControlledAttachment: HostAttachment, HostDataFlowControl {
    weak var delegate: HostAttachmentDelegate?
    let resourceName: String
    var hostVisibleAddress: String { "127.0.0.10" }
    /// Every pause (true) and resume (false) asked for, in order.
    var requests: [(paused: Bool, lu: String)] = []

    init(resourceName: String) { self.resourceName = resourceName }
    func start() { delegate?.attachmentStarted(self) }
    func stop() { delegate?.attachmentStopped(self) }
    /// The tags of the messages handed over, to accept them as the host.
    var sent: [MessageTag] = []

    func send(lu: String, tag: MessageTag, payload: ByteBuffer) { sent.append(tag) }
    func discardUnsent(lu: String) {}
    func setHostDataPaused(_ paused: Bool, lu: String) { requests.append((paused, lu)) }
}

@Suite("Router: LAN limits")
struct LANLimitsRouterTests {
    static func router(loop: EmbeddedEventLoop, log: CapturedLog, limits: LANLimits = LANLimits()) throws -> (Router, () -> FlowControlledAttachment?) {
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let made = LockedBox<FlowControlledAttachment?>(nil)
        let router = Router(loop: loop, definitions: definitions, node: definitions.cluster.nodes[0], epochs: nil, logger: log.logger,
                            metrics: DaemonMetrics(), lanLimits: limits, makeAttachment: { runtime, _, _ in
                                let attachment = FlowControlledAttachment(resourceName: runtime.name)
                                if runtime.name == "TNVIP" { made.update { $0 = attachment } }
                                return attachment
                            })
        return (router, { made.get() })
    }

    static func channel(_ router: Router, _ loop: EmbeddedEventLoop, port: Int = 40000) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try LANListener.addHandlers(to: channel, router: router)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.50", port: port)).wait()
        return channel
    }

    static func send(_ message: ClientMessage, on channel: EmbeddedChannel, _ loop: EmbeddedEventLoop) throws {
        var buffer = channel.allocator.buffer(capacity: 64)
        message.encode(into: &buffer)
        try channel.writeInbound(buffer)
        loop.run()
    }

    static func received(on channel: EmbeddedChannel, _ loop: EmbeddedEventLoop) throws -> [ServerMessage] {
        loop.run()
        var messages: [ServerMessage] = []
        var decoder = LANFrameDecoder()
        var stream = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { stream.writeBuffer(&chunk) }
        while var frame = try decoder.decode(buffer: &stream) { messages.append(try ServerMessage.decode(frame: &frame)) }
        return messages
    }

    static func activate(_ router: Router, _ loop: EmbeddedEventLoop) throws {
        let future = router.handle(AdminRequest(command: .activate, targets: ["TNVIP"], epoch: 7), metricsText: { "" })
        loop.run()
        #expect(try future.wait().ok)
    }

    @Test("a connection that says nothing is closed at the HELLO deadline; one that said HELLO stays")
    func handshakeDeadline() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        var limits = LANLimits()
        limits.handshakeTimeoutSeconds = 5
        let (router, _) = try Self.router(loop: loop, log: log, limits: limits)
        let silent = try Self.channel(router, loop, port: 40001)
        let greeted = try Self.channel(router, loop, port: 40002)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "app"), on: greeted, loop)
        loop.advanceTime(by: .milliseconds(4_900))
        #expect(silent.isActive)
        loop.advanceTime(by: .milliseconds(200))
        guard case .error(0, .malformed, _, let text)? = try Self.received(on: silent, loop).first else { Issue.record("no ERROR"); return }
        #expect(text == "no HELLO within 5 s")
        #expect(!silent.isActive)
        #expect(greeted.isActive)
        #expect(router.connections.count == 1)
    }

    @Test("the first frame may be 4 KiB at most; after HELLO a larger frame is fine")
    func helloFrameLimit() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        let (router, _) = try Self.router(loop: loop, log: log)
        let attacker = try Self.channel(router, loop)
        // The header of a 1 MiB frame is enough to refuse it: nothing more is buffered.
        _ = try? attacker.writeInbound(ByteBuffer(bytes: [0x00, 0x10, 0x00, 0x00, 0x01]))
        loop.run()
        guard case .error(0, .malformed, _, let text)? = try Self.received(on: attacker, loop).first else { Issue.record("no ERROR"); return }
        #expect(text.contains("first frame (HELLO) length 1048576 is outside 1...4096"))
        #expect(!attacker.isActive)

        let client = try Self.channel(router, loop, port: 40003)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "app"), on: client, loop)
        try Self.send(.ping(token: 1), on: client, loop)
        var big = ByteBuffer()
        ClientMessage.data(session: 9, sequence: 1, payload: ByteBuffer(repeating: 0x40, count: 64 * 1024)).encode(into: &big)
        try client.writeInbound(big)
        loop.run()
        let messages = try Self.received(on: client, loop)
        #expect(messages.contains(.pong(token: 1)))
        #expect(messages.contains { if case .error(9, .unknownSession, 1, _) = $0 { return true } else { return false } }, "the 64 KiB DATA frame was decoded")
    }

    @Test("bad frames from many connections: ten lines, then one summary with the count")
    func badFramesRateLimited() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        let (router, _) = try Self.router(loop: loop, log: log)
        for index in 0..<25 {
            let channel = try Self.channel(router, loop, port: 41000 + index)
            _ = try? channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 1, 0x7F]))
            loop.run()
            let answer = try Self.received(on: channel, loop).first
            #expect(answer.map { if case .error(0, .malformed, _, _) = $0 { true } else { false } } == true, "each bad frame is still answered")
        }
        #expect(log.lines(at: .warning).count == 10)
        loop.advanceTime(by: .seconds(10))
        let warnings = log.lines(at: .warning)
        #expect(warnings.count == 11)
        #expect(warnings.last == "15 more bad frames in the last 10 s, not logged one by one")
    }

    @Test("lu-in-use tells the asking client only that the LU is held; the log names the holder")
    func luInUseDisclosesNothing() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        let (router, _) = try Self.router(loop: loop, log: log)
        try Self.activate(router, loop)
        let holder = try Self.channel(router, loop, port: 40010)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "payroll (pid 4242)"), on: holder, loop)
        try Self.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: holder, loop)
        let other = try Self.channel(router, loop, port: 40011)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "curious"), on: other, loop)
        try Self.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: other, loop)
        let refusal = try Self.received(on: other, loop).compactMap { message -> String? in
            if case .error(1, .luInUse, _, let text) = message { return text } else { return nil }
        }
        #expect(refusal == ["LU VIPLU01 is held by another client session"])
        #expect(log.lines(at: .info).contains { $0.contains("payroll (pid 4242)") && $0.contains("127.0.0.50:40010") && $0.contains("curious") })
    }

    @Test("a client that stops reading pauses its LUs' host side and resumes it when it drains; past the limit host data is dropped")
    func hostFlowControl() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        var limits = LANLimits()
        limits.clientBufferLimit = 4_096
        let (router, attachment) = try Self.router(loop: loop, log: log, limits: limits)
        try Self.activate(router, loop)
        let channel = try Self.channel(router, loop)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "app"), on: channel, loop)
        try Self.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel, loop)
        try Self.send(.open(session: 2, resource: "TNVIP", lu: "VIPLU02"), on: channel, loop)
        _ = try Self.received(on: channel, loop)
        let host = try #require(attachment())

        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(Set(host.requests.map(\.lu)) == ["VIPLU01", "VIPLU02"])
        #expect(host.requests.filter { !$0.paused }.isEmpty)

        // The host side keeps delivering (no real attachment stops at once): the client's
        // unsent output stops growing at the limit.
        let connection = try #require(router.connections.values.first)
        for _ in 0..<200 { host.delegate?.attachment(host, lu: "VIPLU01", hostData: ByteBuffer(repeating: 0xC1, count: 100)) }
        #expect(connection.unsentBytes <= 4_096)
        #expect(connection.droppedHostData > 150)
        #expect(log.lines(at: .warning).first?.contains("host data dropped") == true)

        host.requests.removeAll()
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(Set(host.requests.map(\.lu)) == ["VIPLU01", "VIPLU02"])
        #expect(host.requests.filter { $0.paused }.isEmpty)
        // What was delivered is numbered with the gap of what was dropped.
        let sequences = try Self.received(on: channel, loop).compactMap { message -> UInt64? in
            if case .hostData(1, let sequence, _) = message { return sequence } else { return nil }
        }
        #expect(sequences.count == 200 - connection.droppedHostData)
        host.delegate?.attachment(host, lu: "VIPLU01", hostData: ByteBuffer(bytes: [1]))
        #expect(try Self.received(on: channel, loop).contains(.hostData(session: 1, sequence: 201, payload: ByteBuffer(bytes: [1]))))
    }

    @Test("a paused LU is resumed when its session closes or its client disconnects")
    func pauseEndsWithTheSession() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        let (router, attachment) = try Self.router(loop: loop, log: log)
        try Self.activate(router, loop)
        let channel = try Self.channel(router, loop)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "app"), on: channel, loop)
        try Self.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel, loop)
        try Self.send(.open(session: 2, resource: "TNVIP", lu: "VIPLU02"), on: channel, loop)
        let host = try #require(attachment())
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try Self.send(.close(session: 1), on: channel, loop)
        #expect(host.requests.last.map { "\($0.paused) \($0.lu)" } == "false VIPLU01")
        _ = try channel.close().wait()
        loop.run()
        #expect(host.requests.last.map { "\($0.paused) \($0.lu)" } == "false VIPLU02")
        #expect(router.resources["TNVIP"]!.lus.values.allSatisfy { !$0.hostDataPaused })
    }

    @Test("WATCH-CONNECTIONS sent again does not send the snapshot again")
    func watchOnce() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        let (router, attachment) = try Self.router(loop: loop, log: log)
        try Self.activate(router, loop)
        let host = try #require(attachment())
        host.delegate?.attachment(host, lu: "VIPLU01", connectedFrom: try SocketAddress(ipAddress: "127.0.0.10", port: 41027),
                                  to: try SocketAddress(ipAddress: "127.0.0.100", port: 2323), up: true)
        let peer = try Self.channel(router, loop)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "peer"), on: peer, loop)
        _ = try Self.received(on: peer, loop)
        for _ in 0..<100 { try Self.send(.watchConnections, on: peer, loop) }
        #expect(try Self.received(on: peer, loop).count == 1)
    }

    @Test("incomplete frames of all connections together stay within the budget; a closed connection gives its share back")
    func incompleteFrameBudget() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        var limits = LANLimits()
        limits.incompleteFrameBytes = 100 * 1024
        let (router, _) = try Self.router(loop: loop, log: log, limits: limits)
        func partialFrame(_ bytes: Int) -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt32(1 << 20))
            buffer.writeInteger(UInt8(0x03))
            buffer.writeRepeatingByte(0, count: bytes - 5)
            return buffer
        }
        let first = try Self.channel(router, loop, port: 40020)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "slow-1"), on: first, loop)
        try first.writeInbound(partialFrame(80 * 1024))
        let second = try Self.channel(router, loop, port: 40021)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "slow-2"), on: second, loop)
        _ = try? second.writeInbound(partialFrame(40 * 1024))
        loop.run()
        let refusal = try Self.received(on: second, loop).compactMap { message -> String? in
            if case .error(0, .malformed, _, let text) = message { return text } else { return nil }
        }
        #expect(refusal == ["netmgrd already holds 81920 bytes of its clients' incomplete frames (its limit is 102400); a frame of 1048576 bytes cannot be taken now"])
        #expect(!second.isActive)
        #expect(first.isActive)
        #expect(router.lan.inputBudget.held == 80 * 1024)

        _ = try first.close().wait()
        loop.run()
        #expect(router.lan.inputBudget.held == 0)
        let third = try Self.channel(router, loop, port: 40022)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "slow-3"), on: third, loop)
        try third.writeInbound(partialFrame(90 * 1024))
        #expect(third.isActive)
        #expect(router.lan.inputBudget.held == 90 * 1024)
    }

    @Test("a client that reads nothing while its output passes twice the buffer limit is closed")
    func clientThatNeverReadsIsClosed() throws {
        let loop = EmbeddedEventLoop(), log = CapturedLog()
        var limits = LANLimits()
        limits.clientBufferLimit = 1_024
        let (router, attachment) = try Self.router(loop: loop, log: log, limits: limits)
        try Self.activate(router, loop)
        let channel = try Self.channel(router, loop)
        try Self.send(.hello(minVersion: 1, maxVersion: 1, client: "deaf"), on: channel, loop)
        try Self.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel, loop)
        for sequence in 1...200 { try Self.send(.data(session: 1, sequence: UInt64(sequence), payload: ByteBuffer(bytes: [1])), on: channel, loop) }
        _ = try Self.received(on: channel, loop)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        // Acks are not host data: they are not dropped, so they pile up until the client is given up on.
        let host = try #require(attachment())
        #expect(host.sent.count == 200)
        for tag in host.sent { host.delegate?.attachment(host, lu: "VIPLU01", accepted: tag) }
        loop.run()
        #expect(!channel.isActive)
        #expect(router.connections.isEmpty)
        #expect(log.lines(at: .warning).contains { $0.contains("client deaf") && $0.contains("has not read more than 2048 bytes of output") })
    }
}
