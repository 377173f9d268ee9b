/// The TN3270E server front end (issue 15 part 2): which LUs netmgrd offers to unmodified
/// emulators, and how it treats them. Written as `cluster.tn-server:`; each node listens
/// where its `cluster.nodes[].tn-server: ADDRESS:PORT` says (off when absent).
///
/// The rules (README, "TN3270E server front end"):
/// - The client's address picks one `map` entry: the most specific `clients` block that
///   holds it (the longest prefix; on a tie the first entry written).
/// - A request naming an LU (TN3270E CONNECT, basic `TYPE@LU`, s3270 `LU@host`) gets it when
///   that entry lists it under `lus`, or its pool holds it; naming the entry's pool is a
///   generic request. Anything else is refused: TN3270E REJECT INV-NAME.
/// - A generic request gets the entry's `lu`, or an LU of its `pool`; an entry with
///   neither refuses it (REJECT UNSUPPORTED-REQ), as does an address no entry holds.
/// - An LU held by another emulator, or kept for another client address, is refused with
///   DEVICE-IN-USE.
public struct TNServerSettings: Sendable, Located {
    /// Seconds an LU stays reserved for the client address that last held it (KEEPLU).
    public var keepLUSeconds = TNServerSettings.defaultKeepLUSeconds
    /// Seconds of silence before an emulator is probed with TIMING-MARK; 0: never.
    public var probeIntervalSeconds = TNServerSettings.defaultProbeIntervalSeconds
    /// Seconds a probed emulator has to answer before its connection is closed.
    public var probeTimeoutSeconds = TNServerSettings.defaultProbeTimeoutSeconds
    /// Seconds from accept to a bound session (TN3270E or basic) before the connection is closed.
    public var negotiationTimeoutSeconds = TNServerSettings.defaultNegotiationTimeoutSeconds
    /// Whether a request naming an LU that an emulator session from the same client address
    /// holds takes it over (`takeover`, like z/OS TKOSPECLU): after a failover and back, the
    /// old node may still hold the emulator's half-open session from before.
    public var takeover: TNTakeover = .sameAddress
    public var pools: [TNPool] = []
    public var map: [TNClientMap] = []
    /// Which printer LU goes with which display LU (TN3270E ASSOCIATE; TNServerSettings+Printers.swift).
    public var printers: [TNPrinterAssociation] = []
    /// Where STARTTLS is offered and TLS listeners (TNServerSettings+Printers.swift: `tls`).
    public var startTLS: TNStartTLS = .off
    /// A LAN-side VIP every node with `tn-server:` also listens on (IP_FREEBIND; issue 15 part 3).
    public var vip: Endpoint?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public static let defaultKeepLUSeconds = 120
    public static let defaultProbeIntervalSeconds = 60
    public static let defaultProbeTimeoutSeconds = 10
    public static let defaultNegotiationTimeoutSeconds = 10
    public static let keepLURange = 0...86_400
    public static let probeIntervalRange = 0...86_400
    public static let probeTimeoutRange = 1...600
    public static let negotiationTimeoutRange = 1...600

    public init(location: SourceLocation) {
        self.location = location
    }

    public func pool(named name: String) -> TNPool? { pools.first { $0.name == name } }
}

/// A pool of LUs for generic requests.
public struct TNPool: Sendable, Located {
    public var name: String
    /// LU names (of `lus:`, on tnetos resources), in the order the hash ranks them from.
    public var lus: [String]
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(name: String, lus: [String], location: SourceLocation) {
        self.name = name
        self.lus = lus
        self.location = location
    }
}

/// What a generic request from a client gets.
public enum TNGenericTarget: Sendable, Hashable, CustomStringConvertible {
    case lu(String)
    case pool(String)

    public var description: String {
        switch self {
        case .lu(let name): "LU \(name)"
        case .pool(let name): "pool \(name)"
        }
    }
}

/// One client-address mapping (like z/OS LUMAP): who, which LUs by name, what when generic.
public struct TNClientMap: Sendable, Located {
    public var clients: [AddressBlock]
    /// LUs these clients may ask for by name.
    public var lus: [String]
    public var generic: TNGenericTarget?
    /// What a generic printer request (device type IBM-3287-1, no LU named) from these clients gets.
    public var printerGeneric: TNGenericTarget?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(clients: [AddressBlock], lus: [String], generic: TNGenericTarget?, location: SourceLocation) {
        self.clients = clients
        self.lus = lus
        self.generic = generic
        self.location = location
    }
}

/// An address block, `10.1.0.0/16` or a single address (`/32`, `/128`).
public struct AddressBlock: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let width = address.isIPv6 ? 128 : 32
        var length = width
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...width).contains(given), parts[1].allSatisfy(\.isNumber) else { return nil }
            length = given
        }
        self.address = address
        self.prefixLength = length
    }

    public func contains(_ other: IPAddress) -> Bool {
        switch (address, other) {
        case let (.v4(a), .v4(b)):
            guard prefixLength > 0 else { return true }
            let mask = UInt32.max << UInt32(32 - prefixLength)
            return a & mask == b & mask
        case let (.v6(ah, al), .v6(bh, bl)):
            let highBits = min(prefixLength, 64), lowBits = max(0, prefixLength - 64)
            let highMask = highBits == 0 ? 0 : UInt64.max << UInt64(64 - highBits)
            let lowMask = lowBits == 0 ? 0 : UInt64.max << UInt64(64 - lowBits)
            return ah & highMask == bh & highMask && al & lowMask == bl & lowMask
        default:
            return false
        }
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// `cluster.tn-server.takeover`: what a request naming an LU held by another emulator
/// session gets.
public enum TNTakeover: String, Sendable, CaseIterable {
    /// The same client address takes the LU over: the old session is closed (it is most often
    /// a connection the emulator lost in a failover, which the node never saw end).
    case sameAddress = "same-address"
    /// DEVICE-IN-USE until the old session ends (its probe times out or keep-lu runs out).
    case off
}
