/// Who is at the other end of a LAN connection, as far as netmgrd knows.
///
/// Set when the connection's TLS handshake completes (before its HELLO is handled);
/// `.unauthenticated` on a plain connection (`cluster.tls: off`, development only).
enum ConnectionIdentity: Hashable, Sendable, CustomStringConvertible {
    /// No certificate (TLS off). The HELLO client name stands in for the identity when
    /// `clients:` entries are matched and licences counted: that is no authentication,
    /// any process may send any name.
    case unauthenticated
    /// A cluster node (certificate with URI SAN `netmgr:node:NAME`).
    case node(String)
    /// An application (URI SAN `netmgr:client:NAME`, else the certificate's CN).
    case application(String)
    /// This netmgrd's own TN server, opening LUs for emulators (TNServer): its LU map
    /// (`cluster.tn-server`) is what authorises them; it uses no licence.
    case tnServer

    /// The name `clients:` entries are matched against: the application's identity, or in
    /// development mode the HELLO client name. Nil for a node (nodes open no LUs).
    func applicationName(clientName: String?) -> String? {
        switch self {
        case .unauthenticated: return clientName
        case .application(let name): return name
        case .node, .tnServer: return nil
        }
    }

    var description: String {
        switch self {
        case .unauthenticated: return "unauthenticated"
        case .node(let name): return "node \(name)"
        case .application(let name): return "application \(name)"
        case .tnServer: return "TN server"
        }
    }
}
