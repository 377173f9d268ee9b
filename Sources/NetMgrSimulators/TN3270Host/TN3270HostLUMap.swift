import NetMgrCore

/// Which client addresses may hold which LU: the host's counterpart of a z/OS LUMAP or an
/// emulator's per-device IP filter. Order matters: the generic pool hands out LUs in it.
public struct TN3270HostLUMap: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        /// The LU name the host knows (VTAM's name).
        public var name: String
        /// Canonical client addresses allowed to hold it; nil means any address.
        public var permittedClients: Set<String>?
        /// Terminal or printer, when known; the generic pool gives printers to printer
        /// device types (IBM-3287-*) and terminals to the rest. Nil serves either.
        public var kind: LUKind?

        public init(name: String, permittedClients: Set<String>?, kind: LUKind? = nil) {
            self.name = name
            self.permittedClients = permittedClients
            self.kind = kind
        }

        /// Whether `client`, in canonical form (`TN3270HostClientAddress.normalize`), may
        /// hold the LU. Canonical on the way in keeps the generic pool's scan cheap.
        public func permits(_ client: String) -> Bool {
            guard let permittedClients else { return true }
            return permittedClients.contains(client)
        }

        /// Whether the generic pool may give this LU to `deviceType`.
        public func serves(deviceType: String) -> Bool {
            guard let kind else { return true }
            return (kind == .printer) == TN3270HostLUMap.isPrinter(deviceType: deviceType)
        }
    }

    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    public init(entries: [Entry] = []) {
        for entry in entries { self.add(entry) }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var names: [String] { entries.map(\.name) }

    /// The entry for `name`, compared without regard to case (host LU names are upper case).
    public subscript(name: String) -> Entry? {
        index[name.uppercased()].map { entries[$0] }
    }

    /// Adds `entry`, replacing an entry of the same name (an explicit `--lu` overrides
    /// what the definitions say).
    public mutating func add(_ entry: Entry) {
        if let position = index[entry.name.uppercased()] {
            entries[position] = entry
        } else {
            index[entry.name.uppercased()] = entries.count
            entries.append(entry)
        }
    }

    /// Device types of printer LUs (IBM-3287-1 and relatives).
    public static func isPrinter(deviceType: String) -> Bool {
        deviceType.uppercased().hasPrefix("IBM-3287")
    }

    /// The LUs of every TnETOS resource, under their host names. A resource whose own
    /// address is a VIP may be reached from the VIP only (the same terminal on either
    /// node); one with own address `none` from each node's real address.
    public init(definitions: Definitions) {
        for resource in definitions.resources {
            guard definitions.line(named: resource.line)?.procedure == .tnetos else { continue }
            let permitted: Set<String>
            switch resource.ownAddress {
            case .vip(let name):
                permitted = Set(definitions.vip(named: name).map { [$0.vip.address.text] } ?? [])
            case .nodeAddress, nil:
                permitted = Set(definitions.cluster.nodes.map(\.address.text))
            }
            let canonical = Set(permitted.map { TN3270HostClientAddress.normalize($0) ?? $0 })
            for lu in definitions.lus(of: resource.name) {
                var entry = Entry(name: lu.hostLUName, permittedClients: canonical, kind: lu.kind)
                // The same host LU under two resources: either resource's clients may have it.
                if let existing = self[entry.name], let earlier = existing.permittedClients {
                    entry.permittedClients = earlier.union(canonical)
                }
                self.add(entry)
            }
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.entries == rhs.entries }
    public func hash(into hasher: inout Hasher) { hasher.combine(entries) }
}
