import NIOCore

/// The LAN protocol between NetMgrClient and netmgrd (docs/PROTOCOL.md).
/// One TCP connection per client per server carries many LU sessions.
public enum LANProtocol {
    /// The protocol version this build speaks. A peer offering a range that does not
    /// include it is refused with `unsupportedVersion`.
    public static let version: UInt16 = 1
    /// Largest frame either side accepts; a larger length is a protocol error.
    public static let maximumFrameLength = 1 << 20
    /// Largest first frame (HELLO) a server accepts: until HELLO a peer is unknown, so
    /// it may not make the server buffer more than this.
    public static let maximumHelloFrameLength = 4096
    /// Largest payload a DATA or HOST-DATA frame carries: the frame limit less the frame's
    /// own fields (type 1, session 4, sequence 8, payload length 4 bytes).
    public static let maximumPayloadLength = maximumFrameLength - 17
}

/// A resource's state as a server reports it.
public enum ResourceState: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case standby = 0
    case activating = 1
    case active = 2
    case deactivating = 3

    public var description: String {
        switch self {
        case .standby: return "standby"
        case .activating: return "activating"
        case .active: return "active"
        case .deactivating: return "deactivating"
        }
    }
}

/// Where an LU session stands towards the host.
public enum SessionState: UInt8, Sendable, CustomStringConvertible {
    /// Registered; the server is still binding the LU at the host (or retrying).
    case waitingForHost = 0
    /// The host has bound the LU; messages flow.
    case bound = 1
    /// The server lost the LU at the host and is re-binding it.
    case hostLost = 2

    public var description: String {
        switch self {
        case .waitingForHost: return "waiting-for-host"
        case .bound: return "bound"
        case .hostLost: return "host-lost"
        }
    }
}

/// Error codes carried by `ERROR` frames.
public enum LANErrorCode: UInt16, Sendable, CustomStringConvertible {
    case unsupportedVersion = 1
    case unknownResource = 2
    case unknownLU = 3
    /// The resource is not active on this server: ask the active one.
    case notActive = 4
    /// Another client session holds this LU.
    case luInUse = 5
    case unknownSession = 6
    /// The host refused the message (a negative response); the detail says why.
    case hostRejected = 7
    case malformed = 8
    /// The resource was deactivated here; the session must move.
    case deactivated = 9
    case sessionExists = 10
    case shuttingDown = 11
    /// The LU has too many messages waiting for the host; `sequence` names the one refused.
    case queueFull = 12
    /// The connection's identity may not open this resource or LU (`clients:` in cluster.yaml).
    case notAuthorised = 13
    /// The server already serves its licensed number of clients (`max-clients`); the
    /// connection is closed after this error.
    case licenceExhausted = 14

    public var description: String {
        switch self {
        case .unsupportedVersion: return "unsupported-version"
        case .unknownResource: return "unknown-resource"
        case .unknownLU: return "unknown-lu"
        case .notActive: return "not-active"
        case .luInUse: return "lu-in-use"
        case .unknownSession: return "unknown-session"
        case .hostRejected: return "host-rejected"
        case .malformed: return "malformed"
        case .deactivated: return "deactivated"
        case .sessionExists: return "session-exists"
        case .shuttingDown: return "shutting-down"
        case .queueFull: return "queue-full"
        case .notAuthorised: return "not-authorised"
        case .licenceExhausted: return "licence-exhausted"
        }
    }
}

/// Everything a client sends.
public enum ClientMessage: Sendable, Equatable {
    /// First frame: the versions the client speaks and who it is.
    case hello(minVersion: UInt16, maxVersion: UInt16, client: String)
    /// Registers LU session `session` (chosen by the client, unique per connection).
    case open(session: UInt32, resource: String, lu: String)
    /// A message for the host; `sequence` grows by one per message in the session and
    /// is kept across failovers, so a server can recognise a replay.
    case data(session: UInt32, sequence: UInt64, payload: ByteBuffer)
    case close(session: UInt32)
    case ping(token: UInt64)
    /// A peer netmgrd asks for this server's host connections (HOST-CONNECTION frames),
    /// so that after a takeover it can make the host drop the ones this node left behind.
    case watchConnections
}

/// Everything a server sends.
public enum ServerMessage: Sendable, Equatable {
    case welcome(version: UInt16, node: String, cluster: String)
    /// One resource's state; sent for every resource after `welcome`, then on each change.
    case resource(name: String, state: ResourceState, epoch: UInt64, node: String)
    /// The initial resource table is complete.
    case tableEnd
    case opened(session: UInt32, state: SessionState, hostAddress: String)
    case session(session: UInt32, state: SessionState, detail: String)
    /// The host accepted every message of `session` up to and including `sequence`.
    case ack(session: UInt32, sequence: UInt64)
    /// Data the host sent to the LU.
    case hostData(session: UInt32, sequence: UInt64, payload: ByteBuffer)
    /// `session` 0 is the connection itself; `sequence` 0 when no message is concerned.
    case error(session: UInt32, code: LANErrorCode, sequence: UInt64, message: String)
    case closed(session: UInt32)
    case pong(token: UInt64)
    /// The server is shutting down gracefully: move now.
    case goodbye(reason: String)
    /// One of this server's host connections (to peers that sent WATCH-CONNECTIONS):
    /// `up` when an LU was bound over it, down when it ended.
    case hostConnection(HostConnectionInfo)
}

/// A TCP connection a node holds to the host for one LU.
public struct HostConnectionInfo: Sendable, Hashable {
    public var resource: String
    public var lu: String
    public var up: Bool
    public var localAddress: String
    public var localPort: UInt16
    public var remoteAddress: String
    public var remotePort: UInt16

    public init(resource: String, lu: String, up: Bool, localAddress: String, localPort: UInt16, remoteAddress: String, remotePort: UInt16) {
        self.resource = resource
        self.lu = lu
        self.up = up
        self.localAddress = localAddress
        self.localPort = localPort
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
    }
}
