import Foundation

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

    public init(servers: [ServerAddress], clientName: String = NetMgrClientConfiguration.defaultClientName()) {
        self.servers = servers
        self.clientName = clientName
    }

    public static func defaultClientName() -> String {
        "\(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier) \(UUID().uuidString.prefix(8))"
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
    case messageRejected(lu: String, sequence: UInt64, reason: String)
    case hostData(lu: String, bytes: [UInt8])
}

public struct NetMgrClientError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Duration {
    /// Whole nanoseconds, for NIO's TimeAmount.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
