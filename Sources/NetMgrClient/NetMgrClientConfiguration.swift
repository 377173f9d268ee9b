import Foundation
import NetMgrProtocol
import NetMgrSecurity

/// A netmgrd's LAN address as the client dials it.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct NetMgrClientConfiguration: Sendable {
    /// Every netmgrd of the cluster; the client stays connected to all of them.
    public var servers: [ServerAddress]
    /// Identifies this application instance to the servers. A reconnecting client with the
    /// same name takes its LUs over from its own half-dead connection; keep it unique per process.
    public var clientName: String
    /// Reconnection backoff to a server that is down.
    public var reconnectInitial: Duration = .milliseconds(20)
    public var reconnectMaximum: Duration = .milliseconds(500)
    /// Liveness: a PING this often, and a server silent this long is taken as lost.
    public var pingInterval: Duration = .milliseconds(250)
    public var serverTimeout: Duration = .seconds(2)
    /// Delay before re-opening a session a server refused (e.g. the LU is still held).
    public var reopenDelay: Duration = .milliseconds(50)
    /// How many messages one session holds that the host has not accepted yet. When they
    /// are this many, `LUSession.submit` waits for room and `LUSession.trySubmit` fails
    /// with `NetMgrClientError.queueFull`. Values below 1 count as 1.
    public var sessionQueueLimit: Int = 1_024
    /// TLS towards the servers: the cluster CA to verify them against, and this
    /// application's certificate and key, which the servers require (their identity is what
    /// the `clients:` section of the definitions grants). nil: plain TCP, for a cluster in
    /// development mode (`cluster.tls: off`) only; a TLS server refuses it.
    public var tls: ClientTLS?

    /// The largest message a session takes: what one DATA frame carries. A larger one
    /// fails with `.tooLarge`.
    public static let maximumMessageSize = LANProtocol.maximumPayloadLength

    public init(servers: [ServerAddress], clientName: String = NetMgrClientConfiguration.defaultClientName(), tls: ClientTLS? = nil) {
        self.servers = servers
        self.clientName = clientName
        self.tls = tls
    }

    public static func defaultClientName() -> String {
        "\(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier) \(UUID().uuidString.prefix(8))"
    }
}

/// An application's TLS towards the cluster: the cluster CA it verifies the servers
/// against, and its own certificate (chain) and private key.
public struct ClientTLS: Sendable {
    public var material: TLSMaterial
    /// Where the material was read from, for messages; nil when it was given loaded.
    public var files: (ca: String, certificate: String, key: String)?

    /// Material already loaded (e.g. from a secrets store).
    public init(material: TLSMaterial) {
        self.material = material
        self.files = nil
    }

    /// Reads the PEM files now: the CA certificate(s), this application's certificate
    /// (chain, leaf first) and its private key, which must not be readable by group or
    /// others. Throws `TLSMaterialError` naming the file and what is wrong with it.
    public init(caPath: String, certificatePath: String, keyPath: String) throws {
        self.material = try TLSMaterial.load(caPath: caPath, certificatePath: certificatePath, keyPath: keyPath)
        self.files = (caPath, certificatePath, keyPath)
    }
}

/// What happens in the client, for applications that want to show or log it.
public enum NetMgrClientEvent: Sendable, Equatable {
    case serverConnected(server: ServerAddress, node: String)
    case serverLost(server: ServerAddress, reason: String)
    /// The server used for `resource` changed: `to` is nil while no server has it active.
    case resourceMoved(resource: String, from: String?, to: String?, epoch: UInt64)
    case sessionOpened(lu: String, node: String, hostAddress: String)
    /// A session moved to `node` and sent `replayed` unacknowledged messages again.
    case sessionResumed(lu: String, node: String, hostAddress: String, replayed: Int)
    case sessionState(lu: String, state: String, detail: String)
    case messageAcked(lu: String, sequence: UInt64)
    /// The host refused message `sequence` for good; the client dropped it and went on
    /// with the next one. `send` callers get `NetMgrClientError.hostRejected` instead.
    case messageRejected(lu: String, sequence: UInt64, reason: String)
    /// A server refused to open or keep the session (`error` says why: not active there,
    /// LU held by another client, ...). The client tries again by itself.
    case sessionRefused(lu: String, error: NetMgrClientError)
    case hostData(lu: String, bytes: [UInt8])
}

extension Duration {
    /// Whole nanoseconds, for NIO's TimeAmount; negative durations count as zero and
    /// absurdly long ones as about 292 years, so no configured value can trap.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (total, overflow2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : total
    }
}
