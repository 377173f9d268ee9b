import Foundation
import Logging
import NIOCore
import NIOSSL
import NetMgrCore
import NetMgrSecurity

/// The LAN side's TLS contexts, from the definitions and the node's material: the
/// listener's (clients must present a certificate of the cluster CA) and the peer links'
/// (this node's certificate towards the other nodes). Both nil in development mode.
struct LANSecurity {
    let server: NIOSSLContext?
    let peerClient: NIOSSLContext?

    static let developmentWarning = "TLS is off: any local process can open any LU (development mode, cluster.tls: off)"
    /// How often netmgrd repeats the development-mode warning.
    static let warningInterval = TimeAmount.seconds(60)

    init(definitions: Definitions, node: ClusterNode, material: TLSMaterial?) throws {
        guard definitions.cluster.tls.isOn else {
            server = nil
            peerClient = nil
            return
        }
        guard let material else {
            throw DaemonError("the definitions use TLS (cluster.tls), but netmgrd was given no certificate and key for node \(node.name); make them with `netmgr pki init`, or set `tls: off` in cluster.yaml for development on loopback")
        }
        do {
            server = try TLSConfigurations.server(material)
            peerClient = try TLSConfigurations.client(material)
        } catch {
            throw DaemonError("node \(node.name): the TLS certificate and key cannot be used: \(TLSErrorText.describe(error))")
        }
    }

    /// In development mode: the warning now, on standard error and in the log, and in the
    /// log every `warningInterval` until the returned task is cancelled.
    func warnWhilePlain(logger: Logger, loop: EventLoop) -> RepeatedTask? {
        guard server == nil else { return nil }
        FileHandle.standardError.write(Data("netmgrd: WARNING: \(Self.developmentWarning)\n".utf8))
        logger.warning("\(Self.developmentWarning)")
        return loop.scheduleRepeatedTask(initialDelay: Self.warningInterval, delay: Self.warningInterval) { _ in
            logger.warning("\(Self.developmentWarning)")
        }
    }
}

/// Reads a node's TLS material as its definitions name it.
public enum NodeTLSMaterial {
    /// The cluster CA and `node`'s certificate and key (paths resolved by the parser against
    /// the definitions directory); nil when the definitions say `tls: off`. Throws a
    /// `DaemonError` naming the file and what is wrong with it.
    public static func load(definitions: Definitions, node: ClusterNode) throws -> TLSMaterial? {
        guard let caPath = definitions.cluster.tls.caPath else { return nil }
        guard let files = node.tls else {
            throw DaemonError("node \(node.name) has no TLS certificate and key in the definitions (nodes[].tls)")
        }
        do {
            return try TLSMaterial.load(caPath: caPath, certificatePath: files.certificatePath, keyPath: files.keyPath)
        } catch {
            throw DaemonError("node \(node.name): \(error) (cluster.tls is on; `netmgr pki init` makes the cluster's certificates)")
        }
    }
}
