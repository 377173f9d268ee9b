import Foundation
import NIOCore
import NIOPosix
import NetMgrHarness
import TN3270

/// The peer for the relay benchmark: the same closed loop (one record outstanding per
/// LU, next one when the host's positive response arrives) over direct TN3270E
/// connections to the host, without netmgrd in between.
///
/// As an emulator (`emulator: true`, the tn-relay benchmark): no TN3270E functions asked
/// for, records sent without asking for a response, and the next one sent when the host's
/// answer arrives as a screen record (the keyboard-restoring Write a user waits for), so
/// the same load runs through the TN server or straight to the host.
final class DirectTN3270Load: @unchecked Sendable {
    private let loop: EventLoop
    let emulator: Bool
    /// Connections that have had a host record since they were bound (the greeting).
    private var greeted = 0
    private var connections: [DirectConnection] = []
    private var latencies: [Double] = []
    private var completed = 0
    private var bound = 0
    private var measuring = false

    init(loop: EventLoop, emulator: Bool = false) {
        self.loop = loop
        self.emulator = emulator
    }

    /// Connects `count` LUs from `source` and waits until all are bound (as an emulator:
    /// and have had their first screen, so no greeting is taken for an answer).
    func connect(count: Int, first: Int = 0, host: String, port: Int, source: String) async throws {
        // IP_BIND_ADDRESS_NO_PORT (24): the source port is picked per 4-tuple at connect(),
        // not from the ephemeral range at bind() (which holds ~28,000 ports for all peers).
        let bootstrap = ClientBootstrap(group: loop).channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: .ip, name: NIOBSDSocket.Option(rawValue: 24)), value: 1)
        for index in first..<(first + count) {
            let connection = DirectConnection(owner: self, lu: benchLUName(index))
            let channel = try await bootstrap
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DirectHandler(connection)) }
                }
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
                .connect(host: host, port: port).get()
            try await loop.submit { self.connections.append(connection) }.get()
            _ = channel
        }
        try await waitUntil(.seconds(300), what: "\(count) direct TN3270E LUs bound") {
            let bound = (try? await self.loop.submit({ self.bound }).get()) ?? 0
            return bound >= count
        }
        guard emulator else { return }
        try await waitUntil(.seconds(60), what: "the first screen on each of \(count) emulator sessions") {
            let greeted = (try? await self.loop.submit({ self.greeted }).get()) ?? 0
            return greeted >= count
        }
    }

    /// Runs the closed loop for `duration`; returns (messages/s, latencies in seconds).
    func run(for duration: Duration) async throws -> (rate: Double, latencies: Samples) {
        try await loop.submit {
            self.measuring = true
            self.connections.forEach { $0.sendNext() }
        }.get()
        try await Task.sleep(for: duration)
        let (count, values) = try await loop.submit { () -> (Int, [Double]) in
            self.measuring = false
            return (self.completed, self.latencies)
        }.get()
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return (Double(count) / seconds, Samples(values: values))
    }

    func close() async {
        let channels = (try? await loop.submit { self.connections.compactMap(\.channel) }.get()) ?? []
        for channel in channels { try? await channel.close() }
    }

    fileprivate func didBind() { bound += 1 }
    fileprivate func didGreet() { greeted += 1 }

    fileprivate func didComplete(latency: Double) -> Bool {
        guard measuring else { return false }
        completed += 1
        latencies.append(latency)
        return true
    }
}

// Touched only on the load's one event loop.
private final class DirectConnection: @unchecked Sendable {
    unowned let owner: DirectTN3270Load
    let lu: String
    var channel: Channel?
    var machine: TN3270ClientStateMachine
    var sentAt: ContinuousClock.Instant?
    var serial = 0
    var isGreeted = false

    init(owner: DirectTN3270Load, lu: String) {
        self.owner = owner
        self.lu = lu
        let functions: [TN3270EFunction] = owner.emulator ? [] : [.responses]
        machine = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: lu, deviceType: "IBM-3278-2-E", requestedFunctions: functions))
    }

    func received(_ bytes: ByteBuffer) {
        for action in machine.receive(bytes) {
            switch action {
            case .send(let out): channel?.writeAndFlush(out, promise: nil)
            case .bound: owner.didBind()
            case .response where !owner.emulator:
                if let sentAt, owner.didComplete(latency: (ContinuousClock.now - sentAt).seconds) { sendNext() }
            case .record where owner.emulator:
                if !isGreeted {
                    isGreeted = true
                    owner.didGreet()
                }
                if let sentAt {
                    self.sentAt = nil
                    if owner.didComplete(latency: (ContinuousClock.now - sentAt).seconds) { sendNext() }
                }
            default: break
            }
        }
    }

    func sendNext() {
        serial += 1
        // An Enter with the cursor address and a field of text, as a terminal sends it.
        let payload = owner.emulator ? ByteBuffer(bytes: [0x7D, 0x40, 0x40, 0x11, 0x40, 0x40] + Array("\(lu) BENCH \(serial)".utf8)) : ByteBuffer(string: "\(lu) bench \(serial)")
        guard let record = try? machine.sendRecord(payload, requestsResponse: !owner.emulator) else { return }
        sentAt = .now
        channel?.writeAndFlush(record.bytes, promise: nil)
    }
}

private final class DirectHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let connection: DirectConnection
    init(_ connection: DirectConnection) { self.connection = connection }
    // The host speaks first; the connection must know its channel before any byte arrives.
    func channelActive(context: ChannelHandlerContext) { connection.channel = context.channel }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { connection.received(unwrapInboundIn(data)) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
