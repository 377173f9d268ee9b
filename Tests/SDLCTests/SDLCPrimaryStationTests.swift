import NIOCore
import SDLC
import Testing

@Suite("SDLC primary station")
struct SDLCPrimaryStationTests {
    static let address: UInt8 = 0xC1
    static let xid: [UInt8] = [0x02, 0x06, 0x01, 0x70, 0x00, 0x01]

    // T1 100 ms, N2 2, poll every 50 ms.
    private func station() -> SDLCPrimaryStation {
        SDLCPrimaryStation(configuration: .init(
            address: Self.address, replyTimeout: .milliseconds(100), retryLimit: 2, pollInterval: .milliseconds(50)))
    }

    private func f(_ control: SDLCControl, _ information: [UInt8] = []) -> SDLCFrame {
        frame(Self.address, control, information)
    }

    /// A station connected at time 0, its first poll (RR P) out.
    private func connected() -> SDLCPrimaryStation {
        var p = station()
        _ = p.start(now: at(0))
        _ = p.receive(f(u(.xid), Self.xid), now: at(0))
        _ = p.receive(f(u(.ua)), now: at(0))
        return p
    }

    @Test func contactExchangesXIDThenSetsMode() {
        var p = station()
        #expect(p.start(now: at(0)) == [.send(f(u(.xid)))])
        #expect(p.state == .exchangingIdentification)
        #expect(p.nextDeadline == at(100))
        let afterXID = p.receive(f(u(.xid), Self.xid), now: at(10))
        #expect(afterXID == [.xidReceived(buffer(Self.xid)), .send(f(u(.snrm)))])
        #expect(p.state == .settingMode)
        let afterUA = p.receive(f(u(.ua)), now: at(20))
        #expect(afterUA == [.linkUp, .send(f(rr(0)))])
        #expect(p.isLinkUp)
        #expect(p.isAwaitingFinal)
    }

    @Test func xidIsRepeatedUntilAStationAnswers() {
        var p = station()
        _ = p.start(now: at(0))
        #expect(p.tick(now: at(99)) == [])
        for n in 1...10 {
            #expect(p.tick(now: at(Int64(n) * 100)) == [.send(f(u(.xid)))])
        }
        #expect(p.state == .exchangingIdentification)
    }

    @Test func snrmIsRetriedN2TimesThenContactStartsOver() {
        var p = station()
        _ = p.start(now: at(0))
        _ = p.receive(f(u(.xid), Self.xid), now: at(0))
        #expect(p.tick(now: at(100)) == [.send(f(u(.snrm)))])
        #expect(p.tick(now: at(200)) == [.send(f(u(.snrm)))])
        #expect(p.tick(now: at(300)) == [.send(f(u(.xid)))])
        #expect(p.state == .exchangingIdentification)
    }

    @Test func dmToSNRMKeepsRetrying() {
        var p = station()
        _ = p.start(now: at(0))
        _ = p.receive(f(u(.xid), Self.xid), now: at(0))
        #expect(p.receive(f(u(.dm)), now: at(10)) == [])
        #expect(p.tick(now: at(100)) == [.send(f(u(.snrm)))])
    }

    @Test func framesFromOtherAddressesAreIgnored() {
        var p = station()
        _ = p.start(now: at(0))
        #expect(p.receive(frame(0xC2, u(.xid), Self.xid), now: at(1)) == [])
        #expect(p.state == .exchangingIdentification)
    }

    @Test func pollCycle() {
        var p = connected()
        #expect(p.receive(f(rr(0)), now: at(10)) == [])
        #expect(!p.isAwaitingFinal)
        #expect(p.nextDeadline == at(60))
        #expect(p.tick(now: at(59)) == [])
        #expect(p.tick(now: at(60)) == [.send(f(rr(0)))])
        #expect(p.nextDeadline == at(160))
    }

    @Test func queuedInformationGoesWithTheNextPoll() throws {
        var p = connected()
        _ = p.receive(f(rr(0)), now: at(10))
        try p.enqueue(buffer([0xA]), now: at(20))
        try p.enqueue(buffer([0xB]), now: at(20))
        #expect(p.nextDeadline == at(20))
        #expect(sent(p.tick(now: at(20))) == [f(i(0, 0), [0xA]), f(i(1, 0, true), [0xB])])
        #expect(p.receive(f(rr(2)), now: at(30)) == [])
        #expect(p.queuedCount == 0)
    }

    @Test func enqueueWhileAPollIsOutWaitsForTheFinal() throws {
        var p = connected()
        try p.enqueue(buffer([0xA]), now: at(5))
        #expect(p.tick(now: at(5)) == [])
        _ = p.receive(f(rr(0)), now: at(10))
        #expect(p.nextDeadline == at(10))
        #expect(sent(p.tick(now: at(10))) == [f(i(0, 0, true), [0xA])])
    }

    @Test func windowOfSeven() throws {
        var p = connected()
        _ = p.receive(f(rr(0)), now: at(10))
        for n in 0..<9 { try p.enqueue(buffer([UInt8(n)]), now: at(20)) }
        let first = sent(p.tick(now: at(20)))
        #expect(controls(first) == (0..<7).map { i(UInt8($0), 0, $0 == 6) })
        _ = p.receive(f(rr(7)), now: at(30))
        #expect(sent(p.tick(now: at(30))) == [f(i(7, 0), [7]), f(i(0, 0, true), [8])])
    }

    @Test func informationFromTheStationIsDeliveredAndPolledAgainAtOnce() {
        var p = connected()
        let actions = p.receive(f(i(0, 0), [1]), now: at(10)) + p.receive(f(i(1, 0, true), [2]), now: at(10))
        #expect(actions == [.deliver(buffer([1])), .deliver(buffer([2]))])
        #expect(p.nextDeadline == at(10))
        #expect(p.tick(now: at(10)) == [.send(f(rr(2)))])
    }

    @Test func outOfSequenceInformationIsRejected() {
        var p = connected()
        #expect(p.receive(f(i(1, 0, true), [2]), now: at(10)) == [])
        #expect(p.tick(now: at(10)) == [.send(f(rej(0)))])
        #expect(p.receive(f(i(0, 0), [1]), now: at(20)) == [.deliver(buffer([1]))])
    }

    @Test func rejFromTheStationResendsFromNR() throws {
        var p = connected()
        _ = p.receive(f(rr(0)), now: at(10))
        for n in 0..<3 { try p.enqueue(buffer([UInt8(n)]), now: at(20)) }
        _ = p.tick(now: at(20))
        _ = p.receive(f(rej(1)), now: at(30))
        #expect(sent(p.tick(now: at(30))) == [f(i(1, 0), [1]), f(i(2, 0, true), [2])])
    }

    @Test func finalWithoutFullAcknowledgmentResends() throws {
        var p = connected()
        _ = p.receive(f(rr(0)), now: at(10))
        for n in 0..<2 { try p.enqueue(buffer([UInt8(n)]), now: at(20)) }
        _ = p.tick(now: at(20))
        _ = p.receive(f(rr(1)), now: at(30))
        #expect(sent(p.tick(now: at(30))) == [f(i(1, 0, true), [1])])
    }

    @Test func rnrFromTheStationHoldsInformation() throws {
        var p = connected()
        _ = p.receive(f(rnr(0)), now: at(10))
        #expect(p.isRemoteBusy)
        try p.enqueue(buffer([0xA]), now: at(20))
        #expect(p.tick(now: at(20)) == [])
        #expect(p.tick(now: at(60)) == [.send(f(rr(0)))])
        _ = p.receive(f(rr(0)), now: at(70))
        #expect(sent(p.tick(now: at(70))) == [f(i(0, 0, true), [0xA])])
    }

    @Test func frmrFromTheStationResetsWithSNRM() {
        var p = connected()
        let info: [UInt8] = [0x37, 0x00, 0x01]
        let actions = p.receive(f(u(.frmr), info), now: at(10))
        #expect(actions == [
            .frameRejectReceived(SDLCFrameReject(rejectedControl: 0x37, sendState: 0, receiveState: 0, invalidControl: true)),
            .linkDown(.frameReject), .send(f(u(.snrm))),
        ])
        #expect(p.receive(f(u(.ua)), now: at(20)) == [.linkUp, .send(f(rr(0)))])
    }

    @Test func dmFromTheStationStartsContactAgain() {
        var p = connected()
        #expect(p.receive(f(u(.dm)), now: at(10)) == [.linkDown(.disconnectedMode), .send(f(u(.xid)))])
    }

    @Test func invalidNRFromTheStationStartsContactAgain() {
        var p = connected()
        let actions = p.receive(f(rr(3)), now: at(10))
        #expect(actions.count == 2)
        if case .linkDown(.protocolError(let text)) = actions.first {
            #expect(text.contains("N(R) 3"))
        } else {
            Issue.record("expected a protocol error, got \(actions)")
        }
        #expect(actions.last == .send(f(u(.xid))))
    }

    @Test func linkDownAfterN2UnansweredPollsThenRecontact() {
        var p = connected()  // RR P out at 0
        #expect(p.tick(now: at(100)) == [.send(f(rr(0)))])
        #expect(p.tick(now: at(200)) == [.send(f(rr(0)))])
        #expect(p.tick(now: at(300)) == [.linkDown(.noResponse), .send(f(u(.xid)))])
        #expect(!p.isLinkUp)
        // A station connected later (the line was switched) is found.
        #expect(p.tick(now: at(400)) == [.send(f(u(.xid)))])
        _ = p.receive(f(u(.xid), Self.xid), now: at(410))
        #expect(p.receive(f(u(.ua)), now: at(420)) == [.linkUp, .send(f(rr(0)))])
    }

    @Test func timeoutPollDoesNotSendNewInformation() throws {
        var p = connected()
        _ = p.receive(f(rr(0)), now: at(10))
        try p.enqueue(buffer([0xA]), now: at(20))
        _ = p.tick(now: at(20))  // I(0) P
        try p.enqueue(buffer([0xB]), now: at(30))
        // No final: the retry asks for state only; the answer's N(R) says what to resend.
        #expect(p.tick(now: at(120)) == [.send(f(rr(0)))])
        _ = p.receive(f(rr(0)), now: at(130))
        #expect(sent(p.tick(now: at(130))) == [f(i(0, 0), [0xA]), f(i(1, 0, true), [0xB])])
    }

    @Test func enqueueErrors() {
        var p = station()
        #expect(throws: SDLCPrimaryStation.EnqueueError.linkDown) { try p.enqueue(buffer([1]), now: at(0)) }
    }

    @Test func disconnect() {
        var p = connected()
        #expect(p.disconnect(now: at(10)) == [.send(f(u(.disc)))])
        #expect(p.receive(f(u(.ua)), now: at(20)) == [.linkDown(.local)])
        #expect(p.state == .idle)
        #expect(p.nextDeadline == nil)
    }
}
