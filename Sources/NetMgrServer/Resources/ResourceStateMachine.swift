import NetMgrProtocol

/// One resource's life on this node: standby → activating → active → deactivating →
/// standby, with the epoch of the activation that made it active. Value type: each
/// event returns what the owner must do; the owner does nothing else.
public struct ResourceStateMachine: Sendable, Equatable {
    public private(set) var state: ResourceState = .standby
    /// The epoch of the current (or last) activation here; 0 = never activated.
    public private(set) var epoch: UInt64 = 0
    /// The highest epoch seen anywhere in the cluster for this resource.
    public private(set) var newestSeenEpoch: UInt64 = 0
    /// An activation requested while deactivating, carried out once standby.
    private var queuedActivation: UInt64?

    public init() {}

    public enum Action: Sendable, Equatable {
        /// Connect to the host (bind LUs, switch the line) for this epoch.
        case startAttachment(epoch: UInt64)
        /// Close the host side cleanly.
        case stopAttachment
        /// Tell clients (and peers) the new state and epoch.
        case announce(ResourceState, epoch: UInt64)
        case none
    }

    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// A newer activation exists elsewhere; activating with an older epoch would be a split brain.
        case staleEpoch(requested: UInt64, newest: UInt64)

        public var description: String {
            switch self {
            case .staleEpoch(let requested, let newest):
                return "epoch \(requested) is older than epoch \(newest) already active in the cluster"
            }
        }
    }

    /// A cluster engine (or an operator) activates the resource here.
    public mutating func activate(epoch: UInt64) throws(Refusal) -> [Action] {
        guard epoch > newestSeenEpoch || (epoch == self.epoch && state != .standby) else {
            throw .staleEpoch(requested: epoch, newest: newestSeenEpoch)
        }
        newestSeenEpoch = max(newestSeenEpoch, epoch)
        switch state {
        case .standby:
            return begin(epoch: epoch)
        case .activating, .active:
            // Already here: a re-activation only raises the epoch clients compare.
            guard epoch != self.epoch else { return [] }
            self.epoch = epoch
            return [.announce(state, epoch: epoch)]
        case .deactivating:
            queuedActivation = epoch
            return []
        }
    }

    private mutating func begin(epoch: UInt64) -> [Action] {
        self.epoch = epoch
        state = .activating
        return [.announce(.activating, epoch: epoch), .startAttachment(epoch: epoch)]
    }

    /// The host side is up (connections started, line switched here).
    public mutating func attachmentStarted() -> [Action] {
        guard state == .activating else { return [] }
        state = .active
        return [.announce(.active, epoch: epoch)]
    }

    /// The host side could not be started at all (e.g. the line switch refused).
    public mutating func attachmentFailed() -> [Action] {
        guard state == .activating else { return [] }
        state = .deactivating
        return [.announce(.deactivating, epoch: epoch), .stopAttachment]
    }

    public mutating func deactivate() -> [Action] {
        queuedActivation = nil
        switch state {
        case .activating, .active:
            state = .deactivating
            return [.announce(.deactivating, epoch: epoch), .stopAttachment]
        case .standby, .deactivating:
            return []
        }
    }

    public mutating func attachmentStopped() -> [Action] {
        guard state == .deactivating else { return [] }
        state = .standby
        var actions: [Action] = [.announce(.standby, epoch: epoch)]
        if let queued = queuedActivation {
            // Checked against newer epochs when it was requested.
            queuedActivation = nil
            if queued >= newestSeenEpoch { actions += begin(epoch: queued) }
        }
        return actions
    }

    /// Another node reports this resource active with `epoch`. If that is newer than
    /// ours, this node lost the resource (split brain healed): step down.
    public mutating func peerReported(activeEpoch: UInt64) -> [Action] {
        newestSeenEpoch = max(newestSeenEpoch, activeEpoch)
        guard activeEpoch > epoch, state == .active || state == .activating else { return [] }
        return deactivate()
    }
}
