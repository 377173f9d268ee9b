import NIOCore
import NetMgrSimulators
import SDLC
import Testing
import X25

/// The host's call policy on an X.25 access line: which calls it takes, which node ids,
/// and what it journals, as VTAM treats a switched PU.
@Suite("X.25 host session")
struct X25HostSessionTests {
    static let terminal = X25HostSession.Expectation(
        calling: X121Address(parsing: "44200001")!, nodeID: XIDNodeID(rawValue: 0x05D0_0002), logicalUnits: [2, 3])
    static let host = X121Address(parsing: "44100001")!

    static func setup(calling: String = "44200001", userData: [UInt8] = [0xC3]) -> X25CallSetup {
        X25CallSetup(calledAddress: host, callingAddress: X121Address(parsing: calling)!, userData: ByteBuffer(bytes: userData))
    }

    @Test func acceptsTheExpectedCallingDTEAndActivatesThePUWhenTheQLLCLinkOpens() throws {
        var session = X25HostSession(expectation: Self.terminal)
        let (refusal, actions) = session.incomingCall(Self.setup())
        #expect(refusal == nil)
        #expect(actions == [.fact(.callAccepted(calling: Self.terminal.calling, called: Self.host))])
        #expect(session.hasCall)

        let identified = session.identified(SNAXID.format0(nodeID: Self.terminal.nodeID))
        #expect(identified.first == .fact(.terminalIdentified(nodeID: Self.terminal.nodeID)))
        #expect(session.facts.nodeID == Self.terminal.nodeID)

        let opened = session.linkOpened()
        #expect(opened.first == .fact(.linkUp))
        // ACTPU goes to the terminal's PU.
        let piu = try #require(opened.compactMap { if case .sendPIU(let piu) = $0 { piu } else { nil } }.first)
        let parsed = try SNAPathInformationUnit(parsing: piu)
        #expect(parsed.requestResponseUnit.getInteger(at: parsed.requestResponseUnit.readerIndex, as: UInt8.self) == 0x11)

        let ended = session.callEnded(reason: "call cleared")
        #expect(ended.last == .fact(.callCleared(reason: "call cleared")))
        #expect(!session.hasCall && !session.isLinkOpen)
        #expect(session.callEnded(reason: "again").isEmpty)
    }

    @Test func refusesAnUnknownCallingDTEAsNotObtainable() {
        var session = X25HostSession(expectation: Self.terminal)
        let (refusal, actions) = session.incomingCall(Self.setup(calling: "44200002"))
        // Diagnostic 0x44 (68): invalid calling address; 0x43 would blame the called address.
        #expect(refusal == X25CauseDiagnostic(cause: X25Cause.notObtainable, diagnostic: 0x44))
        guard case .fact(.callRefused(let calling, let reason))? = actions.first else {
            Issue.record("no refusal fact: \(actions)")
            return
        }
        #expect(calling.description == "44200002" && reason.contains("unknown calling DTE"))
        #expect(!session.hasCall)
    }

    @Test func refusesCallsThatAreNotQLLCAndASecondCall() {
        var session = X25HostSession(expectation: Self.terminal)
        #expect(session.incomingCall(Self.setup(userData: [0xCC])).refusal == X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0))
        #expect(session.incomingCall(Self.setup(userData: [])).refusal != nil)
        #expect(session.incomingCall(Self.setup()).refusal == nil)
        #expect(session.incomingCall(Self.setup()).refusal?.cause == X25Cause.numberBusy)
    }

    @Test func anotherNodeIDIsRefusedAndJournaledAsSuch() {
        var session = X25HostSession(expectation: Self.terminal)
        _ = session.incomingCall(Self.setup())
        let actions = session.identificationFailed(.unexpectedNodeID(XIDNodeID(rawValue: 0x05D0_0099)))
        guard case .fact(.identificationRefused(let id, let reason))? = actions.first else {
            Issue.record("no refusal: \(actions)")
            return
        }
        #expect(id == XIDNodeID(rawValue: 0x05D0_0099) && reason.contains("05D00002"))
        #expect(!session.hasCall)
    }

    @Test func overXOTTheCallingDTEPicksTheTerminalAndItsLUs() throws {
        let other = X25HostSession.Expectation(calling: X121Address(parsing: "44200009")!, nodeID: XIDNodeID(rawValue: 0x05D0_0009), logicalUnits: [5])
        var session = X25HostSession(expectations: [Self.terminal, other])
        #expect(session.incomingCall(Self.setup(calling: "44200009")).refusal == nil)
        #expect(session.expectation == other)
        _ = session.identified(SNAXID.format0(nodeID: other.nodeID))
        #expect(session.host.configuration.logicalUnits == [5])
    }
}
