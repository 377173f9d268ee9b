import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NetMgrAddresses
import NetMgrCore
import NetMgrProtocol
import TN3270

/// The TN3270E server front end (issue 15 part 2): unmodified emulators (x3270, s3270,
/// wc3270) connect here and get an LU of a tnetos resource by name, by their address or
/// from a pool (`TNLUAssigner`). Each emulator session becomes a session of the router,
/// opened by an internal client (a `ClientConnection` whose output is handed to the
/// emulator's handler instead of being encoded), so emulator input reaches the host through
/// the LU's own delivery path, as a LAN client's DATA does, and host data comes back the same
/// way. Confined to the router's event loop.
final class TNServer {
    let router: Router
    /// Replaced by a definitions reload (TNServer+Reload.swift).
    var settings: TNServerSettings
    var assigner: TNLUAssigner
    let logger: Logger
    /// Emulator connections open now, negotiating or bound.
    var connectionCount = 0
    /// More than this are refused at accept (each costs buffers and a timer).
    let maximumConnections: Int
    /// Each display LU's host records since the host last erased the screen (Erase/Write,
    /// Erase/Write Alternate), replayed in order to the next emulator that binds the LU when
    /// nothing else is waiting for it: applied in order they rebuild the screen the last
    /// emulator saw (a host session that outlives the emulator's will not repaint by itself,
    /// and a bare keyboard-restoring Write leaves a new emulator an unformatted screen).
    var screens: [String: [ByteBuffer]] = [:]
    /// The emulator session holding each LU here, for a takeover (`takeover: same-address`).
    var holders: [String: Holder] = [:]
    struct Holder {
        weak var handler: TNServerConnectionHandler?
    }
    /// Bytes of host records kept per LU for the replay; past it the oldest go first.
    static let screenLimit = 32 * 1024
    /// 3270 commands that erase the screen first, in their SNA and local (CCW) codes:
    /// Erase/Write F5/05, Erase/Write Alternate 7E/0D.
    static let erasingCommands: Set<UInt8> = [0xF5, 0x05, 0x7E, 0x0D]
    /// Bounds of one emulator connection.
    static let maximumRecordLength = 64 * 1024
    static let maximumPendingRecords = 64

    init(router: Router, settings: TNServerSettings, logger: Logger, maximumConnections: Int = 10_000) {
        self.router = router
        self.settings = settings
        self.assigner = TNLUAssigner(settings: settings, printerLUs: Self.printerLUs(in: router.definitions))
        self.logger = logger
        self.maximumConnections = maximumConnections
        router.tnServer = self  // issue 15 part 3: reload and keep-lu for OPENs (Router+TNServer.swift)
    }

    /// The LU's definition and its resource's runtime on this node.
    func place(of lu: String) -> (lu: LU, runtime: ResourceRuntime)? {
        guard let definition = router.definitions.lus.first(where: { $0.name == lu }), let runtime = router.resources[definition.resource] else { return nil }
        return (definition, runtime)
    }

    /// Whether the resource's LUs are SNA LUs (BIND, FMD, UNBIND through netmgrd's PU 2),
    /// which the TN server maps to TN3270E (`TNSNABridge`).
    func isSNA(_ runtime: ResourceRuntime) -> Bool {
        guard let resource = router.definitions.resources.first(where: { $0.name == runtime.name }),
              let line = router.definitions.line(named: resource.line) else { return false }
        return line.procedure.carriesSNA
    }

    /// Whether a LAN application (not an emulator of this TN server) owns the LU in the router.
    func takenByApplication(_ lu: String) -> Bool {
        guard let place = place(of: lu), let owner = place.runtime.lus[lu]?.owner else { return false }
        return owner.connection.identity != .tnServer
    }

    func remember(_ record: ByteBuffer, lu: String) {
        let erases = record.getInteger(at: record.readerIndex, as: UInt8.self).map(Self.erasingCommands.contains) ?? false
        var records = erases ? [] : screens[lu] ?? []
        records.append(record)
        var total = records.reduce(0) { $0 + $1.readableBytes }
        while total > Self.screenLimit, records.count > 1 { total -= records.removeFirst().readableBytes }
        screens[lu] = total <= Self.screenLimit ? records : nil
    }

    /// Starts the listeners when this node has `tn-server:` (plaintext, STARTTLS when
    /// `starttls: offer`) and/or `tn-server-tls:` (direct TLS) and the definitions a
    /// `cluster.tn-server` section; nil when the TN server is off here. With both, closing the
    /// returned (plaintext) channel closes the TLS listener too.
    static func start(node: ClusterNode, definitions: Definitions, loop: EventLoop, router: NIOLoopBound<Router>,
                      limits: LANLimits, logger: Logger) async throws -> Channel? {
        guard node.tnServer != nil || node.tnServerTLS != nil, let settings = definitions.cluster.tnServer else { return nil }
        let tls = node.tnServerTLS != nil || settings.startTLS == .offer ? try emulatorTLSContext(node: node) : nil
        let server = try await loop.submit {
            NIOLoopBound(TNServer(router: router.value, settings: settings, logger: logger), eventLoop: loop)
        }.get()
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(
            low: max(1, min(limits.writeBufferLowWater, limits.writeBufferHighWater)), high: max(1, limits.writeBufferHighWater))
        /// One listener: `direct` puts TLS in front of every connection; `startTLS` is offered on
        /// plaintext ones; `freebind` binds an address this node may not hold yet (the VIP).
        func listen(_ endpoint: Endpoint, key: String, direct: NIOSSLContext?, startTLS: NIOSSLContext?, freebind: Bool = false) async throws -> Channel {
            let bootstrap = ServerBootstrap(group: loop)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: waterMark)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let direct { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: direct)) }
                        try channel.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server.value, startTLS: startTLS))
                    }
                }
            if freebind { return try await bindFreely(bootstrap, on: endpoint, key: key) }
            do {
                return try await bootstrap.bind(host: endpoint.host, port: endpoint.port).get()
            } catch {
                throw DaemonError("cannot listen for emulators on \(endpoint) (cluster.nodes[\(node.name)].\(key)): \(error)")
            }
        }
        var opened: [Channel] = []
        func closeOpened() async { for channel in opened { try? await channel.close() } }
        var plain: Channel?
        var secured: Channel?
        do {
            if let endpoint = node.tnServer {
                let channel = try await listen(endpoint, key: "tn-server", direct: nil, startTLS: settings.startTLS == .offer ? tls : nil)
                plain = channel
                opened.append(channel)
            }
            if let endpoint = node.tnServerTLS {
                let channel = try await listen(endpoint, key: "tn-server-tls", direct: tls, startTLS: nil)
                secured = channel
                opened.append(channel)
            }
            // Issue 15 part 3: the LAN-side VIP too (TNServer+VIP.swift), plaintext like tn-server.
            if let vip = settings.vip {
                let channel = try await listen(vip, key: "cluster.tn-server.vip", direct: nil, startTLS: settings.startTLS == .offer ? tls : nil, freebind: true)
                opened.append(channel)
                logger.info("TN server listening for emulators on the VIP \(channel.localAddress?.description ?? vip.description) too (IP_FREEBIND: emulators reach it on the node that holds the VIP)")
            }
        } catch {
            await closeOpened()
            throw error
        }
        // The daemon holds the first listener; closing it closes the others.
        if let primary = opened.first {
            for other in opened.dropFirst() { primary.closeFuture.whenComplete { _ in other.close(promise: nil) } }
        }
        let pools = settings.pools.map { "\($0.name) (\($0.lus.count))" }.joined(separator: ", ")
        var listeners: [String] = []
        if let plain { listeners.append("\(plain.localAddress?.description ?? "?")\(settings.startTLS == .offer ? " (STARTTLS offered)" : "")") }
        if let secured { listeners.append("\(secured.localAddress?.description ?? "?") (TLS)") }
        logger.info("TN server listening for emulators on \(listeners.joined(separator: " and ")): \(settings.map.count) map entr\(settings.map.count == 1 ? "y" : "ies"), pools [\(pools)], \(settings.printers.count) printer association(s), keep-lu \(settings.keepLUSeconds) s")
        return opened.first
    }

    /// `ip` as the map reads it: an IPv4-mapped IPv6 address is its IPv4 address.
    static func clientAddress(_ address: SocketAddress?) -> IPAddress? {
        guard var text = address?.ipAddress else { return nil }
        if text.lowercased().hasPrefix("::ffff:"), IPAddress(String(text.dropFirst(7)))?.isIPv6 == false { text = String(text.dropFirst(7)) }
        return IPAddress(text)
    }
}
