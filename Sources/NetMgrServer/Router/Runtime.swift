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
    /// Highest sequence handed to the host side in this generation.
    var queued: UInt64 = 0
    /// The messages handed to the host side and not yet settled for the client.
    var hostLedger = HostLedger()
    /// Every message up to this one is settled (accepted or rejected) in this generation.
    var acked: UInt64 { hostLedger.settledThrough }
    /// The TCP connection that carries the LU at the host, announced to watching peers.
    var hostConnection: HostConnectionInfo?
    /// Host data numbering towards the client.
    var hostSequence: UInt64 = 0
    /// Host data that arrived while no session was registered (bounded; oldest dropped).
    var undelivered = CircularBuffer<ByteBuffer>()
    static let undeliveredLimit = 64
    /// Whether the host side was asked to stop reading for this LU (its client is behind).
    var hostDataPaused = false
    /// The BIND RU of the LU's SNA session now (nil: none, or not an SNA LU); TN server BIND-IMAGE.
    var bindImage: ByteBuffer?

    init(lu: LU) {
        self.lu = lu
    }

    /// Starts a new generation: sequence numbers restart for a new client session.
    func startGeneration() {
        generation &+= 1
        queued = 0
        hostLedger = HostLedger()
    }

    /// Forgets everything about the host side (the resource left this node).
    func reset() {
        startGeneration()
        hostState = .waitingForHost
        hostDetail = ""
        undelivered.removeAll()
        bindImage = nil
        lastOwnerName = nil
        hostDataPaused = false
    }
}

/// The messages of one LU handed to the host side, in the order handed, until the client
/// has been told of them. The host may answer out of order (TN3270E RESPONSES keeps
/// several records in flight); an ACK means "everything up to here", so it only covers
/// a prefix of settled messages, and each answer is taken once.
struct HostLedger {
    enum Outcome { case pending, accepted, rejected }
    typealias Entry = (sequence: UInt64, bytes: Int, outcome: Outcome)
    private(set) var entries = CircularBuffer<Entry>()
    /// Every message up to and including this one is settled.
    private(set) var settledThrough: UInt64 = 0
    /// Payload bytes of the messages the host side still holds (not yet answered).
    private(set) var pendingBytes = 0

    /// What an answer from the host means for the client.
    struct Report: Equatable {
        /// The answer is for a message still pending (not a repeat, not an old one).
        var settled: Bool
        /// The cumulative ACK this answer makes due, if any.
        var ack: UInt64?
        /// The accepted messages that ACK covers (metrics: `netmgr_messages_acked_total`).
        var acceptedCovered = 0
    }

    /// Messages handed over and not yet covered by an ACK: those the host still holds,
    /// and those it answered that wait behind an earlier one.
    var messages: Int { entries.count }

    func holds(_ sequence: UInt64) -> Bool { index(of: sequence) != nil }

    /// Entries are in increasing sequence order (the router hands over only sequences past
    /// the last one), so a replay of thousands looks each up in a few steps.
    private func index(of sequence: UInt64) -> CircularBuffer<Entry>.Index? {
        var low = entries.startIndex, high = entries.endIndex
        while low < high {
            let middle = entries.index(low, offsetBy: entries.distance(from: low, to: high) / 2)
            if entries[middle].sequence < sequence { low = entries.index(after: middle) } else { high = middle }
        }
        return low < entries.endIndex && entries[low].sequence == sequence ? low : nil
    }

    mutating func handed(sequence: UInt64, bytes: Int) {
        entries.append((sequence, bytes, .pending))
        pendingBytes += bytes
    }

    mutating func accepted(_ sequence: UInt64) -> Report { settle(sequence, as: .accepted) }
    mutating func rejected(_ sequence: UInt64) -> Report { settle(sequence, as: .rejected) }

    private mutating func settle(_ sequence: UInt64, as outcome: Outcome) -> Report {
        guard let index = index(of: sequence), entries[index].outcome == .pending else {
            return Report(settled: false, ack: nil)
        }
        entries[index].outcome = outcome
        pendingBytes -= entries[index].bytes
        var ack: UInt64?
        var covered = 0
        while let first = entries.first, first.outcome != .pending {
            entries.removeFirst()
            settledThrough = max(settledThrough, first.sequence)
            if first.outcome == .accepted { ack = first.sequence; covered += 1 }
        }
        return Report(settled: true, ack: ack, acceptedCovered: covered)
    }
}
