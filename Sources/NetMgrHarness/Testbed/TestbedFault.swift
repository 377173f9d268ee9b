import Foundation

/// A kind of failure the campaign injects, always at the node that is active at the time.
public enum TestbedFault: String, CaseIterable, Sendable, Codable {
    /// The active node's cable (its LAN and host link) cut, then put back.
    case cutCables = "cut-cables"
    /// SIGKILL of the active node's netmgrd, started again after the failover.
    case killNetmgrd = "kill-netmgrd"
    /// SIGSTOP of the active node's netmgrd for longer than the engine's detection time,
    /// then SIGCONT: a frozen node that comes back with the older epoch.
    case freezeNetmgrd = "freeze-netmgrd"
    /// The LAN partitioned between the nodes while both still reach the host and the
    /// client (split brain), then healed.
    case partitionLAN = "partition-lan"
    /// Loss and delay on the host's cable, then removed (`NamespaceWorld.degrade`: this
    /// kernel has no netem, so iptables drops at random and a slow token bucket delays).
    case lossyHostLink = "lossy-host-link"
    /// The host simulator killed and started again.
    case restartHost = "restart-host"
    /// SIGKILL of the cluster engine on the active node, started again after the failover.
    case killEngine = "kill-engine"
    /// SIGKILL of the line switch device, started again at once with its position reset
    /// (no line connected, as after a power cycle): the active node must switch the leased
    /// line to itself again; the group does not move.
    case restartLineSwitch = "restart-line-switch"

    /// Whether the group moves to the other node.
    public var failsOver: Bool {
        switch self {
        case .cutCables, .killNetmgrd, .freezeNetmgrd, .killEngine: true
        case .partitionLAN, .lossyHostLink, .restartHost, .restartLineSwitch: false
        }
    }

    /// `count` faults in a reproducible random order (splitmix64 from `seed`): shuffled
    /// rounds of every kind, so each kind occurs ⌊count ÷ kinds⌋ or one more times.
    public static func schedule(count: Int, kinds: [TestbedFault], seed: UInt64) -> [TestbedFault] {
        var random = SplitMix64Generator(seed: seed)
        var result: [TestbedFault] = []
        while result.count < count {
            var round = kinds
            round.shuffle(using: &random)
            result += round.prefix(count - result.count)
        }
        return result
    }
}
