import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrSecurity

/// The cluster's TLS in the loopback world: the PKI made on first use, client certificates
/// for the applications that tests and the demo run.
extension LoopbackCluster {
    /// Whether the definitions use TLS on the LAN and between the nodes (the default).
    public var usesTLS: Bool { definitions.cluster.tls.isOn }

    /// When the definitions use TLS and their PKI files (the CA, each node's certificate and
    /// key) are missing, makes them with `ClusterPKI` where the definitions name them (by
    /// default `pki/` in the definitions directory), as `netmgr pki init` would. Files that
    /// exist are kept; a missing node certificate is issued by the existing CA (whose key
    /// must then be beside it, `pki/ca-key.pem`).
    static func ensurePKI(_ definitions: Definitions) throws {
        let lineSwitchKey = definitions.cluster.lineSwitchKey
        guard let caPath = definitions.cluster.tls.caPath else {
            // No TLS, but a line switch key to make: just the key.
            if let lineSwitchKey, !PKIFile.exists(lineSwitchKey) { try PKIFile.write(ClusterPKI.makeSecretKey(), to: lineSwitchKey, mode: PKIFile.secretMode) }
            return
        }
        let files = [caPath] + definitions.cluster.nodes.flatMap { node in node.tls.map { [$0.certificatePath, $0.keyPath] } ?? [] } + (lineSwitchKey.map { [$0] } ?? [])
        guard files.contains(where: { !PKIFile.exists($0) }) else { return }
        _ = try ClusterPKI.initialise(definitions, lineSwitchKeyPath: lineSwitchKey, force: false)
    }

    /// The files of an application certificate for `identity` (URI SAN netmgr:client:IDENTITY),
    /// issued by the cluster's CA on first use into `workDirectory/pki/`; the key has mode 0600.
    public func clientTLSFiles(identity: String) throws -> (ca: String, certificate: String, key: String) {
        guard let caPath = definitions.cluster.tls.caPath else {
            throw Failure(description: "the definitions in \(definitionsDirectory) say tls: off; there is no CA to issue a client certificate")
        }
        let certificate = workDirectory + "/pki/\(identity).pem"
        let key = workDirectory + "/pki/\(identity)-key.pem"
        try pkiLock.withLock {
            guard !PKIFile.exists(certificate) || !PKIFile.exists(key) else { return }
            let authority = try ClusterPKI.loadAuthority(certificatePath: caPath, keyPath: ClusterPKI.keyPath(forCertificate: caPath))
            let issued = try ClusterPKI.issueClient(name: identity, by: authority)
            try PKIFile.write(issued.certificatePEM(), to: certificate, mode: PKIFile.publicMode)
            try PKIFile.write(issued.privateKeyPEM(), to: key, mode: PKIFile.secretMode)
        }
        return (caPath, certificate, key)
    }

    /// An application's TLS for `identity`; nil when the definitions say `tls: off`.
    public func clientTLS(identity: String) throws -> ClientTLS? {
        guard usesTLS else { return nil }
        let files = try clientTLSFiles(identity: identity)
        return try ClientTLS(caPath: files.ca, certificatePath: files.certificate, keyPath: files.key)
    }

    /// A client configuration for every node of the cluster, with a certificate for
    /// `identity` when the definitions use TLS.
    public func clientConfiguration(name: String, identity: String = "loopback-app") throws -> NetMgrClientConfiguration {
        NetMgrClientConfiguration(servers: definitions.cluster.nodes.map { ServerAddress(host: $0.lan.host, port: $0.lan.port) },
                                  clientName: name, tls: try clientTLS(identity: identity))
    }

    /// `--ca --certificate --key` for `netmgr sim app` run as `identity`; none when TLS is off.
    public func clientTLSArguments(identity: String) throws -> [String] {
        guard usesTLS else { return [] }
        let files = try clientTLSFiles(identity: identity)
        return ["--ca", files.ca, "--certificate", files.certificate, "--key", files.key]
    }
}
