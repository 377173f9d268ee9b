import Logging
import NetMgrCore

/// What one netmgrd needs to run.
public struct DaemonConfiguration: Sendable {
    public var definitions: Definitions
    /// This node, by name in the definitions.
    public var nodeName: String
    /// Where the cluster-wide epoch counter lives (shared or switched with the group).
    public var stateDirectory: String?
    /// The admin socket path (created with mode 0600 in a directory of mode 0700 if it makes one).
    public var adminSocket: String
    /// Where to serve clients; defaults to the node's `lan` endpoint.
    public var lanEndpoint: Endpoint?
    /// Limits for re-binding LUs at the host (DEVICE-IN-USE, closed connections).
    public var retry = RetryPolicy()
    /// How long a graceful shutdown waits for resources to deactivate.
    public var shutdownTimeoutSeconds: Double = 10

    public init(definitions: Definitions, nodeName: String, stateDirectory: String?, adminSocket: String, lanEndpoint: Endpoint? = nil) {
        self.definitions = definitions
        self.nodeName = nodeName
        self.stateDirectory = stateDirectory
        self.adminSocket = adminSocket
        self.lanEndpoint = lanEndpoint
    }
}

/// Exponential backoff with jitter, for host re-binds. It starts short and grows gently:
/// after a failover the host frees a held LU within a few hundred milliseconds, and each
/// ask (a DEVICE-IN-USE retry) is one cheap exchange, so the wait between the host freeing
/// the LU and the next ask is what the operator sees.
public struct RetryPolicy: Sendable {
    public var initialMilliseconds: Int64 = 20
    public var maximumMilliseconds: Int64 = 1_000
    public var multiplier: Double = 1.5
    /// A host that accepts a connection but does not finish negotiating within this time is
    /// given up on and the LU tried again (a hung host, or an overflowed accept queue).
    public var negotiationTimeoutMilliseconds: Int64 = 5_000

    public init() {}

    /// The delay before attempt `attempt` (1-based), with ±20 % jitter so that many LUs
    /// do not retry in lock step.
    public func delay(attempt: Int) -> Int64 {
        let base = Double(initialMilliseconds) * pow(multiplier, Double(max(0, attempt - 1)))
        let capped = min(base, Double(maximumMilliseconds))
        return Int64(capped * Double.random(in: 0.8...1.2))
    }
}

#if canImport(Glibc)
import Glibc
#endif
