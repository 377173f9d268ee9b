import NIOCore
import NIOSSL
import NetMgrCore
import NetMgrSecurity

/// TLS for emulators (issue 15 part 3): `cluster.nodes[].tn-server-tls: ADDR:PORT` is a second
/// listener where the connection is TLS from the first byte (as port 992 is to 23), and
/// `cluster.tn-server.starttls: offer` makes the plaintext listener offer the TN3270 STARTTLS
/// option. Both present the node's own certificate chain and key (`cluster.nodes[].tls`, the
/// files `netmgr pki init` makes, whose names include the node's addresses); emulators verify
/// it against the cluster CA (s3270 `-cafile ca.pem`). Emulators present no certificate.
extension TNServer {
    /// The server context for emulators: the node's chain and key, TLS 1.2 or later, no client certificate.
    static func emulatorTLSContext(node: ClusterNode) throws -> NIOSSLContext {
        guard let files = node.tls else {
            throw DaemonError("node \(node.name): the TN server's TLS needs the node's certificate and key (cluster.nodes[\(node.name)].tls)")
        }
        do {
            let chain = try TLSMaterial.certificates(at: files.certificatePath, what: "certificate")
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(bytes: try SecretFile.read(path: files.keyPath), format: .pem)
            } catch let error as SecretFileError {
                throw DaemonError("\(error)")
            } catch {
                throw DaemonError("\(files.keyPath) is not a PEM private key (\(error))")
            }
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            configuration.certificateVerification = .none
            return try NIOSSLContext(configuration: configuration)
        } catch let error as DaemonError {
            throw DaemonError("node \(node.name): TLS for emulators (tn-server-tls / starttls): \(error)")
        } catch {
            throw DaemonError("node \(node.name): TLS for emulators (tn-server-tls / starttls): \(TLSErrorText.describe(error))")
        }
    }
}
