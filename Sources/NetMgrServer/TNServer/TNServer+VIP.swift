#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import NetMgrAddresses
import NetMgrCore

/// Issue 15 part 3: the TN server also listens on the LAN-side VIP (`cluster.tn-server.vip`).
/// Both nodes bind it at start, before the VIP is on either of them: the socket has
/// IP_FREEBIND (IPV6_FREEBIND for an IPv6 VIP), which lets a bind to an address the host
/// does not have yet succeed without privileges. Only the node that holds the VIP (keepalived,
/// or whatever moves it) gets the SYNs; when the VIP moves, the other node's listener, bound
/// all along, takes the reconnects. Established connections do not move with it.
extension TNServer {
    /// Linux's IPV6_FREEBIND (since 4.15), for C libraries whose headers lack it.
    static let ipv6FreebindOption: CInt = 78

    /// The socket option that lets `host` be bound before it is on an interface.
    static func freebindOption(for host: String) -> ChannelOptions.Types.SocketOption {
        if IPAddress(host)?.isIPv6 == true {
            return ChannelOptions.Types.SocketOption(level: .ipv6, name: NIOBSDSocket.Option(rawValue: ipv6FreebindOption))
        }
        return ChannelOptions.Types.SocketOption(level: .ip, name: NIOBSDSocket.Option(rawValue: CInt(IP_FREEBIND)))
    }

    /// Binds `bootstrap` on `endpoint` with IP_FREEBIND; the error names the key.
    static func bindFreely(_ bootstrap: ServerBootstrap, on endpoint: Endpoint, key: String = "cluster.tn-server.vip") async throws -> Channel {
        do {
            return try await bootstrap
                .serverChannelOption(freebindOption(for: endpoint.host), value: 1)
                .bind(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw DaemonError("cannot listen for emulators on the VIP \(endpoint) (\(key)), even with IP_FREEBIND: \(error)")
        }
    }
}
