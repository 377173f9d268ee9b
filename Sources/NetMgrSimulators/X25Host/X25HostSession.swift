import NIOCore
import NetMgrAddresses
import SDLC
import X25

/// The host's end of one X.25 virtual call carrying QLLC, as VTAM with NPSI sees a switched
/// PU: the INCOMING CALL is accepted only from the calling DTE address the host expects, the
/// host then sends QXID and accepts only the expected node id (IDBLK/IDNUM), sends QSM and,
/// on QUA, ACTPU, ACTLU per LU and BIND through the existing `SNAHostStateMachine`.
///
/// Packet-layer mechanics (P(S)/P(R), M-bit reassembly, RESTART) belong to the caller; this
/// machine sees calls, QLLC packets (Q=1) and whole PIUs (Q=0).
public struct X25HostSession: Sendable {
    public struct Expectation: Hashable, Sendable {
        /// The calling DTE address of the terminal (the line's dte-address).
        public var calling: X121Address
        /// The node id it must send in QXID.
        public var nodeID: XIDNodeID
        /// LU local addresses to activate, in order.
        public var logicalUnits: [UInt8]

        public init(calling: X121Address, nodeID: XIDNodeID, logicalUnits: [UInt8]) {
            self.calling = calling
            self.nodeID = nodeID
            self.logicalUnits = logicalUnits
        }
    }

    public enum Action: Hashable, Sendable {
        /// A QLLC command or response, in a Q=1 DATA packet.
        case sendQLLC(QLLCPacket)
        /// A PIU, in Q=0 DATA packets (segmented by the packet layer).
        case sendPIU(ByteBuffer)
        /// Clear the virtual call with this cause and diagnostic.
        case clear(X25CauseDiagnostic)
        case fact(X25HostFact)
    }

    enum Phase: Hashable, Sendable {
        case idle
        /// Call accepted, QXID command sent.
        case identifying
        /// Node id accepted, QSM sent.
        case settingMode
        case connected
    }

    /// CLEAR cause "not obtainable" (unknown calling DTE) and DTE-originated clearing.
    public static let causeNotObtainable: UInt8 = 0x0D
    public static let causeDTEOriginated: UInt8 = 0x00
    /// Diagnostics: 0x43 (invalid calling address), 0xF1 (node id refused, user-defined range).
    public static let diagnosticInvalidCalling: UInt8 = 0x43
    public static let diagnosticNodeIDRefused: UInt8 = 0xF1
    public static let qllcCallUserData: UInt8 = 0xC3

    public let expectation: Expectation
    private(set) var phase = Phase.idle
    public private(set) var host: SNAHostStateMachine
    /// The accepted call's calling address and the identified node id, while the call lasts.
    public private(set) var calling: X121Address?
    public private(set) var nodeID: XIDNodeID?
    /// The SNA "station address" the host state machine keys its facts by: the QLLC link is
    /// one station; 1 stands for it.
    static let stationAddress: UInt8 = 1

    public init(expectation: Expectation) {
        self.expectation = expectation
        self.host = SNAHostStateMachine(configuration: .init(logicalUnits: expectation.logicalUnits))
    }

    public var isConnected: Bool { phase == .connected }
    public var facts: SNAHostFacts { host.facts }

    /// An INCOMING CALL: whether to accept it; the actions say (a CLEAR on refusal).
    public mutating func incomingCall(calling: X121Address, called: X121Address, callUserData: [UInt8]) -> (accept: Bool, actions: [Action]) {
        guard phase == .idle else {
            return (false, [.clear(X25CauseDiagnostic(cause: Self.causeDTEOriginated, diagnostic: 0)),
                            .fact(.callRefused(calling: calling, reason: "a call is already up"))])
        }
        guard callUserData.first == Self.qllcCallUserData else {
            return (false, [.clear(X25CauseDiagnostic(cause: Self.causeDTEOriginated, diagnostic: 0)),
                            .fact(.callRefused(calling: calling, reason: "call user data is not QLLC (0xC3)"))])
        }
        guard calling == expectation.calling else {
            return (false, [.clear(X25CauseDiagnostic(cause: Self.causeNotObtainable, diagnostic: Self.diagnosticInvalidCalling)),
                            .fact(.callRefused(calling: calling, reason: "unknown calling DTE \(calling), the host knows \(expectation.calling)"))])
        }
        self.calling = calling
        phase = .identifying
        return (true, [.fact(.callAccepted(calling: calling, called: called)), .sendQLLC(.command(.exchangeIdentification))])
    }

    /// A Q=1 packet's QLLC content.
    public mutating func receive(qllc packet: QLLCPacket) -> [Action] {
        switch (phase, packet.control) {
        case (.identifying, .exchangeIdentification) where !packet.isCommand:
            let xid: SNAXID?
            do {
                xid = try packet.xid()
            } catch {
                return refuseIdentification(nil, "QXID unreadable: \(error)")
            }
            guard let xid else { return refuseIdentification(nil, "QXID without an XID") }
            guard xid.nodeID == expectation.nodeID else {
                return refuseIdentification(xid.nodeID, "node id \(xid.nodeID) is not \(expectation.nodeID)")
            }
            nodeID = xid.nodeID
            phase = .settingMode
            var actions: [Action] = [.fact(.terminalIdentified(nodeID: xid.nodeID))]
            actions += sna(host.identificationReceived(packet.information, stationAddress: Self.stationAddress))
            actions.append(.sendQLLC(.command(.setMode)))
            return actions
        case (.settingMode, .unnumberedAcknowledgment) where !packet.isCommand:
            phase = .connected
            return [.fact(.linkUp)] + sna(host.linkUp(stationAddress: Self.stationAddress))
        case (_, .disconnect) where packet.isCommand:
            return [.sendQLLC(.response(.unnumberedAcknowledgment))] + ended("QDISC from the terminal")
        case (_, .disconnectedMode) where !packet.isCommand:
            return ended("QDM from the terminal")
        case (_, .test) where packet.isCommand:
            return [.sendQLLC(.response(.test, information: packet.information))]
        default:
            return [.fact(.sna(.protocolError("QLLC \(packet.control) (\(packet.isCommand ? "command" : "response")) unexpected in \(phase)")))]
        }
    }

    /// A whole PIU (Q=0, reassembled).
    public mutating func receive(piu: ByteBuffer) -> [Action] {
        guard phase == .connected else { return [.fact(.sna(.protocolError("PIU before the QLLC link is up")))] }
        return sna(host.receive(piu))
    }

    /// Host data to an LU.
    public mutating func send(_ payload: ByteBuffer, lu: UInt8) throws(SNAHostStateMachine.SendError) -> (sequenceNumber: UInt16, actions: [Action]) {
        let sent = try host.send(payload, lu: lu)
        return (sent.sequenceNumber, [.fact(.sna(sent.fact)), .sendPIU(sent.piu)])
    }

    /// The call is gone (CLEAR either way, RESTART, link or connection lost).
    public mutating func callEnded(reason: String) -> [Action] {
        guard phase != .idle else { return [] }
        return ended(reason)
    }

    private mutating func ended(_ reason: String) -> [Action] {
        let actions = sna(host.linkDown(reason: reason))
        phase = .idle
        calling = nil
        nodeID = nil
        return actions + [.fact(.callCleared(reason: reason))]
    }

    private mutating func refuseIdentification(_ id: XIDNodeID?, _ reason: String) -> [Action] {
        phase = .idle
        calling = nil
        return [.fact(.identificationRefused(nodeID: id, reason: reason)),
                .clear(X25CauseDiagnostic(cause: Self.causeDTEOriginated, diagnostic: Self.diagnosticNodeIDRefused))]
    }

    private func sna(_ actions: [SNAHostStateMachine.Action]) -> [Action] {
        actions.map { action in
            switch action {
            case .send(let piu): return .sendPIU(piu)
            case .fact(let fact): return .fact(.sna(fact))
            }
        }
    }
}
