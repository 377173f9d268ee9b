import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol
import NetMgrSecurity
import NIOSSL
import ServiceLifecycle

/// netmgrd as a service: the LAN listener for clients, the admin socket for operators and
/// cluster engines, and the router with its resources. On graceful shutdown (SIGTERM) it
/// deactivates its active resources, closing host sessions cleanly, says GOODBYE to
/// clients so they move at once, and removes its admin socket.
public struct NetMgrDaemon: Service {
    public let configuration: DaemonConfiguration
    public let logger: Logger
    let metricsText: @Sendable () -> String
    let attachments: AttachmentFactory
    /// Validated definitions to take while running (SIGHUP); see `Router.reload`.
    let reloads: AsyncStream<Definitions>?

    public init(configuration: DaemonConfiguration, logger: Logger, metricsText: @escaping @Sendable () -> String = { "" },
                reloads: AsyncStream<Definitions>? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.metricsText = metricsText
        self.attachments = AttachmentFactory(configuration: configuration, logger: logger)
        self.reloads = reloads
    }

    /// Reports where the daemon listens once it does (for tests and the demo).
    public struct Listening: Sendable {
        public var lan: SocketAddress
        public var adminSocket: String
    }

    public func run() async throws {
        try await run(onListening: { _ in })
    }

    public func run(onListening: @Sendable (Listening) -> Void) async throws {
        let definitions = configuration.definitions
        guard let node = definitions.node(named: configuration.nodeName) else {
            throw DaemonError("node \"\(configuration.nodeName)\" is not in the definitions (nodes: \(definitions.cluster.nodes.map(\.name).joined(separator: ", ")))")
        }
        let security = try LANSecurity(definitions: definitions, node: node, material: configuration.tls)
        try LineSwitchSigner.checkAtStart(definitions, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let epochs = configuration.stateDirectory.map { EpochStore(stateDirectory: $0) }
        let logger = self.logger
        let attachments = self.attachments
        let lanLimits = configuration.lan
        let router = try await loop.submit {
            let connects = ConnectLimiters(definitions: definitions)
            // Host sides are built from the router's definitions, which a reload may change.
            let current = NIOLoopBoundBox(definitions, eventLoop: loop)
            let router = Router(loop: loop, definitions: definitions, node: node, epochs: epochs, logger: logger, metrics: DaemonMetrics(), lanLimits: lanLimits,
                                makeAttachment: { runtime, epoch, stale in
                                    var configuration = attachments.configuration
                                    configuration.definitions = current.value
                                    return try AttachmentFactory(configuration: configuration, logger: attachments.logger).make(for: runtime, epoch: epoch, stale: stale, node: node, loop: loop, connects: connects)
                                })
            router.definitionsChanged = { current.value = $0; connects.learnLimits(of: $0) }
            return NIOLoopBound(router, eventLoop: loop)
        }.get()

        let lanEndpoint = configuration.lanEndpoint ?? node.lan
        let lan: Channel
        do {
            lan = try await LANListener.bind(host: lanEndpoint.host, port: lanEndpoint.port, loop: loop, router: router, limits: configuration.lan, tls: security.server)
        } catch {
            try? await group.shutdownGracefully()
            throw DaemonError("cannot listen for clients on \(lanEndpoint): \(error)")
        }

        let socketPath = configuration.adminSocket
        let admin: Channel
        do {
            try Self.prepareSocketPath(socketPath)
            let metricsText = self.metricsText
            let access = try Self.adminAccess(definitions, logger: logger)
            admin = try await ServerBootstrap(group: loop)
                .childChannelInitializer { channel in
                    AdminHandler.install(on: channel, router: router.value, access: access, metricsText: metricsText)
                }
                .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true).get()
            // Only the daemon's user may drive activation.
            guard chmod(socketPath, 0o600) == 0 else { throw DaemonError("cannot restrict \(socketPath) to mode 0600") }
        } catch {
            try? await lan.close()
            try? await group.shutdownGracefully()
            throw DaemonError("cannot create the admin socket \(socketPath): \(error)")
        }

        let metricsEndpoint: Channel?
        do {
            metricsEndpoint = try await Self.serveMetrics(node: node, loop: loop, router: router, metricsText: metricsText, logger: logger)
        } catch {
            try? await admin.close()
            try? await lan.close()
            unlink(socketPath)
            try? await group.shutdownGracefully()
            throw error
        }

        // Issue 15: the TN3270E server front end, when this node has `tn-server:` (TNServer.swift).
        let tnServer: Channel?
        do {
            tnServer = try await TNServer.start(node: node, definitions: definitions, loop: loop, router: router, limits: configuration.lan, logger: logger)
        } catch {
            try? await metricsEndpoint?.close()
            try? await admin.close()
            try? await lan.close()
            unlink(socketPath)
            try? await group.shutdownGracefully()
            throw error
        }

        let peers = definitions.cluster.nodes.filter { $0.name != node.name }
        let watcher = try await loop.submit {
            let watcher = PeerWatcher(router: router.value, peers: peers, tls: security.peerClient)
            watcher.start()
            return NIOLoopBound(watcher, eventLoop: loop)
        }.get()

        logger.info("netmgrd \(node.name) of cluster \(definitions.cluster.name) serving clients on \(lan.localAddress?.description ?? "?"), admin socket \(socketPath)")
        let devModeWarning = security.warnWhilePlain(logger: logger, loop: loop)
        if let address = lan.localAddress { onListening(Listening(lan: address, adminSocket: socketPath)) }

        let reloading = Task {
            guard let reloads else { return }
            for await update in reloads {
                _ = try? await loop.submit { router.value.reload(update) }.get()
            }
        }

        try? await gracefulShutdown()
        reloading.cancel()
        devModeWarning?.cancel()

        logger.info("netmgrd \(node.name) shutting down: deactivating resources")
        let timeout = TimeAmount.milliseconds(Int64(configuration.shutdownTimeoutSeconds * 1000))
        try? await loop.flatSubmit { () -> EventLoopFuture<Void> in
            watcher.value.stop()
            return router.value.shutdown(timeout: timeout)
        }.get()
        try? await tnServer?.close()
        try? await metricsEndpoint?.close()
        try? await admin.close()
        try? await lan.close()
        unlink(socketPath)
        try? await group.shutdownGracefully()
        logger.info("netmgrd \(node.name) stopped")
    }

    /// Makes the socket's directory (mode 0700 if new) and refuses a path that exists as
    /// something other than a socket, so nothing else is overwritten.
    static func prepareSocketPath(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFSOCK {
            throw DaemonError("\(path) exists and is not a socket; refusing to replace it")
        }
    }
}

public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Router {
    /// Deactivates everything active here, tells clients to move, closes their connections.
    func shutdown(timeout: TimeAmount) -> EventLoopFuture<Void> {
        isShuttingDown = true
        let waits = deactivate(resourceOrder.map { resources[$0]! })
        let done = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: timeout) { done.succeed() }
        EventLoopFuture.andAllComplete(waits, on: loop).whenComplete { _ in
            timer.cancel()
            done.succeed()
        }
        return done.futureResult.assumeIsolated().map {
            for connection in self.connections.values { connection.close(after: .goodbye(reason: "netmgrd on \(self.node.name) is shutting down")) }
            self.cancelLANTimers()
        }.nonisolated()
    }
}

#if canImport(Glibc)
import Glibc
#endif
