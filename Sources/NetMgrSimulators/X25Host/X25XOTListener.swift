import Logging
import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrCore

/// The host's side of XOT (RFC 1613), as a router in front of the host would offer it: a
/// TCP listener; each connection carries the packet layer of one DTE (no LAPB) to an
/// `X25HostLink` that knows every XOT terminal of the definitions and picks it by the
/// calling DTE address. Confined to `loop`.
final class X25XOTListener {
    let endpoint: Endpoint
    let links: [X25HostLinkConfiguration]
    let loop: any EventLoop
    let journal: HostJournal?
    let logger: Logger
    var onFact: ((String, X25HostFact) -> Void)?
    private var server: (any Channel)?
    private var connections: [ObjectIdentifier: Connection] = [:]

    /// One accepted XOT connection and the network/host state behind it.
    final class Connection {
        var link: X25HostLink
        let recorder: X25HostJournalRecorder
        var channel: (any Channel)?
        var timer: Scheduled<Void>?
        var timerDeadline: NIODeadline?

        init(link: X25HostLink, recorder: X25HostJournalRecorder) {
            self.link = link
            self.recorder = recorder
        }
    }

    init(endpoint: Endpoint, links: [X25HostLinkConfiguration], loop: any EventLoop, journal: HostJournal?, logger: Logger) {
        self.endpoint = endpoint
        self.links = links
        self.loop = loop
        self.journal = journal
        self.logger = logger
    }

    /// Listens; returns the bound address.
    func start() -> EventLoopFuture<SocketAddress?> {
        let bound = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [loop] channel in
                loop.makeCompletedFuture {
                    let listener = bound.value
                    let connection = listener.accepted(channel)
                    let key = ObjectIdentifier(connection)
                    try XOTHandlers.install(on: channel, counters: NIOLockedValueBox(LineCounters()), logger: listener.logger) { event in
                        bound.value.event(event, connection: key)
                    }
                    listener.perform(connection.link.start(now: .now()), on: connection)
                }
            }
            .bind(host: endpoint.host, port: endpoint.port)
            .map { channel in
                bound.value.server = channel
                return channel.localAddress
            }
    }

    func stop() {
        loop.assertInEventLoop()
        server?.close(promise: nil)
        server = nil
        for connection in connections.values {
            connection.timer?.cancel()
            connection.channel?.close(promise: nil)
            connection.recorder.close()
        }
        connections = [:]
    }

    private func accepted(_ channel: any Channel) -> Connection {
        let recorder = X25HostJournalRecorder(line: "xot \(endpoint)", luNames: [:], journal: journal)
        let connection = Connection(link: X25HostLink(configurations: links, xot: true), recorder: recorder)
        connection.channel = channel
        connections[ObjectIdentifier(connection)] = connection
        logger.info("x25-host xot: connection from \(channel.remoteAddress.map { "\($0)" } ?? "?")")
        return connection
    }

    private func event(_ event: XOTEvent, connection key: ObjectIdentifier) {
        guard let connection = connections[key] else { return }
        switch event {
        case .packet(let bytes):
            perform(connection.link.receive(bytes, now: .now()), on: connection)
        case .closed(let error):
            connection.channel = nil
            perform(connection.link.transportDown(reason: "XOT connection closed\(error.map { ": \($0)" } ?? "")", now: .now()), on: connection)
            connection.timer?.cancel()
            connections[key] = nil
        }
    }

    private func perform(_ actions: [X25HostLink.Action], on connection: Connection) {
        var packets: [ByteBuffer] = []
        for action in actions {
            switch action {
            case .transmit(let bytes):
                packets.append(bytes)
            case .fact(let fact):
                if case .callAccepted(let calling, _) = fact, let line = links.first(where: { $0.expectation.calling == calling }) {
                    connection.recorder.line = line.line
                    connection.recorder.luNames = line.luNames
                }
                switch fact {
                case .sna(.protocolError(let text)): logger.warning("x25-host xot: \(text)")
                case .sna: break
                default: logger.info("x25-host xot: \(fact)")
                }
                connection.recorder.record(fact)
                onFact?(connection.recorder.line, fact)
            }
        }
        if let channel = connection.channel, !packets.isEmpty {
            for packet in packets { channel.write(packet, promise: nil) }
            channel.flush()
        }
        armTimer(connection)
    }

    private func armTimer(_ connection: Connection) {
        guard connection.channel != nil, let deadline = connection.link.nextDeadline else { return }
        if connection.timer != nil, connection.timerDeadline == deadline { return }
        connection.timer?.cancel()
        connection.timerDeadline = deadline
        let bound = NIOLoopBound(self, eventLoop: loop)
        let key = ObjectIdentifier(connection)
        connection.timer = loop.scheduleTask(deadline: deadline) {
            let listener = bound.value
            guard let connection = listener.connections[key] else { return }
            connection.timer = nil
            connection.timerDeadline = nil
            listener.perform(connection.link.tick(now: .now()), on: connection)
        }
    }
}
