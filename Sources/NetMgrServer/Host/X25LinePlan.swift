import LineTransport
import NetMgrAddresses
import NetMgrCore

/// Everything an X.25 attachment needs, resolved from the definitions for one node and
/// checked up front: the access line (switched, or XOT), the calling DTE address the
/// access line carries, the host's DTE address, the XID node id and the LUs. The same on
/// both nodes except the device, so after a failover the host sees the same terminal.
struct X25LinePlan: Sendable {
    enum Access: Sendable {
        /// HDLC-framed LAPB on a line the line switch moves to this node.
        case switched(unit: LineSwitchUnit, control: Endpoint, device: LineDevice)
        /// The packet layer over TCP (RFC 1613), no LAPB, no switch.
        case xot(host: String, port: Int)
    }

    var resource: String
    var line: String
    var node: String
    var epoch: UInt64
    var access: Access
    /// Signs the SWITCH of a switched access line when cluster.line-switch has a key.
    var switchSigner: LineSwitchSigner?
    var callingAddress: X121Address
    var calledAddress: X121Address
    var nodeID: NetMgrAddresses.XIDNodeID
    var settings: X25LineSettings
    /// LU names and local addresses, in definition order.
    var logicalUnits: [(name: String, address: UInt8)]

    init(definitions: Definitions, resource: Resource, node: String, epoch: UInt64) throws {
        guard let line = definitions.line(named: resource.line) else {
            throw AdminFailure("resource \(resource.name): line \(resource.line) is not defined")
        }
        let what = "resource \(resource.name), line \(line.name)"
        guard let dteText = line.x25.dteAddress, let calling = X121Address(parsing: dteText) else {
            throw AdminFailure("\(what): no dte-address (the calling DTE address)")
        }
        guard case .dte(let hostText) = resource.host, let called = X121Address(parsing: hostText) else {
            throw AdminFailure("\(what): host is not dte:DIGITS")
        }
        guard let nodeID = line.nodeID else { throw AdminFailure("\(what): no node-id") }
        guard let deviceText = line.perNode[node]?.device else {
            throw AdminFailure("\(what): no device for node \(node) (nodes.\(node).device)")
        }
        let device: LineDevice
        do {
            device = try LineDevice.parse(device: deviceText)
        } catch {
            throw AdminFailure("\(what), node \(node): \(error)")
        }
        switch device {
        case .xot(let host, let port):
            access = .xot(host: host, port: port)
        case .tcp, .tty, .hdlc:
            guard let unit = line.switchUnit else { throw AdminFailure("\(what): no switch unit (switch: COMn Unitm Linek)") }
            guard let control = definitions.cluster.lineSwitch else {
                throw AdminFailure("\(what): cluster.line-switch is not defined; netmgrd cannot switch \(unit) to \(node)")
            }
            access = .switched(unit: unit, control: control, device: device)
            switchSigner = try LineSwitchSigner.load(definitions)
        }
        let lus = definitions.lus(of: resource.name)
        guard !lus.isEmpty else { throw AdminFailure("\(what): no LUs are defined for \(resource.name)") }
        self.resource = resource.name
        self.line = line.name
        self.node = node
        self.epoch = epoch
        self.callingAddress = calling
        self.calledAddress = called
        self.nodeID = nodeID
        self.settings = line.x25
        self.logicalUnits = lus.map { ($0.name, $0.address) }
    }

    /// `DTE 44200001 XID 05D00002`: what the host identifies this terminal by.
    var hostVisibleAddress: String { "DTE \(callingAddress) XID \(nodeID)" }

    var accessDescription: String {
        switch access {
        case .switched(let unit, _, let device): return "\(unit) via \(device)"
        case .xot(let host, let port): return LineDevice.xot(host: host, port: port).description
        }
    }
}
