import NetMgrProtocol

/// One resource's life on this node: standby → activating → active → deactivating →
/// standby, with the epoch of the activation that made it active. Value type: each
/// event returns what the owner must do; the owner does nothing else.
public struct ResourceStateMachine: Sendable, Equatable {
    public private(set) var state: ResourceState = .standby
    /// The epoch of the current (or last) activation here; 0 = never activated.
    public private(set) var epoch: Epoch = .zero
    /// The highest epoch seen anywhere in the cluster for this resource.
    public private(set) var newestSeenEpoch: Epoch = .zero
    /// An activation requested while deactivating, carried out once standby.
    private var queuedActivation: Epoch?

    public init() {}

    public enum Action: Sendable, Equatable {
        /// Connect to the host (bind LUs, switch the line) for this epoch.
        case startAttachment(epoch: Epoch)
        /// Close the host side cleanly.
        case stopAttachment
        /// Tell clients (and peers) the new state and epoch.
        case announce(ResourceState, epoch: Epoch)
        case none
    }

    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// Epoch 0 stands for "never activated"; no activation may use it.
        case zeroEpoch
        /// A newer (or the same) activation was seen here or elsewhere; activating with it
        /// again would be a split brain.
        case staleEpoch(requested: Epoch, newest: Epoch)

        public var description: String {
            switch self {
            case .zeroEpoch:
                return "epoch 0 means \"never activated\" and cannot be used; give 1 or more, or leave the epoch out to take the next one"
            case .staleEpoch(let requested, let newest) where requested == newest:
                return "epoch \(requested) was already used for this resource in the cluster; an activation needs a newer one"
            case .staleEpoch(let requested, let newest):
                return "epoch \(requested) is older than epoch \(newest), the newest seen for this resource in the cluster"
            }
        }
    }

    /// A cluster engine (or an operator) activates the resource here.
    public mutating func activate(epoch: Epoch) throws(Refusal) -> [Action] {
        guard epoch != .zero else { throw .zeroEpoch }
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

    private mutating func begin(epoch: Epoch) -> [Action] {
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
    public mutating func peerReported(activeEpoch: Epoch) -> [Action] {
        newestSeenEpoch = max(newestSeenEpoch, activeEpoch)
        guard activeEpoch > epoch, state == .active || state == .activating else { return [] }
        return deactivate()
    }
}
