import NIOCore
import NIOPosix
import NIOSSL
import NetMgrProtocol

/// The listener NetMgrClient (and peer netmgrds) connect to. Each connection is held to
/// the LAN limits: a small first frame (HELLO), at most one whole frame buffered (and all
/// connections' incomplete frames together within `LANLimits.incompleteFrameBytes`), and a
/// write-buffer water mark that tells the router when a client falls behind.
///
/// With `tls` (the cluster's definitions use TLS, the default) every connection starts
/// with a TLS handshake in which the client must present a certificate of the cluster's CA;
/// its identity (node or application) is set on the connection before its HELLO is handled.
/// Without (`cluster.tls: off`, development on loopback) connections are plain and
/// `.unauthenticated`.
enum LANListener {
    static func bind(host: String, port: Int, loop: EventLoop, router: NIOLoopBound<Router>, limits: LANLimits,
                     tls: NIOSSLContext? = nil) async throws -> Channel {
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(
            low: max(1, min(limits.writeBufferLowWater, limits.writeBufferHighWater)), high: max(1, limits.writeBufferHighWater))
        return try await ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: waterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try addHandlers(to: channel, router: router.value, tls: tls)
                }
            }
            .bind(host: host, port: port).get()
    }

    /// The server side of the LAN protocol on one connection: TLS first when `tls` is given.
    static func addHandlers(to channel: Channel, router: Router, tls: NIOSSLContext? = nil) throws {
        if let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
        }
        let decoder = LANFrameDecoder.server()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(BudgetedLANFrameDecoder(decoder, budget: router.lan.inputBudget),
                                                                            maximumBufferSize: decoder.maximumBufferSize))
        try channel.pipeline.syncOperations.addHandler(LANServerHandler(router: router, awaitsTLS: tls != nil))
    }
}
