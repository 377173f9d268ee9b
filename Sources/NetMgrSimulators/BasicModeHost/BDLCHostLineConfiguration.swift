import BasicMode
import NIOCore
import NetMgrCore

/// One basic-mode line the simulated host serves as control station: the host's end of one
/// node's own BDLC line. The host listens where the node's `device: tcp:HOST:PORT` points,
/// polls the node's station address and takes its text blocks.
public struct BDLCHostLineConfiguration: Sendable {
    /// 1-based, in the order of the simulator's BDLC line list; the capture's line number.
    public var number: Int
    /// The line's name in the definitions, e.g. `BSC1`.
    public var name: String
    /// The node whose line this is (for logs).
    public var node: String
    public var listen: Endpoint
    public var stationAddress: BasicModeStationAddress
    public var coding: BasicModeCoding
    /// LU local addresses on the station, with their names for the journal.
    public var logicalUnits: [(address: UInt8, name: String?)]
    /// Idle time between polls of a station that had nothing to send.
    public var pollInterval: TimeAmount = .milliseconds(50)
    /// How long the host waits for the station's reply before it asks again.
    public var replyTimeout: TimeAmount = .milliseconds(300)
    /// How long the host waits for a station's next block after acknowledging one (longer
    /// than the station's reply timeout, so a lost ACK is asked for with ENQ).
    public var receiveTimeout: TimeAmount = .seconds(10)
    /// Unanswered polls in a row after which the host takes the station for gone.
    public var retryLimit = 3

    public init(number: Int, name: String, node: String, listen: Endpoint, stationAddress: BasicModeStationAddress,
                coding: BasicModeCoding, logicalUnits: [(address: UInt8, name: String?)]) {
        self.number = number
        self.name = name
        self.node = node
        self.listen = listen
        self.stationAddress = stationAddress
        self.coding = coding
        self.logicalUnits = logicalUnits
    }

    /// How the journal names the line: the definitions' line and the host's line number,
    /// e.g. `BSC1 line 1` (node-a's) and `BSC1 line 2` (node-b's).
    public var journalName: String { "\(name) line \(number)" }

    func luName(_ address: UInt8) -> String? {
        logicalUnits.first { $0.address == address }?.name ?? nil
    }

    /// Every BDLC line of `definitions` named in `names` (all BDLC lines when `names` is
    /// empty), one host line per node device, numbered in definition and node order.
    public static func lines(definitions: Definitions, names: [String]) throws(BDLCHostOptionsError) -> [BDLCHostLineConfiguration] {
        for name in names {
            guard let line = definitions.line(named: name) else {
                throw BDLCHostOptionsError("--bdlc-line \(name): no line \(name) in the definitions")
            }
            guard line.procedure == .bdlc else {
                throw BDLCHostOptionsError("--bdlc-line \(name): line \(name) is \(line.procedure.rawValue), not bdlc")
            }
        }
        var result: [BDLCHostLineConfiguration] = []
        for line in definitions.lines where line.procedure == .bdlc && (names.isEmpty || names.contains(line.name)) {
            let resources = definitions.resources.filter { $0.line == line.name }.map(\.name)
            let lus = definitions.lus.filter { resources.contains($0.resource) }
                .sorted { $0.address < $1.address }
                .map { (address: $0.address, name: Optional($0.hostLUName)) }
            for node in definitions.cluster.nodes {
                guard let facts = line.perNode[node.name], let deviceText = facts.device, let raw = facts.bdlcAddress else {
                    throw BDLCHostOptionsError("--bdlc-line \(line.name): node \(node.name) has no device or bdlc-address")
                }
                guard let address = BasicModeStationAddress(rawValue: raw) else {
                    throw BDLCHostOptionsError("--bdlc-line \(line.name), node \(node.name): bdlc-address \(bdlcHex(raw)) is not a basic-mode station address")
                }
                let text = deviceText.lowercased().hasPrefix("tcp:") ? String(deviceText.dropFirst(4)) : deviceText
                guard case .success(let endpoint) = Endpoint.parse(text) else {
                    throw BDLCHostOptionsError("--bdlc-line \(line.name), node \(node.name): device \(deviceText) is not tcp:HOST:PORT")
                }
                guard result.count < 127 else { throw BDLCHostOptionsError("--bdlc-line: more than 127 host lines") }
                result.append(BDLCHostLineConfiguration(
                    number: result.count + 1, name: line.name, node: node.name, listen: endpoint, stationAddress: address,
                    coding: line.coding == .ebcdic ? .ebcdic : .ascii, logicalUnits: lus))
            }
        }
        return result
    }
}

/// BDLC host options that cannot be used; the text names the option and what is expected.
public struct BDLCHostOptionsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `0x41`: how journal entries and logs write a station address.
func bdlcHex(_ value: UInt8) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return "0x" + (text.count < 2 ? "0" : "") + text
}
