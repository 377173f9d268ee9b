import LineTransport
import NIOCore
import NetMgrCore

/// Everything a BDLC attachment needs, resolved from the definitions for one node and
/// checked up front: the node's own line device, its own station address, the coding, the
/// poll timeout and the LUs (the devices on the station, by LU local address).
struct BDLCLinePlan: Sendable {
    var resource: String
    var line: String
    var node: String
    var device: LineDevice
    var stationAddress: UInt8
    var coding: LineCoding
    var pollTimeout: TimeAmount
    /// LU names and local addresses, in definition order.
    var logicalUnits: [(name: String, address: UInt8)]

    init(definitions: Definitions, resource: Resource, node: String) throws {
        guard let line = definitions.line(named: resource.line) else {
            throw AdminFailure("resource \(resource.name): line \(resource.line) is not defined")
        }
        let what = "resource \(resource.name), line \(line.name)"
        guard let facts = line.perNode[node] else { throw AdminFailure("\(what): nothing defined for node \(node) (nodes.\(node))") }
        guard let station = facts.bdlcAddress else { throw AdminFailure("\(what): no bdlc-address for node \(node) (nodes.\(node).bdlc-address)") }
        guard let deviceText = facts.device else { throw AdminFailure("\(what): no device for node \(node) (nodes.\(node).device)") }
        do {
            device = try LineDevice.parse(device: deviceText)
        } catch {
            throw AdminFailure("\(what), node \(node): \(error)")
        }
        let lus = definitions.lus(of: resource.name)
        guard !lus.isEmpty else { throw AdminFailure("\(what): no LUs are defined for \(resource.name)") }
        self.resource = resource.name
        self.line = line.name
        self.node = node
        self.stationAddress = station
        self.coding = line.coding
        self.pollTimeout = .seconds(Int64(line.pollTimeoutSeconds))
        self.logicalUnits = lus.map { ($0.name, $0.address) }
    }

    /// `station 0x41 on BSC1 (tcp:127.0.0.100:7511)`: the host sees this node's own station.
    var hostVisibleAddress: String {
        "station \(Self.hex(stationAddress)) on \(line) (\(device))"
    }

    static func hex(_ value: UInt8) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return "0x" + (text.count < 2 ? "0" : "") + text
    }
}
