import Yams

// `cluster.tls` and `cluster.nodes[].tls` (issue 14). Hooks: parseCluster and parseNode call
// these before `entry.finish()`; DefinitionsValidator.validate calls validateTLS().
extension DefinitionsParser {
    /// `tls:` absent → on with `pki/ca.pem`; `tls: off`; or `tls: { ca: PATH }`.
    func parseClusterTLS(_ entry: inout MappingReader, _ reader: YAMLReader) -> ClusterTLS {
        let file = entry.location.file
        let expected = "off (development, loopback only), or a mapping with ca: the cluster CA certificate (default \(ClusterTLS.defaultCAPath))"
        guard let node = entry.value("tls", expected: expected) else {
            return .on(caPath: DefinitionsPath.resolve(ClusterTLS.defaultCAPath, besides: file))
        }
        if case .scalar(let scalar) = node {
            switch scalar.string.lowercased() {
            case "off": return .off
            case "on": return .on(caPath: DefinitionsPath.resolve(ClusterTLS.defaultCAPath, besides: file))
            default:
                reader.report(node, key: entry.keyPath("tls"), "\"\(scalar.string)\" is not a TLS setting", expected: expected)
                return .on(caPath: DefinitionsPath.resolve(ClusterTLS.defaultCAPath, besides: file))
            }
        }
        var path = ClusterTLS.defaultCAPath
        if var tls = MappingReader(reader, node, path: entry.keyPath("tls"), what: expected) {
            path = tls.string("ca", expected: "the path of the cluster CA certificate (PEM), relative to the definitions directory") ?? path
            tls.finish()
        }
        return .on(caPath: DefinitionsPath.resolve(path, besides: file))
    }

    /// `tls: { certificate: PATH, key: PATH }` of node `name`; each defaults to `pki/NAME.pem`, `pki/NAME-key.pem`.
    func parseNodeTLS(_ entry: inout MappingReader, node name: String?, _ reader: YAMLReader) -> NodeTLS {
        let file = entry.location.file
        var files = NodeTLS.defaults(node: name ?? "NODE")
        if let node = entry.value("tls", expected: "a mapping with certificate and key"),
           var tls = MappingReader(reader, node, path: entry.keyPath("tls"), what: "a mapping with certificate and key (the node's PEM files)") {
            files.certificatePath = tls.string("certificate", expected: "the path of the node's certificate (PEM), relative to the definitions directory") ?? files.certificatePath
            files.keyPath = tls.string("key", expected: "the path of the node's private key (PEM, mode 0600), relative to the definitions directory") ?? files.keyPath
            tls.finish()
        }
        return NodeTLS(certificatePath: DefinitionsPath.resolve(files.certificatePath, besides: file),
                       keyPath: DefinitionsPath.resolve(files.keyPath, besides: file))
    }
}

extension DefinitionsValidator {
    /// `tls: off` only when every node's `lan` is a loopback address.
    func validateTLS() -> [Diagnostic] {
        guard let cluster = parsed.clusters.first, cluster.tls == .off else { return [] }
        var found: [Diagnostic] = []
        for node in cluster.nodes where !Self.isLoopback(node.lan.host) {
            found.append(Diagnostic(
                node.location(of: "lan"), key: "cluster.nodes[\(node.name)].lan",
                problem: "node \(node.name) listens on \(node.lan.host), not a loopback address, but cluster.tls is off (\(cluster.location(of: "tls")))",
                expected: "TLS on (remove `tls: off`), or lan on 127.0.0.0/8 or ::1 for development"))
        }
        return found
    }

    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        guard let address = IPAddress(host) else { return false }
        switch address {
        case .v4(let value): return value >> 24 == 127
        case .v6(let high, let low): return high == 0 && low == 1
        }
    }
}
