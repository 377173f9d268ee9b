import NIOCore
import SDLC

/// The host's side of one switched call once it is through: which PU called (or answered)
/// is learnt from its XID, so the host first sends a null XID to the broadcast address and
/// reads the format 0 node id from the answer. A known node id gets that PU's SDLC primary
/// and SSCP/PLU (`SNAHostLink`: XID, SNRM, ACTPU, ACTLU per LU, BIND); an unknown one gets
/// DISC and the call is hung up. When the link goes down the call is hung up too: on a
/// switched line the next session comes with the next call. A value: frames and time in,
/// actions out.
public struct SwitchedHostSession: Sendable {
    public struct Timers: Hashable, Sendable {
        /// T1 of the primary station and of the identification.
        public var replyTimeout: TimeAmount
        /// N2: XIDs without an answer (× 3 for the identification, which waits for the
        /// node's dialler to switch to SDLC), and polls before the link is down.
        public var retryLimit: Int
        public var pollInterval: TimeAmount

        public init(replyTimeout: TimeAmount = .milliseconds(300), retryLimit: Int = 3, pollInterval: TimeAmount = .milliseconds(50)) {
            self.replyTimeout = replyTimeout
            self.retryLimit = retryLimit
            self.pollInterval = pollInterval
        }
    }

    public enum Action: Hashable, Sendable {
        case send(SDLCFrame)
        case fact(SNAHostFact)
        /// The node id matched this PU: its sessions follow.
        case identified(SwitchedPU, stationAddress: UInt8)
        /// The caller is not a PU of the switched major node (or said nothing readable).
        case refused(nodeID: XIDNodeID?, reason: String)
        /// Hang up the call (after a refusal, or when the link is gone).
        case hangUp(reason: String)
    }

    enum Phase: Sendable {
        case identifying(tries: Int)
        case refusing(address: UInt8, reason: String)
        case running(SNAHostLink)
        case ended
    }

    public let physicalUnits: [SwitchedPU]
    public let timers: Timers
    private var phase: Phase = .identifying(tries: 0)
    public private(set) var nextDeadline: NIODeadline?

    public init(physicalUnits: [SwitchedPU], timers: Timers = Timers()) {
        self.physicalUnits = physicalUnits
        self.timers = timers
    }

    /// The SNA facts of the running PU (nil before it was identified).
    public var facts: SNAHostFacts? {
        if case .running(let link) = phase { return link.facts }
        return nil
    }

    public var isEnded: Bool {
        if case .ended = phase { return true }
        return false
    }

    /// The call is through: ask who is there.
    public mutating func start(now: NIODeadline) -> [Action] {
        phase = .identifying(tries: 1)
        return [sendIdentificationRequest(now: now)]
    }

    public mutating func receive(_ frame: SDLCFrame, now: NIODeadline) -> [Action] {
        switch phase {
        case .identifying:
            guard case .unnumbered(.exchangeIdentification, _) = frame.control else { return [] }
            return identified(frame, now: now)
        case .refusing(let address, let reason):
            guard frame.address == address, case .unnumbered = frame.control else { return [] }
            return end(.hangUp(reason: reason))  // UA or DM: the station is disconnected
        case .running(var link):
            let actions = link.receive(frame, now: now)
            phase = .running(link)
            return running(actions, link: link)
        case .ended:
            return []
        }
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        guard let deadline = nextDeadline, now >= deadline else { return [] }
        switch phase {
        case .identifying(let tries):
            guard tries < timers.retryLimit * 3 else {
                return end(.refused(nodeID: nil, reason: "no XID answer after \(tries) tries"), .hangUp(reason: "no XID answer"))
            }
            phase = .identifying(tries: tries + 1)
            return [sendIdentificationRequest(now: now)]
        case .refusing(_, let reason):
            return end(.hangUp(reason: reason))
        case .running(var link):
            let actions = link.tick(now: now)
            phase = .running(link)
            return running(actions, link: link)
        case .ended:
            nextDeadline = nil
            return []
        }
    }

    /// The call went away (NO CARRIER, DISCONNECT): the link is down without a word on the line.
    public mutating func callCleared(reason: String) -> [Action] {
        guard case .running(let link) = phase else {
            phase = .ended
            nextDeadline = nil
            return []
        }
        phase = .ended
        nextDeadline = nil
        guard link.facts.stationAddress != nil || link.station.isLinkUp else { return [] }
        return [.fact(.linkDown(stationAddress: link.station.configuration.address, reason: reason))]
    }

    private mutating func identified(_ frame: SDLCFrame, now: NIODeadline) -> [Action] {
        let address = frame.address
        guard let xid = try? SNAXID(parsing: frame.information) else {
            return refuse(address: address, nodeID: nil, reason: "XID unreadable", now: now)
        }
        guard let pu = physicalUnits.first(where: { $0.nodeID == xid.nodeID }) else {
            return refuse(address: address, nodeID: xid.nodeID, reason: "node id \(xid.nodeID) is not a PU of the switched major node", now: now)
        }
        // The PU's own station address when it is defined, else the one the station answered with.
        let station = pu.stationAddress ?? address
        var link = SNAHostLink(
            station: .init(address: station, replyTimeout: timers.replyTimeout, retryLimit: timers.retryLimit, pollInterval: timers.pollInterval),
            host: .init(logicalUnits: pu.logicalUnits.map(\.address), writesScreens: pu.writesScreens))
        let actions = link.start(now: now)
        phase = .running(link)
        return [.identified(pu, stationAddress: station)] + running(actions, link: link)
    }

    private mutating func refuse(address: UInt8, nodeID: XIDNodeID?, reason: String, now: NIODeadline) -> [Action] {
        phase = .refusing(address: address, reason: reason)
        nextDeadline = now + timers.replyTimeout
        let disc = SDLCFrame(address: address, control: .unnumbered(.disconnect, pollFinal: true))
        return [.refused(nodeID: nodeID, reason: reason), .send(disc)]
    }

    private mutating func running(_ actions: [SNAHostLink.Action], link: SNAHostLink) -> [Action] {
        nextDeadline = link.nextDeadline
        var result: [Action] = []
        var down: String?
        for action in actions {
            switch action {
            case .send(let frame): result.append(.send(frame))
            case .fact(let fact):
                result.append(.fact(fact))
                if case .linkDown(_, let reason) = fact { down = reason }
            }
        }
        if let down { result += end(.hangUp(reason: "SDLC link down: \(down)")) }
        return result
    }

    private mutating func end(_ actions: Action...) -> [Action] {
        phase = .ended
        nextDeadline = nil
        return actions
    }

    private mutating func sendIdentificationRequest(now: NIODeadline) -> Action {
        nextDeadline = now + timers.replyTimeout
        return .send(SDLCFrame(address: SDLCFrame.broadcastAddress, control: .unnumbered(.exchangeIdentification, pollFinal: true)))
    }
}

/// A PU of the host's switched major node: found by the XID node id of whoever is on the call.
public struct SwitchedPU: Hashable, Sendable {
    public var nodeID: XIDNodeID
    /// The station address to poll; nil: the one the station answered the XID with.
    public var stationAddress: UInt8?
    public var logicalUnits: [SwitchedLU]
    /// The definitions' line, for the journal (nil when given on the command line).
    public var lineName: String?
    /// The LUs' application writes 3270 screens (`SNAHostStateMachine.Configuration.writesScreens`).
    public var writesScreens = false

    public init(nodeID: XIDNodeID, stationAddress: UInt8?, logicalUnits: [SwitchedLU], lineName: String? = nil) {
        self.nodeID = nodeID
        self.stationAddress = stationAddress
        self.logicalUnits = logicalUnits
        self.lineName = lineName
    }

    public func luName(_ address: UInt8) -> String? {
        logicalUnits.first { $0.address == address }?.name
    }

    /// `NODEID:STATION:LU,LU…` (`05D00003:C1:2,3`; station in hex, `-` for "as answered";
    /// LUs in decimal, each optionally `=NAME`).
    public static func parse(_ text: String) -> SwitchedPU? {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let nodeID = XIDNodeID(parsing: parts[0]) else { return nil }
        var station: UInt8?
        if parts[1] != "-" {
            let hex = parts[1].lowercased().hasPrefix("0x") ? String(parts[1].dropFirst(2)) : parts[1]
            guard let value = UInt8(hex, radix: 16), (1...254).contains(value) else { return nil }
            station = value
        }
        var lus: [SwitchedLU] = []
        for item in parts[2].split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard let address = UInt8(pair[0]), (1...254).contains(address), !lus.contains(where: { $0.address == address }) else { return nil }
            lus.append(SwitchedLU(address: address, name: pair.count > 1 ? pair[1] : nil))
        }
        guard !lus.isEmpty else { return nil }
        return SwitchedPU(nodeID: nodeID, stationAddress: station, logicalUnits: lus)
    }
}

public struct SwitchedLU: Hashable, Sendable {
    public var address: UInt8
    public var name: String?

    public init(address: UInt8, name: String?) {
        self.address = address
        self.name = name
    }
}
