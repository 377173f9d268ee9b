import NIOCore
import NIOPosix
import NetMgrCore
#if canImport(Glibc)
import Glibc
#endif

/// Which stale host connections (announced by peers over WATCH-CONNECTIONS) half-open
/// discovery may send a SYN to: only those whose remote end is the resource's configured
/// host endpoint. A peer (or anything posing as one) must not make this node open
/// connections from the VIP to an address it names.
enum HalfOpenDiscovery {
    /// Splits `stale` into the connections to knock (remote = the host endpoint: one of
    /// `hostAddresses` and the host's port) and the ones to skip.
    static func partition(_ stale: [StaleHostConnection], host: Endpoint, hostAddresses: Set<IPAddress>)
        -> (knock: [StaleHostConnection], skip: [StaleHostConnection]) {
        var knock: [StaleHostConnection] = []
        var skip: [StaleHostConnection] = []
        for connection in stale {
            if connection.remote.port == host.port, let address = IPAddress(connection.remote.host), hostAddresses.contains(address) {
                knock.append(connection)
            } else {
                skip.append(connection)
            }
        }
        return (knock, skip)
    }

    /// The host's address when it is written as one; nil when it is a name (resolve it).
    static func literalAddress(of host: Endpoint) -> IPAddress? { IPAddress(host.host) }

    /// The addresses a host name resolves to (getaddrinfo: blocking, call it off the loop).
    /// Empty when it does not resolve: then nothing is knocked.
    static func resolve(_ name: String) -> Set<IPAddress> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var result: Set<IPAddress> = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(socketAddress, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0,
                   let address = IPAddress(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) {
                    result.insert(address)
                }
            }
            entry = current.pointee.ai_next
        }
        return result
    }
}
