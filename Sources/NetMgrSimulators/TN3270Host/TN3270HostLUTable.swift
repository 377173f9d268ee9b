import NIOCore
import TN3270

/// Who holds which LU, as a value type with the clock passed in: the host's half of the
/// failover story. An LU is free, held by a live connection (DEVICE-IN-USE to anyone
/// else), or lingering for `holdAfterClose` after its holder's connection closed, as real
/// hosts keep a session around for a while (also DEVICE-IN-USE).
public struct TN3270HostLUTable: Sendable {
    public typealias ConnectionID = Int

    /// A connection that holds (or held) an LU, as the host saw it.
    public struct Holder: Hashable, Sendable, CustomStringConvertible {
        public var connection: ConnectionID
        /// The client's address in canonical form (`TN3270HostClientAddress.normalize`).
        public var client: String
        public var port: Int

        public init(connection: ConnectionID, client: String, port: Int) {
            self.connection = connection
            self.client = client
            self.port = port
        }

        public var description: String { "\(client):\(port)" }
    }

    public enum State: Hashable, Sendable {
        case free
        case held(Holder)
        /// The holder's connection closed; the LU is busy until `until`.
        case lingering(until: NIODeadline, Holder)
    }

    public enum Decision: Hashable, Sendable {
        /// Give the client `lu`; `generic` when the client named none and the pool chose.
        case grant(lu: String, generic: Bool)
        /// Refuse with the RFC 2355 reason; `explanation` says why, for the journal.
        case reject(TN3270ERejectReason, explanation: String)
    }

    public let map: TN3270HostLUMap
    public let holdAfterClose: TimeAmount
    private var states: [String: State] = [:]
    /// Which LU each live connection holds (the inverse of the `.held` states).
    private var heldBy: [ConnectionID: String] = [:]
    /// The `.lingering` LUs and until when, so expiry does not walk every LU.
    private var lingering: [String: NIODeadline] = [:]

    public init(map: TN3270HostLUMap, holdAfterClose: TimeAmount = .zero) {
        self.map = map
        self.holdAfterClose = holdAfterClose
    }

    public func state(of lu: String) -> State {
        map[lu].flatMap { states[$0.name] } ?? .free
    }

    /// The LU a connection holds (granted, perhaps not yet bound).
    public func lu(heldBy connection: ConnectionID) -> String? {
        heldBy[connection]
    }

    /// When the next lingering LU becomes free.
    public var nextExpiry: NIODeadline? {
        lingering.values.min()
    }

    /// Frees the LUs whose hold ran out by `now`; returns them.
    public mutating func expire(now: NIODeadline) -> [String] {
        guard !lingering.isEmpty else { return [] }
        let expired = lingering.filter { $0.value <= now }.keys.sorted()
        for name in expired {
            states[name] = nil
            lingering[name] = nil
        }
        return expired
    }

    /// Decides a request from `holder`'s connection; a grant marks the LU held.
    public mutating func request(_ target: TN3270ELUTarget, deviceType: String, holder: Holder, now: NIODeadline) -> Decision {
        _ = expire(now: now)
        switch target {
        case .connect(let name):
            return requestSpecific(name, holder: holder, now: now)
        case .any:
            return requestGeneric(deviceType: deviceType, holder: holder, now: now)
        case .associate(let terminal):
            return .reject(.invalidAssociate, explanation: "no printer is associated with terminal \(terminal)")
        }
    }

    private mutating func requestSpecific(_ name: String, holder: Holder, now: NIODeadline) -> Decision {
        guard let entry = map[name] else {
            return .reject(.invalidName, explanation: "LU \(name) is not defined on this host")
        }
        guard entry.permits(holder.client) else {
            return .reject(.invalidName, explanation: "LU \(entry.name) is not permitted for client \(holder.client)")
        }
        if let busy = busyExplanation(entry.name, now: now) { return .reject(.deviceInUse, explanation: busy) }
        hold(entry.name, holder)
        return .grant(lu: entry.name, generic: false)
    }

    private mutating func requestGeneric(deviceType: String, holder: Holder, now: NIODeadline) -> Decision {
        let permitted = map.entries.filter { $0.permits(holder.client) }
        guard !permitted.isEmpty else {
            return .reject(.invalidName, explanation: "no LU is permitted for client \(holder.client)")
        }
        let suitable = permitted.filter { $0.serves(deviceType: deviceType) }
        let kind = TN3270HostLUMap.isPrinter(deviceType: deviceType) ? "printer" : "terminal"
        guard !suitable.isEmpty else {
            return .reject(.invalidDeviceType, explanation: "no \(kind) LU is permitted for client \(holder.client) (device type \(deviceType))")
        }
        guard let free = suitable.first(where: { busyExplanation($0.name, now: now) == nil }) else {
            return .reject(.deviceInUse, explanation: "every \(kind) LU permitted for client \(holder.client) is in use (\(suitable.map(\.name).joined(separator: ", ")))")
        }
        hold(free.name, holder)
        return .grant(lu: free.name, generic: true)
    }

    private mutating func hold(_ name: String, _ holder: Holder) {
        states[name] = .held(holder)
        heldBy[holder.connection] = name
    }

    private func busyExplanation(_ name: String, now: NIODeadline) -> String? {
        switch states[name] ?? .free {
        case .free:
            return nil
        case .held(let holder):
            return "LU \(name) is held by a live connection from \(holder)"
        case .lingering(let until, let holder):
            let tenths = (until - now).nanoseconds / 100_000_000
            return "LU \(name) is held for \(tenths / 10).\(tenths % 10)s more after its connection from \(holder) closed"
        }
    }

    /// The connection is gone. Its LU lingers for `holdAfterClose` when `hold` (the
    /// connection closed) and is free at once otherwise (never bound, or found dead by
    /// probing, which already took its time). Returns the LU, if it held one.
    @discardableResult
    public mutating func release(connection: ConnectionID, hold: Bool, now: NIODeadline) -> String? {
        guard let name = heldBy.removeValue(forKey: connection), case .held(let holder) = states[name] else { return nil }
        if hold, holdAfterClose > .zero {
            states[name] = .lingering(until: now + holdAfterClose, holder)
            lingering[name] = now + holdAfterClose
        } else {
            states[name] = nil
        }
        return name
    }
}
