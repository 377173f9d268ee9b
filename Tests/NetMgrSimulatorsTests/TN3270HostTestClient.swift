import NIOCore
import NIOPosix
import NetMgrTestSupport
import TN3270

/// A terminal for the host tests: a real NIO connection from a chosen loopback source
/// address, driven by `TN3270ClientStateMachine` (or, raw, by nothing at all).
final class TN3270HostTestClient: Sendable {
    enum Event: Sendable, Hashable, CustomStringConvertible {
        case bound(TN3270Binding)
        case rejected(TN3270ERejectReason)
        case record(TN3270Record)
        case response(TN3270Response)
        /// The client machine saw a protocol error from the host.
        case protocolError(TN3270CloseReason)
        case closed(TN3270ConnectionOutcome)

        var description: String {
            switch self {
            case .bound(let binding): "bound \(binding)"
            case .rejected(let reason): "rejected \(reason)"
            case .record(let record): "record \(record.header.map { "\($0) " } ?? "")\(record.data.readableBytes) bytes"
            case .response(let response): "response \(response)"
            case .protocolError(let reason): "protocol error \(reason)"
            case .closed(let outcome): "closed \(outcome)"
            }
        }
    }

    /// Everything the client saw, in order; created before the channel so nothing the
    /// host says first is lost.
    let events: TN3270HostTestLog<Event>
    let channel: any Channel
    /// The client's own address and port as the host sees them.
    let source: String
    let port: Int
    private let handler: NIOLoopBound<Handler>

    private init(channel: any Channel, handler: NIOLoopBound<Handler>, events: TN3270HostTestLog<Event>, local: SocketAddress?) {
        self.channel = channel
        self.handler = handler
        self.events = events
        self.source = local?.ipAddress ?? "?"
        self.port = local?.port ?? 0
    }

    /// Connects from `source` (any 127.x address on Linux loopback). `raw` connections
    /// never answer anything: they only send what the test writes.
    static func connect(
        to host: SocketAddress, from source: String, configuration: TN3270ClientConfiguration, raw: Bool = false
    ) async throws -> TN3270HostTestClient {
        let events = TN3270HostTestLog<Event>()
        // Kept from the initializer: a host that refuses at once may have closed the
        // connection (and NIO torn down the pipeline) before `connect` returns.
        let made = LockedBox<NIOLoopBound<Handler>?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = Handler(configuration: configuration, events: events, raw: raw)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    made.set(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
            .connect(to: host)
            .get()
        let handler = made.get()!
        // The address as seen when the connection came up (NIO forgets it on close).
        let local = try await channel.eventLoop.submit { handler.value.localAddress }.get()
        return TN3270HostTestClient(channel: channel, handler: handler, events: events, local: local)
    }

    // MARK: - Waiting

    func bound(timeout: Duration = .seconds(10)) async throws -> TN3270Binding {
        let event = try await events.first("bind", timeout: timeout) {
            if case .bound = $0 { true } else if case .closed = $0 { true } else { false }
        }
        guard case .bound(let binding) = event else { throw Unexpected(event: event, expected: "bound") }
        return binding
    }

    func rejected(timeout: Duration = .seconds(10)) async throws -> TN3270ERejectReason {
        let event = try await events.first("reject", timeout: timeout) {
            switch $0 {
            case .rejected, .bound, .closed: true
            default: false
            }
        }
        guard case .rejected(let reason) = event else { throw Unexpected(event: event, expected: "rejected") }
        return reason
    }

    @discardableResult
    func closed(timeout: Duration = .seconds(10)) async throws -> TN3270ConnectionOutcome {
        let event = try await events.first("close", timeout: timeout) { if case .closed = $0 { true } else { false } }
        guard case .closed(let outcome) = event else { throw Unexpected(event: event, expected: "closed") }
        return outcome
    }

    func response(to sequence: UInt16, timeout: Duration = .seconds(10)) async throws -> TN3270Response {
        let event = try await events.first("response to \(sequence)", timeout: timeout) {
            if case .response(let response) = $0 { response.sequenceNumber == sequence } else { false }
        }
        guard case .response(let response) = event else { throw Unexpected(event: event, expected: "response") }
        return response
    }

    /// Host records received so far.
    var records: [TN3270Record] {
        events.all.compactMap { if case .record(let record) = $0 { record } else { nil } }
    }

    /// Waits until `count` host records arrived; returns them all.
    func records(count: Int, timeout: Duration = .seconds(10)) async throws -> [TN3270Record] {
        let counter = RecordCounter(needed: count)
        _ = try await events.first("\(count) host records", timeout: timeout) { event in
            if case .record = event { return counter.countAndCheck() }
            return false
        }
        return records
    }

    struct Unexpected: Error, CustomStringConvertible {
        var event: Event
        var expected: String
        var description: String { "expected \(expected), got \(event)" }
    }

    // MARK: - Acting

    /// Sends a 3270 record; returns its TN3270E sequence number (nil in basic TN3270).
    @discardableResult
    func send(_ data: [UInt8]) async throws -> UInt16? {
        try await channel.eventLoop.submit { [handler] in
            try handler.value.send(data)
        }.get()
    }

    /// After a REJECT: ask again on the same connection.
    func retry(luName: String?) async throws {
        try await channel.eventLoop.submit { [handler] in
            try handler.value.retry(luName: luName)
        }.get()
    }

    /// Writes bytes as they are, bypassing the state machine.
    func writeRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Stops reading and answering, like a peer whose link was cut: the host hears nothing more.
    func goSilent() async throws {
        try await channel.eventLoop.submit { [handler] in handler.value.silent = true }.get()
        try await channel.setOption(ChannelOptions.autoRead, value: false).get()
    }

    func close() async throws {
        try? await channel.close()
        _ = try await closed()
    }
}

/// Counts matching events inside a predicate (which runs under the log's lock).
private final class RecordCounter: @unchecked Sendable {
    private var seen = 0
    private let needed: Int
    init(needed: Int) { self.needed = needed }
    func countAndCheck() -> Bool {
        seen += 1
        return seen >= needed
    }
}

extension TN3270HostTestClient {
    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private var machine: TN3270ClientStateMachine
        private let events: TN3270HostTestLog<Event>
        private let raw: Bool
        private var context: ChannelHandlerContext?
        var silent = false
        private(set) var localAddress: SocketAddress?

        init(configuration: TN3270ClientConfiguration, events: TN3270HostTestLog<Event>, raw: Bool) {
            self.machine = TN3270ClientStateMachine(configuration: configuration)
            self.events = events
            self.raw = raw
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
            localAddress = context.channel.localAddress
        }

        func channelActive(context: ChannelHandlerContext) {
            localAddress = context.channel.localAddress
            context.fireChannelActive()
        }
        func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !raw, !silent else { return }
            perform(machine.receive(unwrapInboundIn(data)))
        }

        func channelInactive(context: ChannelHandlerContext) {
            perform(machine.connectionClosed())
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        func send(_ data: [UInt8]) throws -> UInt16? {
            let record = try machine.sendRecord(ByteBuffer(bytes: data))
            context?.writeAndFlush(wrapOutboundOut(record.bytes), promise: nil)
            return record.sequenceNumber
        }

        func retry(luName: String?) throws {
            perform(try machine.retry(luName: luName))
        }

        private func perform(_ actions: [TN3270ClientStateMachine.Action]) {
            for action in actions {
                switch action {
                case .send(let bytes): context?.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
                case .bound(let binding): events.append(.bound(binding))
                case .rejected(let reason): events.append(.rejected(reason))
                case .record(let record): events.append(.record(record))
                case .response(let response): events.append(.response(response))
                case .close(let reason):
                    events.append(.protocolError(reason))
                    context?.close(promise: nil)
                case .closed(let outcome): events.append(.closed(outcome))
                case .startTLS:
                    // This test client never asks for STARTTLS (requiresStartTLS is off).
                    context?.close(promise: nil)
                }
            }
        }
    }
}
