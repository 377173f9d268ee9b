import LineTransport
import NetMgrCore
import SDLC

/// Everything an SDLC attachment needs, resolved from the definitions for one node and
/// checked up front, so a missing fact fails the activation with a message naming it.
struct SDLCLinePlan: Sendable {
    var resource: String
    var line: String
    var unit: LineSwitchUnit
    var control: Endpoint
    /// Signs the SWITCH when cluster.line-switch has a key.
    var switchSigner: LineSwitchSigner?
    var node: String
    var epoch: UInt64
    var device: LineDevice
    /// The station address, XID node id and LUs, as the switched lines have them.
    var station: SDLCStationPlan
    var stationAddress: UInt8 { station.stationAddress }
    var nodeID: SDLC.XIDNodeID { station.nodeID }
    /// LU names and local addresses, in definition order.
    var logicalUnits: [(name: String, address: UInt8)] { station.logicalUnits }

    init(definitions: Definitions, resource: Resource, node: String, epoch: UInt64) throws {
        let (line, what, unit, control) = try switchedLine(definitions: definitions, resource: resource, node: node)
        self.resource = resource.name
        self.line = line.name
        self.unit = unit
        self.control = control
        self.switchSigner = try LineSwitchSigner.load(definitions)
        self.node = node
        self.epoch = epoch
        self.device = try nodeDevice(line, node: node, what: what)
        self.station = try SDLCStationPlan(definitions: definitions, resource: resource, line: line)
    }

    /// `station 0xC1 XID 05D00001`: what the host identifies this terminal by.
    var hostVisibleAddress: String {
        let station = String(stationAddress, radix: 16, uppercase: true)
        let id = String(nodeID.rawValue, radix: 16, uppercase: true)
        return "station 0x\(station.count == 1 ? "0" : "")\(station) XID \(String(repeating: "0", count: 8 - id.count))\(id)"
    }
}
