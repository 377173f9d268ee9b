import NetMgrCore

/// Which node each line is connected to, and the epoch of the switch that put it there.
/// A value type: the device asks it, then moves bytes accordingly. A line connects the
/// host side to exactly one node at a time (or none before the first switch).
public struct LineSwitchBoard: Sendable {
    public struct Position: Hashable, Sendable {
        public var node: String?
        public var epoch: UInt64
        /// Switches carried out on this line.
        public var switches: Int
    }

    public enum Outcome: Hashable, Sendable {
        /// The line now connects `node`; `previous` is who had it.
        case switched(previous: String?, previousEpoch: UInt64)
        /// The line already connected `node` at this epoch: nothing moved.
        case unchanged
    }

    public let nodes: [LineSwitchUnit: [String]]
    public private(set) var positions: [LineSwitchUnit: Position]

    public init(nodes: [LineSwitchUnit: [String]]) {
        self.nodes = nodes
        positions = nodes.mapValues { _ in Position(node: nil, epoch: 0, switches: 0) }
    }

    public func position(of unit: LineSwitchUnit) -> Position? { positions[unit] }

    /// Connects `unit` to `node` unless `epoch` is older than the line's current epoch (a
    /// stale owner after a split brain) or the same epoch already went to another node.
    public mutating func switchLine(_ unit: LineSwitchUnit, to node: String, epoch: UInt64) -> Result<Outcome, LineSwitchControlError> {
        guard let current = positions[unit], let known = nodes[unit] else {
            let lines = nodes.keys.map(\.description).sorted().joined(separator: ", ")
            return .failure(.init(.unknownLine, "no line \(unit) on this switch; lines: \(lines)"))
        }
        guard known.contains(node) else {
            return .failure(.init(.unknownNode, "line \(unit) has no port for node \"\(node)\"; nodes: \(known.joined(separator: ", "))"))
        }
        if epoch < current.epoch {
            return .failure(.init(.staleEpoch, "line \(unit): epoch \(epoch) is older than the current epoch \(current.epoch) of \(current.node ?? "no node"); the newer owner keeps the line"))
        }
        if epoch == current.epoch, let owner = current.node {
            if owner == node { return .success(.unchanged) }
            return .failure(.init(.epochConflict, "line \(unit): epoch \(epoch) already connected \(owner); a new owner needs a newer epoch"))
        }
        positions[unit] = Position(node: node, epoch: epoch, switches: current.switches + 1)
        return .success(.switched(previous: current.node, previousEpoch: current.epoch))
    }
}
