import NIOCore
import NetMgrCore
import NetMgrProtocol

/// Identifies a message to the host side. The generation changes when an LU starts a
/// new client session, so a late acceptance of an old session's message is not taken
/// for the new session's message with the same sequence number.
struct MessageTag: Hashable, Sendable {
    var generation: UInt32
    var sequence: UInt64
}

/// A resource on this node: its state machine, its LUs and, while active, its host side.
final class ResourceRuntime {
    let resource: Resource
    let group: String
    var machine = ResourceStateMachine()
    var attachment: HostAttachment?
    /// LUs by name, in definition order in `luOrder`.
    var lus: [String: LURuntime] = [:]
    var luOrder: [String] = []
    /// Admin requests waiting for the resource to become active / standby.
    var activationWaiters: [EventLoopPromise<Void>] = []
    var deactivationWaiters: [EventLoopPromise<Void>] = []
    /// When the last activation started, for the activation time in status.
    var activatingSince: NIODeadline?
    var activeSince: NIODeadline?

    init(resource: Resource, group: String, lus: [LU]) {
        self.resource = resource
        self.group = group
        for lu in lus {
            self.lus[lu.name] = LURuntime(lu: lu)
            luOrder.append(lu.name)
        }
    }

    var name: String { resource.name }
}

/// One LU on this node: where it stands at the host and which client session owns it.
final class LURuntime {
    let lu: LU
    var hostState: SessionState = .waitingForHost
    var hostDetail = ""
    var owner: (connection: ClientConnection, session: UInt32)?
    /// The client name of the last owner, to tell a returning client from a new one.
    var lastOwnerName: String?
    var generation: UInt32 = 0
    /// Highest sequence handed to the host side, and highest the host accepted, in this generation.
    var queued: UInt64 = 0
    var acked: UInt64 = 0
    /// The TCP connection that carries the LU at the host, announced to watching peers.
    var hostConnection: HostConnectionInfo?
    /// Host data numbering towards the client.
    var hostSequence: UInt64 = 0
    /// Host data that arrived while no session was registered (bounded; oldest dropped).
    var undelivered = CircularBuffer<ByteBuffer>()
    static let undeliveredLimit = 64
    /// Whether the host side was asked to stop reading for this LU (its client is behind).
    var hostDataPaused = false

    init(lu: LU) {
        self.lu = lu
    }

    /// Starts a new generation: sequence numbers restart for a new client session.
    func startGeneration() {
        generation &+= 1
        queued = 0
        acked = 0
    }

    /// Forgets everything about the host side (the resource left this node).
    func reset() {
        startGeneration()
        hostState = .waitingForHost
        hostDetail = ""
        undelivered.removeAll()
        lastOwnerName = nil
        hostDataPaused = false
    }
}
