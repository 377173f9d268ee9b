import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import NetMgrHarness
import NetMgrProtocol
import NetMgrSecurity

/// TLS material for the tests' own peers: from PEM files, or issued by a CA of their own.
enum TestTLS {
    /// Certificate and key files (PEM) as NIOSSL objects.
    static func load(certificate: String, key: String) throws -> (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) {
        (try NIOSSLCertificate.fromPEMFile(certificate), try NIOSSLPrivateKey(file: key, format: .pem))
    }

    /// A certificate issued by a CA that is not the cluster's.
    static func foreign(client name: String? = nil, node: String? = nil) throws -> (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, ca: NIOSSLCertificate) {
        let authority = try ClusterPKI.makeAuthority(cluster: "intruders")
        let issued = try node.map { try ClusterPKI.issueNode(name: $0, hosts: [], by: authority) }
            ?? ClusterPKI.issueClient(name: name ?? "intruder", by: authority)
        return ([try NIOSSLCertificate(bytes: Array(issued.certificatePEM().utf8), format: .pem)],
                try NIOSSLPrivateKey(bytes: Array(issued.privateKeyPEM().utf8), format: .pem),
                try NIOSSLCertificate(bytes: Array(ClusterPKI.pem(authority.certificate).utf8), format: .pem))
    }

    /// A client context trusting `ca`, presenting `identity` if given.
    static func client(ca: [NIOSSLCertificate], identity: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey)?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(ca)
        configuration.certificateVerification = .noHostnameVerification
        if let identity {
            configuration.certificateChain = identity.chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(identity.key)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// A server context that presents `identity` and asks nothing of its clients (a fake peer).
    static func permissiveServer(_ identity: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey)) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: identity.chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(identity.key))
        configuration.certificateVerification = .none
        return try NIOSSLContext(configuration: configuration)
    }
}

/// A LAN client speaking frames directly (no NetMgrClient): what an intruder's program
/// would send, and everything it gets back.
final class RawLANClient: @unchecked Sendable {
    typealias State = NIOLockedValueBox<(messages: [ServerMessage], closed: Bool, error: String?)>
    private let state: State
    private let channel: Channel

    private init(channel: Channel, state: State) {
        self.channel = channel
        self.state = state
    }

    static func connect(host: String, port: Int, tls: NIOSSLContext?) async throws -> RawLANClient {
        // The state exists before the connection: a server that refuses at once may close it
        // before this task (on a busy cooperative pool) gets the connected channel back.
        let state = State(([], false, nil))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LANFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(Collector(state))
                }
            }
            .connect(host: host, port: port).get()
        return RawLANClient(channel: channel, state: state)
    }

    func send(_ messages: ClientMessage...) {
        var buffer = channel.allocator.buffer(capacity: 64)
        for message in messages { message.encode(into: &buffer) }
        channel.writeAndFlush(buffer, promise: nil)
    }

    var messages: [ServerMessage] { state.withLockedValue { $0.messages } }
    var isClosed: Bool { state.withLockedValue { $0.closed } }
    var error: String? { state.withLockedValue { $0.error } }
    var saidWelcome: Bool { messages.contains { if case .welcome = $0 { return true } else { return false } } }

    func close() async { try? await channel.close() }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let state: State
        init(_ state: State) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var frame = unwrapInboundIn(data)
            guard let message = try? ServerMessage.decode(frame: &frame) else { return }
            state.withLockedValue { $0.messages.append(message) }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            state.withLockedValue { if $0.error == nil { $0.error = TLSErrorText.describe(error) } }
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLockedValue { $0.closed = true }
            context.fireChannelInactive()
        }
    }
}

/// Something at a peer node's LAN address that is not that node: on every connection,
/// as soon as its side of the TLS handshake is done, it says WELCOME as `node` and reports
/// `resources` active with `epoch`, whatever it was asked.
final class FakePeerServer: @unchecked Sendable {
    private let channel: Channel
    private let counts: NIOLockedValueBox<(connections: Int, reports: Int)>

    private init(channel: Channel, counts: NIOLockedValueBox<(connections: Int, reports: Int)>) {
        self.channel = channel
        self.counts = counts
    }

    static func start(host: String, port: Int, tls: NIOSSLContext, node: String, cluster: String,
                      resources: [String], epoch: UInt64) async throws -> FakePeerServer {
        let counts = NIOLockedValueBox((connections: 0, reports: 0))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    counts.withLockedValue { $0.connections += 1 }
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    try channel.pipeline.syncOperations.addHandler(Reporter(node: node, cluster: cluster, resources: resources, epoch: epoch, counts: counts))
                }
            }
            .bind(host: host, port: port).get()
        return FakePeerServer(channel: channel, counts: counts)
    }

    /// Connections accepted, and how many got the false report (their handshake completed).
    var connections: Int { counts.withLockedValue { $0.connections } }
    var reports: Int { counts.withLockedValue { $0.reports } }

    func stop() async { try? await channel.close() }

    private final class Reporter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let node: String, cluster: String, resources: [String], epoch: UInt64
        let counts: NIOLockedValueBox<(connections: Int, reports: Int)>

        init(node: String, cluster: String, resources: [String], epoch: UInt64, counts: NIOLockedValueBox<(connections: Int, reports: Int)>) {
            (self.node, self.cluster, self.resources, self.epoch, self.counts) = (node, cluster, resources, epoch, counts)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
                var buffer = context.channel.allocator.buffer(capacity: 256)
                ServerMessage.welcome(version: LANProtocol.version, node: node, cluster: cluster).encode(into: &buffer)
                for name in resources { ServerMessage.resource(name: name, state: .active, epoch: epoch, node: node).encode(into: &buffer) }
                ServerMessage.tableEnd.encode(into: &buffer)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
                counts.withLockedValue { $0.reports += 1 }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}  // whatever it is asked

        func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
    }
}
