import Dialup
import LineTransport
import NIOCore
import NetMgrCore
import SDLC

/// The SDLC secondary facts of a line, from the definitions, checked up front: the station
/// address the host polls, the XID node id (the host finds its PU by it) and the LUs. The
/// leased (`SDLCLinePlan`), dial-up and ISDN plans share it.
struct SDLCStationPlan: Sendable {
    var stationAddress: UInt8
    var nodeID: SDLC.XIDNodeID
    /// LU names and local addresses, in definition order.
    var logicalUnits: [(name: String, address: UInt8)]

    init(definitions: Definitions, resource: Resource, line: Line) throws {
        let what = "resource \(resource.name), line \(line.name)"
        guard let station = line.stationAddress else { throw AdminFailure("\(what): no station-address") }
        guard let nodeID = line.nodeID else { throw AdminFailure("\(what): no node-id") }
        let lus = definitions.lus(of: resource.name)
        guard !lus.isEmpty else { throw AdminFailure("\(what): no LUs are defined for \(resource.name)") }
        self.stationAddress = station
        self.nodeID = nodeID
        self.logicalUnits = lus.map { ($0.name, $0.address) }
    }

    var station: SDLCSecondaryStation.Configuration { .init(address: stationAddress, nodeID: nodeID) }

    /// `tel 0312340001 XID 05D00003`: how the host knows a switched terminal.
    func switchedAddress(callingNumber: String) -> String { "tel \(callingNumber) XID \(nodeID)" }
}

/// How a switched line calls, from its `call`, `redial-*` and `connect-timeout` keys.
struct SwitchedCallPlan: Sendable, Hashable {
    var direction: CallDirection
    var redial: RedialPolicy
    var connectTimeout: TimeAmount

    init(_ settings: SwitchedLineSettings) {
        direction = settings.call
        redial = RedialPolicy(
            limit: settings.redialLimit, initialDelay: .seconds(Int64(settings.redialDelaySeconds)),
            maximumDelay: .seconds(Int64(SwitchedLineSettings.maximumRedialDelaySeconds)))
        connectTimeout = .seconds(Int64(settings.connectTimeoutSeconds))
    }
}

/// A resource's line that the line switch brings to a node: the line, the "resource R, line L"
/// its errors start with, its switch unit and the switch's control endpoint, or an error
/// naming the missing key (leased and dial-up plans).
func switchedLine(
    definitions: Definitions, resource: Resource, node: String
) throws -> (line: Line, what: String, unit: LineSwitchUnit, control: Endpoint) {
    guard let line = definitions.line(named: resource.line) else {
        throw AdminFailure("resource \(resource.name): line \(resource.line) is not defined")
    }
    let what = "resource \(resource.name), line \(line.name)"
    guard let unit = line.switchUnit else { throw AdminFailure("\(what): no switch unit (switch: COMn Unitm Linek)") }
    guard let control = definitions.cluster.lineSwitch else {
        throw AdminFailure("\(what): cluster.line-switch is not defined; netmgrd cannot switch \(unit) to \(node)")
    }
    return (line, what, unit, control)
}

/// The node's device of a line, parsed, or an error naming the key (leased and dial-up plans).
func nodeDevice(_ line: Line, node: String, what: String) throws -> LineDevice {
    guard let text = line.perNode[node]?.device else {
        throw AdminFailure("\(what): no device for node \(node) (nodes.\(node).device)")
    }
    do {
        return try LineDevice.parse(device: text)
    } catch {
        throw AdminFailure("\(what), node \(node): \(error)")
    }
}

/// Everything a dial-up (`hdlc-public`) attachment needs for one node: the line switch unit
/// that brings the line and its modem to this node, the device of the modem cable, the
/// modem dialogue (command set, direction, numbers) and the SDLC station.
struct DialupLinePlan: Sendable {
    var resource: String
    var line: String
    var node: String
    var epoch: UInt64
    var unit: LineSwitchUnit
    var control: Endpoint
    /// Signs the SWITCH when cluster.line-switch has a key.
    var switchSigner: LineSwitchSigner?
    var device: LineDevice
    /// The line's own number: what the host's caller id shows, from either node.
    var number: String
    /// The host's number (the resource's `host: tel:`), dialled on call-out.
    var hostNumber: String
    var dial: DialCommandSet
    var answerRings: Int
    var call: SwitchedCallPlan
    var station: SDLCStationPlan

    init(definitions: Definitions, resource: Resource, node: String, epoch: UInt64) throws {
        let (line, what, unit, control) = try switchedLine(definitions: definitions, resource: resource, node: node)
        guard let number = line.switched.number else { throw AdminFailure("\(what): no number (the line's own subscriber number)") }
        guard case .number(let hostNumber) = resource.host else { throw AdminFailure("\(what): host is not tel:DIGITS") }
        self.resource = resource.name
        self.line = line.name
        self.node = node
        self.epoch = epoch
        self.unit = unit
        self.control = control
        self.switchSigner = try LineSwitchSigner.load(definitions)
        self.device = try nodeDevice(line, node: node, what: what)
        self.number = number
        self.hostNumber = hostNumber
        self.dial = line.switched.dial
        self.answerRings = line.switched.answerRings
        self.call = SwitchedCallPlan(line.switched)
        self.station = try SDLCStationPlan(definitions: definitions, resource: resource, line: line)
    }

    var hostVisibleAddress: String { station.switchedAddress(callingNumber: number) }

    var dialer: ModemDialer.Configuration {
        ModemDialer.Configuration(
            protocol: dial == .v25bis ? .v25bis : .hayes, direction: call.direction == .in ? .callIn : .callOut,
            number: call.direction == .out ? hostNumber : nil, answerAfterRings: answerRings,
            // A modem answers a command at once; a short wait keeps a lost ATZ (the modem's
            // cable still reconnecting after a switch) from delaying the failover much.
            commandTimeout: .seconds(3), connectTimeout: call.connectTimeout)
    }
}

/// Everything an ISDN (`hdlc-isdn`) attachment needs for one node: the node's own basic-rate
/// interface and number (not switched: the host sees the other node's number after a
/// failover), the host's number, the call settings and the SDLC station on the B channel.
struct ISDNLinePlan: Sendable {
    var resource: String
    var line: String
    var node: String
    var device: LineDevice
    /// This node's ISDN number: the calling party number of its SETUP.
    var ownNumber: String
    var hostNumber: String
    var call: SwitchedCallPlan
    var station: SDLCStationPlan

    init(definitions: Definitions, resource: Resource, node: String) throws {
        guard let line = definitions.line(named: resource.line) else {
            throw AdminFailure("resource \(resource.name): line \(resource.line) is not defined")
        }
        let what = "resource \(resource.name), line \(line.name)"
        guard let ownNumber = line.perNode[node]?.isdnNumber else {
            throw AdminFailure("\(what): no ISDN number for node \(node) (nodes.\(node).isdn-number)")
        }
        guard case .number(let hostNumber) = resource.host else { throw AdminFailure("\(what): host is not tel:DIGITS") }
        self.resource = resource.name
        self.line = line.name
        self.node = node
        self.device = try nodeDevice(line, node: node, what: what)
        self.ownNumber = ownNumber
        self.hostNumber = hostNumber
        self.call = SwitchedCallPlan(line.switched)
        self.station = try SDLCStationPlan(definitions: definitions, resource: resource, line: line)
    }

    var hostVisibleAddress: String { station.switchedAddress(callingNumber: ownNumber) }
}
