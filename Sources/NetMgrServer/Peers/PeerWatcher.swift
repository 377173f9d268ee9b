import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import NetMgrCore
import NetMgrProtocol
import NetMgrSecurity

/// Watches the other nodes' resource tables over the LAN protocol (as a client that
/// opens no sessions), so this node learns of newer activations: after a split brain
/// the node with the older epoch steps down, and its epoch store never hands out an
/// epoch older than one already active elsewhere. A keepalive (PING with a deadline)
/// notices a peer that went silent without closing, and reconnects.
///
/// With `tls` (the node's own certificate, the cluster CA) the watcher says HELLO only
/// after the handshake, and only to a server whose certificate names the node it dialled
/// (`PeerIdentity.node(peer.name)`): anything else at a peer's address is dropped and
/// logged, so epochs and host connections are learnt only from verified peers.
final class PeerWatcher {
    private let router: Router
    private let peers: [ClusterNode]
    private let keepaliveTiming: PeerKeepalive.Timing
    private var channels: [String: Channel] = [:]
    private var keepalives: [String: PeerKeepalive] = [:]
    private var ticker: RepeatedTask?
    private var attempts: [String: Int] = [:]
    private var stopped = false
    private let tls: NIOSSLContext?
    /// The last refusal logged per peer: the same one again (every reconnect) is logged at debug.
    private var lastRefusal: [String: String] = [:]

    init(router: Router, peers: [ClusterNode], keepalive: PeerKeepalive.Timing = .standard, tls: NIOSSLContext? = nil) {
        self.router = router
        self.peers = peers
        self.keepaliveTiming = keepalive
        self.tls = tls
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
        let tls = self.tls
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // Host names are not checked: the peer's identity is, after the handshake.
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LANFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(PeerHandler(watcher: bound.value, peer: peer.name, verified: tls == nil))
                }
            }
            .connect(host: peer.lan.host, port: peer.lan.port)
            .whenComplete { result in
                let watcher = bound.value
                switch result {
                case .success(let channel):
                    watcher.channels[peer.name] = channel
                    // Also the TLS handshake's deadline: a peer that does not complete it is silent.
                    watcher.keepalives[peer.name] = PeerKeepalive(timing: watcher.keepaliveTiming, now: .now())
                    if watcher.tls == nil { watcher.watch(peer.name, on: channel) }
                case .failure:
                    watcher.retry(peer)
                }
            }
    }

    /// The connection to `peer` is to the right node (or TLS is off): say HELLO and watch.
    fileprivate func watch(_ peer: String, on channel: Channel) {
        guard channels[peer] === channel else { return }
        attempts[peer] = 0
        if lastRefusal.removeValue(forKey: peer) != nil { router.logger.info("peer \(peer) verified again: watching its resources") }
        var hello = channel.allocator.buffer(capacity: 48)
        ClientMessage.hello(minVersion: LANProtocol.version, maxVersion: LANProtocol.version,
                            client: "netmgrd \(router.node.name) (peer)").encode(into: &hello)
        ClientMessage.watchConnections.encode(into: &hello)
        router.peerConnectionsRestart(peer)
        channel.writeAndFlush(hello, promise: nil)
    }

    /// The TLS handshake with `peer` completed: is the server the node it should be?
    fileprivate func handshakeCompleted(_ peer: String, on channel: Channel) -> Bool {
        let identity: PeerIdentity
        do {
            identity = try channel.pipeline.syncOperations.peerIdentity()
        } catch {
            refuse(peer, channel, "its certificate gives no identity: \(error)")
            return false
        }
        guard identity == .node(peer) else {
            refuse(peer, channel, "its certificate names \(identity), not node \(peer)")
            return false
        }
        watch(peer, on: channel)
        return true
    }

    /// Drops a connection to something at `peer`'s address that is not `peer`.
    fileprivate func refuse(_ peer: String, _ channel: Channel, _ reason: String) {
        let address = peers.first { $0.name == peer }.map { "\($0.lan)" } ?? "?"
        let line = "peer \(peer) at \(address) refused: \(reason); dropping the connection (nothing it says is taken)"
        if lastRefusal[peer] == reason {
            router.logger.debug("\(line)")
        } else {
            lastRefusal[peer] = reason
            router.logger.warning("\(line)")
        }
        channel.close(promise: nil)
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
    /// Frames are taken only from a verified peer (a plain connection counts as verified).
    private var verified: Bool

    init(watcher: PeerWatcher, peer: String, verified: Bool) {
        self.watcher = watcher
        self.peer = peer
        self.verified = verified
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard verified else { return }
        var frame = unwrapInboundIn(data)
        guard let message = try? ServerMessage.decode(frame: &frame) else {
            context.close(promise: nil)
            return
        }
        watcher.received(message, from: peer)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !verified {
            verified = watcher.handshakeCompleted(peer, on: context.channel)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watcher.closed(peer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !verified, error is NIOSSLError || error is BoringSSLError {
            watcher.refuse(peer, context.channel, TLSErrorText.describe(error))
        }
        context.close(promise: nil)
    }
}
