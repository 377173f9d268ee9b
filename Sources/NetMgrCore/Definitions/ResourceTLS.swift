/// How a TnETOS resource reaches the host over TLS (`resources[].tls`).
public enum HostTLSMode: String, Sendable, CaseIterable {
    /// TLS from the first byte (the port-992 style).
    case direct
    /// Telnet STARTTLS (draft-altman-telnet-starttls): the host offers IAC DO START_TLS,
    /// and the TLS handshake starts on the same connection. A host that does not offer it
    /// is a failure, never a fall back to plaintext.
    case starttls
}

/// TLS toward the host. Paths are as written in the definitions, resolved against the
/// definitions directory when relative.
public struct ResourceTLS: Sendable, Equatable, Located {
    public var mode: HostTLSMode
    /// The CA the host's certificate must verify against (PEM); the system store is never used.
    public var caPath: String
    /// A client certificate (PEM chain, leaf first) and its private key, both or neither.
    public var certificatePath: String?
    public var keyPath: String?
    /// The name for SNI and the certificate name check; nil checks the host's address
    /// (an IP address SAN). An IP address here is checked against the connected address.
    public var serverName: String?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(mode: HostTLSMode, caPath: String, certificatePath: String? = nil, keyPath: String? = nil, serverName: String? = nil,
                location: SourceLocation) {
        self.mode = mode
        self.caPath = caPath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.serverName = serverName
        self.location = location
    }

    /// Equal settings, wherever they were written.
    public static func == (a: ResourceTLS, b: ResourceTLS) -> Bool {
        a.mode == b.mode && a.caPath == b.caPath && a.certificatePath == b.certificatePath && a.keyPath == b.keyPath && a.serverName == b.serverName
    }
}
