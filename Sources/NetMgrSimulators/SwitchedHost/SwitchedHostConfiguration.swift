import Dialup
import NIOCore
import NetMgrCore

/// The host's switched major node: its own lines at the exchange (an analogue line with a
/// Hayes modem, an ISDN basic-rate interface), the PUs it knows by XID node id with their
/// LUs, and the numbers it calls when the nodes wait for the host's call (`call: in`).
public struct SwitchedHostConfiguration: Sendable {
    public enum Path: String, Hashable, Sendable {
        case dialup
        case isdn
    }

    public struct Line: Hashable, Sendable {
        public var path: Path
        /// The host's own number on this line (what the nodes dial).
        public var number: String
        /// The exchange's port for this line (the modem cable, or the BRI).
        public var endpoint: Endpoint
        /// Numbers to call, in order, retrying until a session is up; empty: answer calls.
        public var callOut: [String]

        public init(path: Path, number: String, endpoint: Endpoint, callOut: [String] = []) {
            self.path = path
            self.number = number
            self.endpoint = endpoint
            self.callOut = callOut
        }

        /// `NUMBER=tcp:HOST:PORT` (the `tcp:` is optional).
        public static func parse(_ text: String, path: Path) -> Line? {
            guard let equals = text.firstIndex(of: "=") else { return nil }
            let number = String(text[..<equals])
            guard SwitchedLineSettings.isTelephoneNumber(number) else { return nil }
            var rest = String(text[text.index(after: equals)...])
            if rest.lowercased().hasPrefix("tcp:") { rest.removeFirst(4) }
            guard case .success(let endpoint) = Endpoint.parse(rest) else { return nil }
            return Line(path: path, number: number, endpoint: endpoint)
        }
    }

    public var lines: [Line]
    public var physicalUnits: [SwitchedPU]
    public var timers: SwitchedHostSession.Timers
    /// Between attempts to reach the exchange, and between calls placed (call-out).
    public var reconnectDelay: TimeAmount
    public var redialDelay: TimeAmount
    /// Rings before the host's modem answers.
    public var answerRings: Int

    public init(
        lines: [Line], physicalUnits: [SwitchedPU], timers: SwitchedHostSession.Timers = .init(),
        reconnectDelay: TimeAmount = .milliseconds(200), redialDelay: TimeAmount = .milliseconds(500), answerRings: Int = 1
    ) {
        self.lines = lines
        self.physicalUnits = physicalUnits
        self.timers = timers
        self.reconnectDelay = reconnectDelay
        self.redialDelay = redialDelay
        self.answerRings = answerRings
    }

    /// The switched PUs of a definition set: every `hdlc-public` and `hdlc-isdn` line's node id
    /// and station address, with the LUs of the resources on it; and the numbers to call for
    /// lines with `call: in` (a public line's number on the dial-up path; each node's
    /// isdn-number, in node order, on the ISDN path).
    public static func fromDefinitions(_ definitions: Definitions) -> (physicalUnits: [SwitchedPU], dialupCallOut: [String], isdnCallOut: [String]) {
        var pus: [SwitchedPU] = []
        var dialup: [String] = []
        var isdn: [String] = []
        for line in definitions.lines where line.procedure.isSwitchedCall {
            guard let nodeID = line.nodeID else { continue }
            let resources = definitions.resources.filter { $0.line == line.name }.map(\.name)
            let lus = definitions.lus.filter { resources.contains($0.resource) }
                .sorted { $0.address < $1.address }
                .map { SwitchedLU(address: $0.address, name: $0.hostLUName) }
            pus.append(SwitchedPU(nodeID: nodeID, stationAddress: line.stationAddress, logicalUnits: lus, lineName: line.name))
            guard line.switched.call == .in else { continue }
            if line.procedure == .hdlcPublic, let number = line.switched.number {
                dialup.append(number)
            } else if line.procedure == .hdlcISDN {
                isdn += definitions.cluster.nodes.compactMap { line.perNode[$0.name]?.isdnNumber }
            }
        }
        return (pus, dialup, isdn)
    }
}
