import Foundation
import NIOCore
import NIOPosix
import NetMgrHarness
import TN3270

/// The peer for the relay benchmark: the same closed loop (one record outstanding per
/// LU, next one when the host's positive response arrives) over direct TN3270E
/// connections to the host, without netmgrd in between.
final class DirectTN3270Load: @unchecked Sendable {
    private let loop: EventLoop
    private var connections: [DirectConnection] = []
    private var latencies: [Double] = []
    private var completed = 0
    private var bound = 0
    private var measuring = false

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Connects `count` LUs from `source` and waits until all are bound.
    func connect(count: Int, host: String, port: Int, source: String) async throws {
        let bootstrap = ClientBootstrap(group: loop).channelOption(.socketOption(.tcp_nodelay), value: 1)
        for index in 0..<count {
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

    init(owner: DirectTN3270Load, lu: String) {
        self.owner = owner
        self.lu = lu
        machine = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: lu, deviceType: "IBM-3278-2-E"))
    }

    func received(_ bytes: ByteBuffer) {
        for action in machine.receive(bytes) {
            switch action {
            case .send(let out): channel?.writeAndFlush(out, promise: nil)
            case .bound: owner.didBind()
            case .response:
                if let sentAt, owner.didComplete(latency: (ContinuousClock.now - sentAt).seconds) { sendNext() }
            default: break
            }
        }
    }

    func sendNext() {
        serial += 1
        guard let record = try? machine.sendRecord(ByteBuffer(string: "\(lu) bench \(serial)")) else { return }
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
