/// The address the host saw a terminal by. On the IP path: the client's IP address (the
/// port changes with every connection and is not part of a terminal's identity). On the
/// line path: the station address, the XID node id and the LU local addresses. On the
/// X.25 path: the calling DTE address, the QXID node id and the LU local addresses.
public struct TerminalAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// "ip", "sdlc", "x25" or "bdlc".
    public var kind: String
    /// IP path: the client address.
    public var ip: String?
    /// IP path: the client port (for reference; not compared).
    public var port: Int?
    /// Line path: "0xC1".
    public var station: String?
    /// Line path: "05D00001", nil when no XID was captured.
    public var nodeID: String?
    /// Line path: LU local addresses.
    public var lus: [Int]?
    /// BDLC path: the host's line number and, from the definitions, the node whose station it is.
    public var line: Int?
    public var node: String?
    /// X.25 path: the terminal's (the DTE side's) X.121 address, as the host sees it.
    public var dteAddress: String? = nil
    /// Switched path ("dialup", "isdn"): the node's number as the host saw it (the calling
    /// number when the node called, the dialled number when the host called).
    public var number: String? = nil

    public static func ip(_ address: String, port: Int) -> TerminalAddress {
        TerminalAddress(kind: "ip", ip: address, port: port, station: nil, nodeID: nil, lus: nil)
    }

    public static func sdlc(station: String, nodeID: String?, lus: [Int]) -> TerminalAddress {
        TerminalAddress(kind: "sdlc", ip: nil, port: nil, station: station, nodeID: nodeID, lus: lus)
    }

    /// BDLC: the station address, the host line and the LUs its blocks were for.
    public static func bdlc(station: String, line: Int, node: String?, lus: [Int]) -> TerminalAddress {
        TerminalAddress(kind: "bdlc", ip: nil, port: nil, station: station, nodeID: nil, lus: lus, line: line, node: node)
    }

    public static func x25(dteAddress: String, nodeID: String?, lus: [Int]) -> TerminalAddress {
        TerminalAddress(kind: "x25", ip: nil, port: nil, station: nil, nodeID: nodeID, lus: lus, dteAddress: dteAddress)
    }

    public static func switched(kind: String, number: String?, station: String?, nodeID: String?, lus: [Int]) -> TerminalAddress {
        TerminalAddress(kind: kind, ip: nil, port: nil, station: station, nodeID: nodeID, lus: lus, number: number)
    }

    var isSwitched: Bool { kind == "dialup" || kind == "isdn" }

    public var description: String {
        if kind == "ip" { return ip ?? "?" }
        if isSwitched {
            let lus = (self.lus ?? []).map(String.init).joined(separator: ",")
            return "number \(number ?? "unseen") station \(station ?? "?") XID \(nodeID ?? "unseen") LUs \(lus.isEmpty ? "none" : lus)"
        }
        if kind == "bdlc" {
            return "station \(station ?? "?") line \(line.map(String.init) ?? "?")" + (node.map { " (\($0))" } ?? "")
        }
        if kind == "x25" {
            let lus = (self.lus ?? []).map(String.init).joined(separator: ",")
            return "DTE \(dteAddress ?? "?") XID \(nodeID ?? "unseen") LUs \(lus.isEmpty ? "none" : lus)"
        }
        let lus = (self.lus ?? []).map(String.init).joined(separator: ",")
        return "station \(station ?? "?") XID \(nodeID ?? "unseen") LUs \(lus.isEmpty ? "none" : lus)"
    }

    /// What differs between two addresses; `unknown` lists parts one side lacks.
    func compare(with other: TerminalAddress) -> (differences: [String], unknown: [String]) {
        var differences: [String] = []
        var unknown: [String] = []
        if kind == "ip" {
            if ip != other.ip { differences.append("client address \(ip ?? "?") → \(other.ip ?? "?")") }
            return (differences, unknown)
        }
        if isSwitched {
            switch (number, other.number) {
            case let (a?, b?) where a != b: differences.append("calling number \(a) → \(b)")
            case (nil, _), (_, nil): unknown.append("calling number (not signalled \(number == nil ? "before" : "after") the boundary)")
            default: break
            }
        }
        if kind == "x25" {
            if dteAddress != other.dteAddress { differences.append("calling DTE address \(dteAddress ?? "?") → \(other.dteAddress ?? "?")") }
        } else if station != other.station {
            differences.append("station \(station ?? "?") → \(other.station ?? "?")")
        }
        // Basic mode: the station address is what the host sees of the terminal; the line
        // and the LUs are noted, not compared (every node has its own line).
        if kind == "bdlc" { return (differences, unknown) }
        switch (nodeID, other.nodeID) {
        case let (a?, b?) where a != b: differences.append("XID node id \(a) → \(b)")
        case (nil, _), (_, nil): unknown.append("XID node id (no XID captured \(nodeID == nil ? "before" : "after") the boundary)")
        default: break
        }
        if lus != other.lus {
            let a = (lus ?? []).map(String.init).joined(separator: ","), b = (other.lus ?? []).map(String.init).joined(separator: ",")
            differences.append("LU addresses \(a.isEmpty ? "none" : a) → \(b.isEmpty ? "none" : b)")
        }
        return (differences, unknown)
    }
}
