import Logging
import NetMgrCore
import NetMgrSecurity

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
    /// What one client connection may cost netmgrd, and how many there may be.
    public var lan = LANLimits()
    /// This node's certificate and key and the cluster CA, for the LAN listener (clients
    /// must present a certificate of that CA) and the peer links (this node's certificate
    /// towards the other nodes). Required when the definitions use TLS (the default); nil
    /// only with `cluster.tls: off`. `NodeTLS.load` reads it as the definitions name it.
    public var tls: TLSMaterial?

    public init(definitions: Definitions, nodeName: String, stateDirectory: String?, adminSocket: String, lanEndpoint: Endpoint? = nil) {
        self.definitions = definitions
        self.nodeName = nodeName
        self.stateDirectory = stateDirectory
        self.adminSocket = adminSocket
        self.lanEndpoint = lanEndpoint
    }
}

/// Bounds on the LAN side, so that no client, well-behaved or not, can make netmgrd grow
/// without limit or starve the admin socket and the host connections of file descriptors.
public struct LANLimits: Sendable {
    /// Most client connections at once; nil derives it from the open-file limit
    /// (`connectionLimit(openFiles:hostConnections:)`).
    public var maximumConnections: Int?
    /// A connection that has not said HELLO within this time is closed.
    public var handshakeTimeoutSeconds: Double = 5
    /// A client connection whose unsent output passes `writeBufferHighWater` bytes is not
    /// writable: the host connections of its sessions are paused until it drains below
    /// `writeBufferLowWater`.
    public var writeBufferLowWater = 256 * 1024
    public var writeBufferHighWater = 1024 * 1024
    /// Past this much unsent output, host data for the connection's sessions is dropped
    /// (counted, logged, and visible to the client as a gap in HOST-DATA sequence numbers);
    /// past twice this the client is taken to be gone and its connection is closed.
    public var clientBufferLimit = 16 * 1024 * 1024
    /// The bytes of incomplete frames held for all clients together. Each connection may
    /// send a frame of up to 1 MiB, but not many at once may leave theirs incomplete.
    public var incompleteFrameBytes = 64 * 1024 * 1024
    /// Messages one LU may have handed to the host side and not yet answered, and their
    /// payload bytes; DATA past either is refused with ERROR queue-full. Well above the
    /// client's own per-session queue (1,024), so only a client that ignores it meets these.
    public var luQueueMessages = 4_096
    public var luQueueBytes = 64 * 1024 * 1024
    /// A connection being closed gets this long to deliver its last frame (an ERROR or
    /// GOODBYE); a client that does not read is then closed anyway.
    public var closeGraceSeconds: Double = 2
    /// Log lines about misbehaving clients (bad frames, refusals): this many per interval,
    /// then one summary with the count.
    public var logBurst = 10
    public var logIntervalSeconds: Double = 10

    public init() {}

    /// File descriptors kept out of the LAN's reach besides one per host connection: the
    /// admin socket and its connections, peer links, the epoch store, the event loop's own.
    public static let reservedFileDescriptors = 256

    /// The connection cap for an open-file limit: three quarters of what is left after one
    /// descriptor per host connection and `reservedFileDescriptors`, and at least 16.
    public static func connectionLimit(openFiles: UInt64, hostConnections: Int) -> Int {
        let files = Int(clamping: openFiles)
        let (left, overflow) = files.subtractingReportingOverflow(hostConnections + reservedFileDescriptors)
        guard !overflow, left > 0 else { return 16 }
        return max(16, left / 4 * 3)
    }

    /// The cap in force: the configured one, or the one derived from this process's limit.
    public func effectiveMaximumConnections(hostConnections: Int) -> Int {
        maximumConnections ?? Self.connectionLimit(openFiles: ProcessLimits.openFiles(), hostConnections: hostConnections)
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
    /// A message the host refuses this many times (it closes the session while that message
    /// is the oldest in flight) fails to the client as host-rejected; the next one goes on.
    public var hostRefusalLimit = 3
    public static let hostRefusalLimits = 1...100

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
