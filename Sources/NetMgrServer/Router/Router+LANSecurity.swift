import NIOCore
import NetMgrProtocol

/// The LAN side's TLS: identities from certificates, failed handshakes, and what only the
/// cluster's nodes may ask.
extension Router {
    /// The connection's TLS handshake completed and its identity is set (before any HELLO).
    func connectionIdentified(_ connection: ClientConnection) {
        logger.debug("client connection from \(connection.remote): TLS established, \(connection.identity)")
    }

    /// The TLS handshake failed (no certificate, another CA's, a certificate naming no
    /// identity...): logged, rate-limited, with the remote address, and closed at once.
    func tlsFailed(_ connection: ClientConnection, reason: String) {
        guard !connection.isClosed else { return }
        metrics.handshakeDropped()
        logLimited(\.admissionLog, "client connection from \(connection.remote) refused: \(reason)",
                   summary: "client connections refused in the TLS handshake")
        connection.markClosed()
        connection.channel.close(promise: nil)
    }

    /// The connection did not complete its TLS handshake within the LAN handshake deadline.
    func tlsTimedOut(_ connection: ClientConnection, after timeout: TimeAmount) {
        logLimited(\.admissionLog, "client connection from \(connection.remote) closed: no TLS handshake within \(Self.seconds(timeout)) s",
                   summary: "client connections closed without a TLS handshake")
        connection.markClosed()
        connection.channel.close(promise: nil)
    }

    /// WATCH-CONNECTIONS (the host connections this node holds, for half-open discovery)
    /// is for the cluster's other nodes only: a node certificate naming one of them, or any
    /// client in development mode (TLS off, where nobody is authenticated). Anyone else
    /// gets ERROR not-authorised, and the attempt is logged with its identity.
    func mayWatchConnections(_ connection: ClientConnection) -> Bool {
        switch connection.identity {
        case .unauthenticated:
            return true
        case .node(let name) where name != node.name && definitions.cluster.nodes.contains(where: { $0.name == name }):
            return true
        case .node, .application, .tnServer:
            logger.warning("WATCH-CONNECTIONS from \(connection.identity) (client \(connection.clientName ?? "?")) at \(connection.remote) refused: only the cluster's other nodes may watch host connections")
            connection.send(.error(session: 0, code: .notAuthorised, sequence: 0,
                                   message: "WATCH-CONNECTIONS is for the cluster's nodes only"))
            return false
        }
    }
}
