import NIOCore
import NetMgrSimulators
import SDLC
import Testing

@Suite("SNA host SSCP/PLU state machine")
struct SNAHostStateMachineTests {
    private func host() -> SNAHostStateMachine {
        SNAHostStateMachine(configuration: .init(logicalUnits: [2, 3]))
    }

    private func pius(_ actions: [SNAHostStateMachine.Action]) -> [SNAPathInformationUnit] {
        actions.compactMap { if case .send(let bytes) = $0 { try? SNAPathInformationUnit(parsing: bytes) } else { nil } }
    }

    private func facts(_ actions: [SNAHostStateMachine.Action]) -> [SNAHostFact] {
        actions.compactMap { if case .fact(let fact) = $0 { fact } else { nil } }
    }

    /// Host with PU active and ACTLUs out; returns the ACTLU requests.
    private func puActive(_ h: inout SNAHostStateMachine) -> [SNAPathInformationUnit] {
        let actpu = pius(h.linkUp(stationAddress: 0xC1))[0]
        return pius(h.receive(actpu.response().bytes))
    }

    @Test func linkUpSendsACTPU() {
        var h = host()
        let actions = h.linkUp(stationAddress: 0xC1)
        #expect(facts(actions) == [.linkUp(stationAddress: 0xC1)])
        let actpu = pius(actions)
        #expect(actpu.count == 1)
        #expect(bytes(actpu[0].bytes) == [0x2D, 0x00, 0x00, 0x00, 0x00, 0x01, 0x6B, 0x80, 0x00] + SNAHostRequests.activatePhysicalUnit)
    }

    @Test func actpuResponseSendsACTLUForEachLU() {
        var h = host()
        let actlus = puActive(&h)
        #expect(actlus.map(\.transmissionHeader.destinationAddress) == [2, 3])
        #expect(actlus.map(\.transmissionHeader.originAddress) == [0, 0])
        #expect(actlus.allSatisfy { $0.requestCode == .activateLogicalUnit })
        #expect(h.facts.isPhysicalUnitActive)
    }

    @Test func actluResponseSendsBINDThenSDT() {
        var h = host()
        let actlus = puActive(&h)
        let afterACTLU = h.receive(actlus[0].response().bytes)
        #expect(facts(afterACTLU) == [.logicalUnitActivated(lu: 2)])
        let bind = pius(afterACTLU)[0]
        #expect(bind.requestCode == .bind)
        #expect(bind.transmissionHeader.destinationAddress == 2)
        #expect(bind.transmissionHeader.originAddress == SNALocalAddress.primaryLogicalUnit)
        let sdt = pius(h.receive(bind.response().bytes))[0]
        #expect(sdt.requestCode == .startDataTraffic)
        #expect(facts(h.receive(sdt.response().bytes)) == [.sessionBound(lu: 2)])
        #expect(h.facts.activatedLogicalUnits == [2])
        #expect(h.facts.boundLogicalUnits == [2])
    }

    @Test func refusedActivations() {
        var h = host()
        let actlus = puActive(&h)
        let refused = h.receive(actlus[1].response(sense: .resourceNotAvailable).bytes)
        #expect(facts(refused) == [.logicalUnitRefused(lu: 3, sense: .resourceNotAvailable)])
        #expect(pius(refused).isEmpty)
        let bind = pius(h.receive(actlus[0].response().bytes))[0]
        #expect(facts(h.receive(bind.response(sense: .sessionLimitExceeded).bytes)) == [.sessionRefused(lu: 2, sense: .sessionLimitExceeded)])
        #expect(h.facts.boundLogicalUnits == [])
    }

    @Test func dataFromAnUnboundLUIsRefused() {
        var h = host()
        _ = puActive(&h)
        let data = SNAPathInformationUnit.request(.functionManagementData, destination: 1, origin: 2, sequenceNumber: 1, ru: buffer([1]))
        let actions = h.receive(data.bytes)
        #expect(pius(actions).first?.senseCode == .noSession)
        #expect(facts(actions) == [])
        #expect(throws: SNAHostStateMachine.SendError.noSession(2)) { try h.send(buffer([1]), lu: 2) }
    }

    @Test func unreadableXIDAndMalformedPIUAreFacts() {
        var h = host()
        let xid = facts(h.identificationReceived(buffer([0x02]), stationAddress: 0xC1))
        #expect(xid.count == 1)
        if case .stationIdentificationUnreadable(0xC1, let error) = xid.first {
            #expect(error.contains("XID"))
        } else {
            Issue.record("expected an unreadable XID, got \(xid)")
        }
        let bad = facts(h.receive(buffer([0x2C])))
        #expect(bad.count == 1)
        if case .protocolError(let text) = bad.first { #expect(text.contains("FID2 TH")) }
    }

    @Test func linkDownForgetsTheTerminal() {
        var h = host()
        _ = h.identificationReceived(buffer([0x02, 0x06, 0x01, 0x70, 0x00, 0xC1]), stationAddress: 0xC1)
        _ = puActive(&h)
        #expect(facts(h.linkDown(reason: "test")) == [.linkDown(stationAddress: 0xC1, reason: "test")])
        #expect(h.facts == SNAHostFacts())
        #expect(h.linkDown(reason: "again") == [])
    }
}

private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
private func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
