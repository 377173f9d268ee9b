import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol

/// Watches the other nodes' resource tables over the LAN protocol (as a client that
/// opens no sessions), so this node learns of newer activations: after a split brain
/// the node with the older epoch steps down, and its epoch store never hands out an
/// epoch older than one already active elsewhere. A keepalive (PING with a deadline)
/// notices a peer that went silent without closing, and reconnects.
final class PeerWatcher {
    private let router: Router
    private let peers: [ClusterNode]
    private let keepaliveTiming: PeerKeepalive.Timing
    private var channels: [String: Channel] = [:]
    private var keepalives: [String: PeerKeepalive] = [:]
    private var ticker: RepeatedTask?
    private var attempts: [String: Int] = [:]
    private var stopped = false

    init(router: Router, peers: [ClusterNode], keepalive: PeerKeepalive.Timing = .standard) {
        self.router = router
        self.peers = peers
        self.keepaliveTiming = keepalive
    }

    private var loop: EventLoop { router.loop }

    func start() {
        for peer in peers { connect(peer) }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let period = TimeAmount.nanoseconds(max(keepaliveTiming.interval.nanoseconds / 2, 1_000_000))
        ticker = loop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in bound.value.tick() }
    }

    func stop() {
        stopped = true
        ticker?.cancel()
        for channel in channels.values { channel.close(promise: nil) }
    }

    private func tick() {
        let now = NIODeadline.now()
        for (peer, channel) in channels {
            guard var keepalive = keepalives[peer] else { continue }
            let action = keepalive.tick(now: now)
            keepalives[peer] = keepalive
            switch action {
            case .none:
                break
            case .ping(let token):
                var frame = channel.allocator.buffer(capacity: 16)
                ClientMessage.ping(token: token).encode(into: &frame)
                channel.writeAndFlush(frame, promise: nil)
            case .giveUp(let silence):
                router.logger.warning("peer \(peer) silent for \(silence.nanoseconds / 1_000_000) ms: dropping the connection and reconnecting")
                keepalives[peer] = nil
                channel.close(promise: nil)
            }
        }
    }

    private func connect(_ peer: ClusterNode) {
        guard !stopped else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LANFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(PeerHandler(watcher: bound.value, peer: peer.name))
                }
            }
            .connect(host: peer.lan.host, port: peer.lan.port)
            .whenComplete { result in
                let watcher = bound.value
                switch result {
                case .success(let channel):
                    watcher.attempts[peer.name] = 0
                    watcher.channels[peer.name] = channel
                    watcher.keepalives[peer.name] = PeerKeepalive(timing: watcher.keepaliveTiming, now: .now())
                    var hello = channel.allocator.buffer(capacity: 48)
                    ClientMessage.hello(minVersion: LANProtocol.version, maxVersion: LANProtocol.version,
                                        client: "netmgrd \(watcher.router.node.name) (peer)").encode(into: &hello)
                    ClientMessage.watchConnections.encode(into: &hello)
                    watcher.router.peerConnectionsRestart(peer.name)
                    channel.writeAndFlush(hello, promise: nil)
                case .failure:
                    watcher.retry(peer)
                }
            }
    }

    fileprivate func closed(_ peer: String) {
        channels[peer] = nil
        keepalives[peer] = nil
        if let node = peers.first(where: { $0.name == peer }) { retry(node) }
    }

    private func retry(_ peer: ClusterNode) {
        guard !stopped else { return }
        let attempt = (attempts[peer.name] ?? 0) + 1
        attempts[peer.name] = attempt
        let delay = min(1_000, 50 << min(attempt - 1, 5))
        let bound = NIOLoopBound(self, eventLoop: loop)
        loop.scheduleTask(in: .milliseconds(Int64(delay))) { bound.value.connect(peer) }
    }

    fileprivate func received(_ message: ServerMessage, from peer: String) {
        keepalives[peer]?.heard(now: .now())
        switch message {
        case .resource(let name, let state, let epoch, _):
            router.peerReported(resource: name, state: state, epoch: epoch, peer: peer)
        case .hostConnection(let info):
            router.peerConnection(info, from: peer)
        default:
            break
        }
    }
}

private final class PeerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let watcher: PeerWatcher
    let peer: String

    init(watcher: PeerWatcher, peer: String) {
        self.watcher = watcher
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        guard let message = try? ServerMessage.decode(frame: &frame) else {
            context.close(promise: nil)
            return
        }
        watcher.received(message, from: peer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watcher.closed(peer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
