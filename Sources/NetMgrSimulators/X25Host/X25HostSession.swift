import NIOCore
import NetMgrAddresses
import SDLC
import X25

/// The host's policy and SNA side for the virtual call of one access line, as VTAM with NPSI
/// treats a switched PU: an INCOMING CALL is accepted only from the calling DTE address it
/// expects and with QLLC call user data (0xC3); QLLC (QXID with the expected node id, QSM/QUA)
/// is `X25NetworkDCE`'s; once the QLLC link is open the existing `SNAHostStateMachine` sends
/// ACTPU, ACTLU per LU and BIND and takes the data.
public struct X25HostSession: Sendable {
    public struct Expectation: Hashable, Sendable {
        /// The calling DTE address of the terminal (the line's dte-address).
        public var calling: X121Address
        /// The node id it must send in QXID.
        public var nodeID: XIDNodeID
        /// LU local addresses to activate, in order.
        public var logicalUnits: [UInt8]
        /// The LUs' application writes 3270 screens (`SNAHostStateMachine.Configuration.writesScreens`).
        public var writesScreens = false

        public init(calling: X121Address, nodeID: XIDNodeID, logicalUnits: [UInt8]) {
            self.calling = calling
            self.nodeID = nodeID
            self.logicalUnits = logicalUnits
        }

        var host: SNAHostStateMachine.Configuration { .init(logicalUnits: logicalUnits, writesScreens: writesScreens) }
    }

    public enum Action: Hashable, Sendable {
        /// A PIU for the terminal's PU (Q=0 data packets).
        case sendPIU(ByteBuffer)
        case fact(X25HostFact)
    }

    /// Why a call is refused: a calling DTE the host does not know is "not obtainable" with
    /// diagnostic 68 = 0x44, invalid calling address (X.25 Annex E; 0x43 is the called
    /// address); anything else is DTE-originated.
    public static let refusedCallingCause = X25CauseDiagnostic(cause: X25Cause.notObtainable, diagnostic: X25Diagnostic.invalidCallingAddress)
    public static let refusedCause = X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0)
    public static let qllcCallUserData: UInt8 = 0xC3
    /// The SNA "station address" the host state machine keys its facts by: the QLLC link is
    /// one station, 1 stands for it.
    static let stationAddress: UInt8 = 1

    /// The terminals the host knows on this access (one on a switched line; over XOT every
    /// line that reaches the host through the router).
    public let expectations: [Expectation]
    /// The terminal of the accepted call, while the call lasts.
    public private(set) var expectation: Expectation?
    public private(set) var host: SNAHostStateMachine
    /// The accepted call's calling address, while the call lasts.
    public private(set) var calling: X121Address?
    public private(set) var isLinkOpen = false

    public init(expectation: Expectation) {
        self.init(expectations: [expectation])
    }

    public init(expectations: [Expectation]) {
        self.expectations = expectations
        self.host = SNAHostStateMachine(configuration: expectations.first?.host ?? .init(logicalUnits: []))
    }

    public var facts: SNAHostFacts { host.facts }
    public var hasCall: Bool { calling != nil }

    /// An INCOMING CALL: nil to accept it (then QXID for `expectation.nodeID`), or the cause
    /// to clear it with; the facts say which.
    public mutating func incomingCall(_ setup: X25CallSetup) -> (refusal: X25CauseDiagnostic?, actions: [Action]) {
        let calling = setup.callingAddress
        if self.calling != nil {
            return (X25CauseDiagnostic(cause: X25Cause.numberBusy, diagnostic: 0), [.fact(.callRefused(calling: calling, reason: "a call is already up"))])
        }
        guard setup.userData.getInteger(at: setup.userData.readerIndex, as: UInt8.self) == Self.qllcCallUserData else {
            return (Self.refusedCause, [.fact(.callRefused(calling: calling, reason: "call user data is not QLLC (0xC3)"))])
        }
        guard let expected = expectations.first(where: { $0.calling == calling }) else {
            let known = expectations.map(\.calling.description).joined(separator: ", ")
            return (Self.refusedCallingCause, [.fact(.callRefused(calling: calling, reason: "unknown calling DTE \(calling), the host knows \(known)"))])
        }
        self.calling = calling
        if expected != expectation {
            host = SNAHostStateMachine(configuration: expected.host)
        }
        expectation = expected
        return (nil, [.fact(.callAccepted(calling: calling, called: setup.calledAddress))])
    }

    /// QXID answered with the expected node id.
    public mutating func identified(_ xid: SNAXID) -> [Action] {
        [.fact(.terminalIdentified(nodeID: xid.nodeID))] + sna(host.identificationReceived(xid.information, stationAddress: Self.stationAddress))
    }

    /// QXID failed (another node id, no answer, refused); the network clears the call.
    public mutating func identificationFailed(_ reason: QLLCPrimary.FailureReason) -> [Action] {
        calling = nil
        switch reason {
        case .unexpectedNodeID(let id):
            return [.fact(.identificationRefused(nodeID: id, reason: "node id \(id) is not \(expectation.map { "\($0.nodeID)" } ?? "known")"))]
        default:
            return [.fact(.identificationRefused(nodeID: nil, reason: "\(reason)"))]
        }
    }

    /// QUA to QSM: ACTPU follows.
    public mutating func linkOpened() -> [Action] {
        isLinkOpen = true
        return [.fact(.linkUp)] + sna(host.linkUp(stationAddress: Self.stationAddress))
    }

    /// A whole PIU from the terminal.
    public mutating func receive(piu: ByteBuffer) -> [Action] {
        sna(host.receive(piu))
    }

    /// Host data to an LU.
    public mutating func send(_ payload: ByteBuffer, lu: UInt8) throws(SNAHostStateMachine.SendError) -> (sequenceNumber: UInt16, actions: [Action]) {
        let sent = try host.send(payload, lu: lu)
        return (sent.sequenceNumber, [.fact(.sna(sent.fact)), .sendPIU(sent.piu)])
    }

    /// The call is gone (CLEAR either way, reset, RESTART, link or connection lost).
    public mutating func callEnded(reason: String) -> [Action] {
        guard calling != nil || isLinkOpen else { return [] }
        let actions = sna(host.linkDown(reason: reason))
        calling = nil
        isLinkOpen = false
        return actions + [.fact(.callCleared(reason: reason))]
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
