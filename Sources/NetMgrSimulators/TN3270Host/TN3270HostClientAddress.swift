import NIOCore

/// Client addresses as the LU map compares them: the canonical text of an IP address, so
/// `--lu X=127.0.0.10` matches what the socket reports, and an IPv4-mapped IPv6 peer
/// (`::ffff:127.0.0.10`, from a dual-stack listener) matches its IPv4 form.
public enum TN3270HostClientAddress {
    /// The canonical text of `text`, or nil when it is not an IP address literal.
    public static func normalize(_ text: String) -> String? {
        guard let canonical = try? SocketAddress(ipAddress: text, port: 0).ipAddress else { return nil }
        let mapped = "::ffff:"
        if canonical.lowercased().hasPrefix(mapped) {
            let rest = String(canonical.dropFirst(mapped.count))
            if rest.contains("."), let v4 = try? SocketAddress(ipAddress: rest, port: 0).ipAddress { return v4 }
        }
        return canonical
    }
}
