import Foundation

/// The admin socket protocol between `netmgr` (and cluster engines' scripts) and netmgrd:
/// one JSON object per line each way, over a Unix socket only root (or the socket's
/// group) can open.
public struct AdminRequest: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable {
        case status, activate, deactivate, metrics
    }

    public var command: Command
    /// Resource or failover group names; empty means every resource (status only).
    public var targets: [String]
    /// The activation epoch the cluster engine chose; nil lets netmgrd take the next one.
    public var epoch: UInt64?
    /// How long activate/deactivate may wait for the state to be reached.
    public var timeoutSeconds: Double?
    /// Leave each resource's LU list out (counts only): for polling large nodes.
    public var brief: Bool?

    public init(command: Command, targets: [String] = [], epoch: UInt64? = nil, timeoutSeconds: Double? = nil, brief: Bool = false) {
        self.command = command
        self.targets = targets
        self.epoch = epoch
        self.timeoutSeconds = timeoutSeconds
        self.brief = brief ? true : nil
    }
}

public struct AdminResponse: Codable, Sendable {
    public struct LUStatus: Codable, Sendable {
        /// An LU whose oldest message waited this long for the host is stalled: netmgrd warns
        /// once, brief status and `netmgr status` list it.
        public static let stalledAfterMilliseconds: Int64 = 30_000

        public var name: String
        public var address: Int
        public var state: String
        public var detail: String
        public var owner: String?
        /// Delivery figures (TnETOS LUs; absent from older servers).
        /// Messages handed to the host side and not acked yet.
        public var unacked: Int?
        /// How long the oldest of them has waited, in milliseconds.
        public var oldestUnackedMilliseconds: Int64?
        /// From the bind request (activation, or the loss of the session) to the last bind.
        public var timeToBindMilliseconds: Int64?
        /// The first line of the host's screen before it took input (what a refusal said).
        public var hostScreen: String?
        /// Why the host is not taking the LU, e.g. "rejected by host: INV-DEVICE-TYPE".
        public var rejection: String?

        public init(name: String, address: Int, state: String, detail: String, owner: String?,
                    unacked: Int? = nil, oldestUnackedMilliseconds: Int64? = nil, timeToBindMilliseconds: Int64? = nil,
                    hostScreen: String? = nil, rejection: String? = nil) {
            self.name = name
            self.address = address
            self.state = state
            self.detail = detail
            self.owner = owner
            self.unacked = unacked
            self.oldestUnackedMilliseconds = oldestUnackedMilliseconds
            self.timeToBindMilliseconds = timeToBindMilliseconds
            self.hostScreen = hostScreen
            self.rejection = rejection
        }
    }

    public struct ResourceStatus: Codable, Sendable {
        public var name: String
        public var group: String
        public var procedure: String
        public var state: String
        public var epoch: UInt64
        public var hostAddress: String
        public var lus: [LUStatus]
        /// How many LUs the resource has, and how many are bound at the host.
        public var luCount: Int
        public var boundCount: Int

        public init(name: String, group: String, procedure: String, state: String, epoch: UInt64, hostAddress: String, lus: [LUStatus],
                    luCount: Int, boundCount: Int) {
            self.name = name
            self.group = group
            self.procedure = procedure
            self.state = state
            self.epoch = epoch
            self.hostAddress = hostAddress
            self.lus = lus
            self.luCount = luCount
            self.boundCount = boundCount
        }
    }

    /// The access licence count: client identities connected now, and `max-clients`.
    public struct ClientsStatus: Codable, Sendable, Equatable {
        public var inUse: Int
        /// nil: no max-clients, unlimited.
        public var limit: Int?

        public init(inUse: Int, limit: Int?) {
            self.inUse = inUse
            self.limit = limit
        }
    }

    public var ok: Bool
    public var error: String?
    public var node: String
    /// Licence figures (status; absent from older servers).
    public var clients: ClientsStatus? = nil
    public var resources: [ResourceStatus]
    /// Prometheus text for `metrics`.
    public var metrics: String?

    public init(ok: Bool, error: String? = nil, node: String, resources: [ResourceStatus] = [], metrics: String? = nil) {
        self.ok = ok
        self.error = error
        self.node = node
        self.resources = resources
        self.metrics = metrics
    }
}
