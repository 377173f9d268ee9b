/// A cluster's whole definition set: the seed's communication device information
/// (`lines`), phonebook (`resources`) and LU information (`lus`), plus the cluster itself.
/// One set serves both nodes; facts that differ per node live in per-node sections.
public struct Definitions: Sendable {
    public var cluster: Cluster
    public var lines: [Line]
    public var resources: [Resource]
    public var lus: [LU]

    public init(cluster: Cluster, lines: [Line], resources: [Resource], lus: [LU]) {
        self.cluster = cluster
        self.lines = lines
        self.resources = resources
        self.lus = lus
    }

    public func line(named name: String) -> Line? { lines.first { $0.name == name } }
    public func resource(named name: String) -> Resource? { resources.first { $0.name == name } }
    public func node(named name: String) -> ClusterNode? { cluster.nodes.first { $0.name == name } }
    public func lus(of resource: String) -> [LU] { lus.filter { $0.resource == resource } }

    /// The failover group that carries a resource.
    public func group(carrying resource: String) -> FailoverGroup? {
        cluster.groups.first { $0.resources.contains(resource) }
    }

    /// A VIP by its name, with the group that owns it.
    public func vip(named name: String) -> (vip: VIP, group: FailoverGroup)? {
        for group in cluster.groups {
            if let vip = group.vip, vip.name == name { return (vip, group) }
        }
        return nil
    }
}

public struct Cluster: Sendable, Located {
    public var name: String
    public var nodes: [ClusterNode]
    public var groups: [FailoverGroup]
    /// The line switch device's control endpoint, when any line is switched.
    public var lineSwitch: Endpoint?
    /// Which application identities may open which resources and LUs; nil (no `clients:`)
    /// lets every application open everything.
    public var clients: [ClientGrant]? = nil
    /// TLS on the LAN and between the nodes (TLSSettings.swift); the parser resolves the CA path.
    public var tls: ClusterTLS = .on(caPath: ClusterTLS.defaultCAPath)
    /// The line switch's shared HMAC key file (`cluster.line-switch.key`), resolved against the definitions directory; nil: unauthenticated.
    public var lineSwitchKey: String?
    /// `cluster.admin-group`: a Unix group whose members may use the admin socket besides netmgrd's own uid.
    public var adminGroup: String?
    /// `cluster.tn-server`: the TN server's LU map (TNServerSettings.swift); nil: no TN server.
    public var tnServer: TNServerSettings?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(name: String, nodes: [ClusterNode], groups: [FailoverGroup], lineSwitch: Endpoint?, location: SourceLocation) {
        self.name = name
        self.nodes = nodes
        self.groups = groups
        self.lineSwitch = lineSwitch
        self.location = location
    }
}

/// A cluster node and where its netmgrd listens.
public struct ClusterNode: Sendable, Located {
    public var name: String
    /// The node's real address: its source address for own-address `none` resources.
    public var address: IPAddress
    /// Where clients reach this node's netmgrd.
    public var lan: Endpoint
    /// The admin socket that `netmgr activate/deactivate/status` and cluster engines use.
    public var adminSocket: String?
    /// The access licence count: how many client identities this node serves at once
    /// (`max-clients`, equal on every node); nil is unlimited.
    public var maxClients: Int? = nil
    /// Where netmgrd serves `GET /metrics` (`metrics`, docs/METRICS.md); nil: off.
    public var metrics: Endpoint? = nil
    /// Where this node's TN server listens for emulators (`tn-server`); nil: off.
    public var tnServer: Endpoint? = nil
    /// Where this node's TN server listens for emulators over TLS (direct TLS, like port 992).
    public var tnServerTLS: Endpoint? = nil
    /// The node's certificate and key; the parser always sets it (defaults resolved). Nil for nodes built in code.
    public var tls: NodeTLS?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(name: String, address: IPAddress, lan: Endpoint, adminSocket: String?, location: SourceLocation) {
        self.name = name
        self.address = address
        self.lan = lan
        self.adminSocket = adminSocket
        self.location = location
    }
}

/// A failover group: the resources that move together, and the VIP that moves with them.
public struct FailoverGroup: Sendable, Located {
    public var name: String
    public var vip: VIP?
    public var resources: [String]
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(name: String, vip: VIP?, resources: [String], location: SourceLocation) {
        self.name = name
        self.vip = vip
        self.resources = resources
        self.location = location
    }
}

public struct VIP: Sendable, Hashable, Located {
    public var name: String
    public var address: IPAddress
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(name: String, address: IPAddress, location: SourceLocation) {
        self.name = name
        self.address = address
        self.location = location
    }
}

/// The seed's communication procedures (通信手順).
public enum Procedure: String, Sendable, CaseIterable {
    case hdlcLeased = "hdlc-leased"
    case hdlcPacket = "hdlc-packet"
    case hdlcPublic = "hdlc-public"
    case hdlcISDN = "hdlc-isdn"
    case bdlc = "bdlc"
    case tnetos = "tnetos"

    /// Lines whose physical circuit a line switch device moves between the nodes, so
    /// the host keeps seeing the same station/DTE/calling line.
    public var isSwitchable: Bool {
        switch self {
        case .hdlcLeased, .hdlcPacket, .hdlcPublic: return true
        case .hdlcISDN, .bdlc, .tnetos: return false
        }
    }

    public var isSDLC: Bool { self == .hdlcLeased }
}

/// A line switch unit as CLUSTERPRO names it: `COM1 Unit1 Line1`.
public struct LineSwitchUnit: Sendable, Hashable, CustomStringConvertible {
    public var com: Int
    public var unit: Int
    public var line: Int

    public init(com: Int, unit: Int, line: Int) {
        self.com = com
        self.unit = unit
        self.line = line
    }

    /// Parses `COMn Unitm Linek`, also with a space before the number and any case.
    public init?(parsing text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var numbers: [String: Int] = [:]
        var index = 0
        while index < words.count {
            let word = words[index].uppercased()
            guard let prefix = ["COM", "UNIT", "LINE"].first(where: { word.hasPrefix($0) }) else { return nil }
            var digits = String(word.dropFirst(prefix.count))
            if digits.isEmpty, index + 1 < words.count {
                index += 1
                digits = words[index]
            }
            guard let value = Int(digits), value >= 0, numbers[prefix] == nil else { return nil }
            numbers[prefix] = value
            index += 1
        }
        guard let com = numbers["COM"], let unit = numbers["UNIT"], let line = numbers["LINE"] else { return nil }
        self.init(com: com, unit: unit, line: line)
    }

    public var description: String { "COM\(com) Unit\(unit) Line\(line)" }
}

/// A communication line (通信装置情報定義).
public struct Line: Sendable, Located {
    public var name: String
    public var procedure: Procedure
    public var switchUnit: LineSwitchUnit?
    /// SDLC station address (1–254) the host polls.
    public var stationAddress: UInt8?
    public var nodeID: XIDNodeID?
    /// An `hdlc-packet` line's X.121 address and LAPB/X.25 settings (defaults elsewhere).
    public var x25 = X25LineSettings()
    /// An `hdlc-public` or `hdlc-isdn` line's call settings (defaults elsewhere).
    public var switched = SwitchedLineSettings()
    /// Facts that differ per node, keyed by node name.
    public var perNode: [String: LineNodeFacts]
    /// BDLC: the character coding of the basic-mode line (`coding:`, default ascii).
    public var coding: LineCoding = .ascii
    /// BDLC: seconds without a poll or selection from the host after which the tributary
    /// station takes the line for dead and reconnects (`poll-timeout:`, default 3).
    public var pollTimeoutSeconds: Int = Line.defaultPollTimeoutSeconds
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public static let defaultPollTimeoutSeconds = 3
    public static let pollTimeoutRange = 1...300

    public init(
        name: String, procedure: Procedure, switchUnit: LineSwitchUnit?, stationAddress: UInt8?,
        nodeID: XIDNodeID?, perNode: [String: LineNodeFacts], location: SourceLocation
    ) {
        self.name = name
        self.procedure = procedure
        self.switchUnit = switchUnit
        self.stationAddress = stationAddress
        self.nodeID = nodeID
        self.perNode = perNode
        self.location = location
    }
}

/// The character coding of a basic-mode (BDLC) line.
public enum LineCoding: String, Sendable, CaseIterable {
    /// ISO 1745 / JIS X 5002 characters, 1-byte LRC block check.
    case ascii
    /// IBM BSC characters, CRC-16 block check.
    case ebcdic
}

/// What one node has of a line: its device (serial port, or `tcp:HOST:PORT` for a
/// simulated line), its ISDN number or its BDLC address.
public struct LineNodeFacts: Sendable, Hashable, Located {
    public var device: String?
    public var isdnNumber: String?
    public var bdlcAddress: UInt8?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(device: String?, isdnNumber: String?, bdlcAddress: UInt8?, location: SourceLocation) {
        self.device = device
        self.isdnNumber = isdnNumber
        self.bdlcAddress = bdlcAddress
        self.location = location
    }
}

/// How the terminal session to the host is negotiated on a TnETOS resource.
public enum TNDialect: String, Sendable, CaseIterable {
    /// RFC 2355: DEVICE-TYPE REQUEST ... CONNECT luname.
    case tn3270e
    /// RFC 1576 with the RFC 1646 `TYPE@LUNAME` terminal type.
    case tn3270
}

/// The source address a resource uses towards the host (自IPアドレス名).
public enum OwnAddress: Sendable, Hashable {
    /// A VIP by name: both nodes use it, so the host sees the same address.
    case vip(String)
    /// Written `none` (「なし」): each node's real address, so the host sees a different terminal.
    case nodeAddress
}

/// The host side of a resource (phonebook entry).
public enum HostAddress: Sendable, Hashable, CustomStringConvertible {
    case tcp(Endpoint)
    /// A dial number (public line, ISDN).
    case number(String)
    /// An X.121 DTE address (packet network).
    case dte(String)
    /// A leased line: the line itself leads to the host.
    case line

    public var description: String {
        switch self {
        case .tcp(let endpoint): return endpoint.description
        case .number(let number): return "tel:\(number)"
        case .dte(let dte): return "dte:\(dte)"
        case .line: return "(leased line)"
        }
    }
}

/// A communication resource (通信リソース / 電話帳).
public struct Resource: Sendable, Located {
    public var name: String
    public var line: String
    public var host: HostAddress
    public var ownAddress: OwnAddress?
    public var terminalType: String
    public var dialect: TNDialect
    /// How many LU negotiations (connect to bound) may be in flight at once towards this
    /// resource's host endpoint; resources sharing an endpoint share the smallest limit.
    public var maxNegotiations = Resource.defaultMaxNegotiations
    /// TLS toward the host (tnetos resources only); nil is plain TCP.
    public var tls: ResourceTLS?
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    /// Gentle enough for Hercules 3.13, whose console thread mishandles simultaneous accepts.
    public static let defaultMaxNegotiations = 1
    public static let maxNegotiationsRange = 1...1024

    public init(
        name: String, line: String, host: HostAddress, ownAddress: OwnAddress?, terminalType: String,
        dialect: TNDialect, location: SourceLocation
    ) {
        self.name = name
        self.line = line
        self.host = host
        self.ownAddress = ownAddress
        self.terminalType = terminalType
        self.dialect = dialect
        self.location = location
    }
}

public enum LUKind: String, Sendable, CaseIterable {
    case terminal
    case printer
}

/// What an LU asks the host for.
public enum HostLUKind: String, Sendable, CaseIterable {
    /// One named LU (`host-lu: TCP00001`, or the LU's own name).
    case name
    /// A device number (`host-lu: "@0011"`): Hercules' 3270 device at that address.
    case device
    /// A pool or group (`host-pool: VIPGRP`): any free LU of it; several LUs may name it.
    case pool
}

/// A logical unit (LU情報定義).
public struct LU: Sendable, Located {
    public var name: String
    /// LU local address, 1–254 (the SNA local address on a line; an identifier on TnETOS).
    public var address: UInt8
    public var resource: String
    public var kind: LUKind
    /// What the host knows, when it differs from `name`: an LU name, a device number's hex
    /// digits (without the `@`), or a pool name, as `hostKind` says.
    public var hostName: String?
    public var hostKind: HostLUKind = .name
    public var location: SourceLocation
    public var fields: [String: SourceLocation] = [:]

    public init(name: String, address: UInt8, resource: String, kind: LUKind, hostName: String?, location: SourceLocation) {
        self.name = name
        self.address = address
        self.resource = resource
        self.kind = kind
        self.hostName = hostName
        self.location = location
    }

    /// What to request from the host: after `@` in the basic TN3270 terminal type, or in
    /// TN3270E CONNECT.
    public var hostLUName: String { hostName ?? name }

    /// As the definitions write it: `TCP00001`, `@0011`, `pool VIPGRP`.
    public var hostLUDescription: String {
        switch hostKind {
        case .name: return hostLUName
        case .device: return "@" + hostLUName
        case .pool: return "pool " + hostLUName
        }
    }
}
