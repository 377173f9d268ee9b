/// `cluster.tls`: whether the LAN protocol and the peer link use TLS, and the cluster CA.
public enum ClusterTLS: Sendable, Hashable {
    /// `tls: off`: plain TCP, development only (every node's `lan` must be a loopback address).
    case off
    /// TLS with the CA certificate(s) at this path (resolved against the definitions directory).
    case on(caPath: String)

    /// The CA path when TLS is on.
    public var caPath: String? {
        if case .on(let path) = self { return path }
        return nil
    }

    public var isOn: Bool { caPath != nil }

    /// The CA's default path, relative to the definitions directory.
    public static let defaultCAPath = "pki/ca.pem"
}

/// `cluster.nodes[].tls`: the node's certificate (chain) and private key, resolved against the
/// definitions directory. Defaults: `pki/NODE.pem` and `pki/NODE-key.pem`.
public struct NodeTLS: Sendable, Hashable {
    public var certificatePath: String
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// The default files of node `name`, relative to the definitions directory.
    public static func defaults(node name: String) -> NodeTLS {
        NodeTLS(certificatePath: "pki/\(name).pem", keyPath: "pki/\(name)-key.pem")
    }
}

/// Definitions paths are relative to the definitions directory, i.e. the directory of the file
/// that names them (all definitions files live in one directory).
public enum DefinitionsPath {
    public static func resolve(_ path: String, besides file: String) -> String {
        guard !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return path }
        let directory = file[..<slash]
        return directory.isEmpty ? "/" + path : "\(directory)/\(path)"
    }
}
