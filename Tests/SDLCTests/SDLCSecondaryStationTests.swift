import NIOCore
import SDLC
import Testing

@Suite("SDLC secondary station")
struct SDLCSecondaryStationTests {
    static let address: UInt8 = 0xC1
    static let nodeID = XIDNodeID(idBlock: 0x017, idNumber: 0x00001)!

    private func station(maximumInformationLength: Int = 64, window: Int = 7) -> SDLCSecondaryStation {
        SDLCSecondaryStation(configuration: .init(
            address: Self.address, nodeID: Self.nodeID, maximumInformationLength: maximumInformationLength,
            noPollTimeout: .seconds(1), window: window))
    }

    private func f(_ control: SDLCControl, _ information: [UInt8] = []) -> SDLCFrame {
        frame(Self.address, control, information)
    }

    /// A station in NRM after SNRM at time 0.
    private func connected(maximumInformationLength: Int = 64) -> SDLCSecondaryStation {
        var s = station(maximumInformationLength: maximumInformationLength)
        _ = s.receive(f(u(.snrm)), now: at(0))
        return s
    }

    private func delivered(_ actions: [SDLCSecondaryStation.Action]) -> [[UInt8]] {
        actions.compactMap { if case .deliver(let data) = $0 { bytes(data) } else { nil } }
    }

    @Test func snrmInDisconnectedModeIsAnsweredWithUA() {
        var s = station()
        #expect(s.mode == .disconnected)
        let actions = s.receive(f(u(.snrm)), now: at(0))
        #expect(actions == [.linkUp, .send(f(u(.ua)))])
        #expect(s.mode == .normalResponse)
        #expect(s.nextDeadline == at(1000))
    }

    @Test func xidIsAnsweredWithFormat0InEveryMode() throws {
        var s = station()
        let expected = f(u(.xid), [0x02, 0x06, 0x01, 0x70, 0x00, 0x01])
        #expect(s.receive(f(u(.xid)), now: at(0)) == [.send(expected)])
        _ = s.receive(f(u(.snrm)), now: at(1))
        #expect(s.receive(f(u(.xid), [0x02, 0x06, 0x00, 0x00, 0x00, 0x00]), now: at(2)) == [.send(expected)])
        #expect(try SNAXID(parsing: expected.information).nodeID == Self.nodeID)
        // Without the poll bit the station may not send.
        #expect(s.receive(f(u(.xid, false)), now: at(3)) == [])
    }

    @Test func testIsEchoed() {
        var s = station(maximumInformationLength: 4)
        #expect(s.receive(f(u(.test), [1, 2, 3]), now: at(0)) == [.send(f(u(.test), [1, 2, 3]))])
        // An over-long TEST is answered without its information field.
        #expect(s.receive(f(u(.test), [1, 2, 3, 4, 5]), now: at(0)) == [.send(f(u(.test)))])
    }

    @Test func discDisconnectsAndIsAnsweredWithUA() {
        var s = connected()
        #expect(s.receive(f(u(.disc)), now: at(10)) == [.linkDown(.disconnected), .send(f(u(.ua)))])
        #expect(s.mode == .disconnected)
        #expect(s.nextDeadline == nil)
        // Already disconnected: DM.
        #expect(s.receive(f(u(.disc)), now: at(20)) == [.send(f(u(.dm)))])
    }

    @Test func numberedFramesInDisconnectedModeGetDM() {
        var s = station()
        #expect(s.receive(f(rr(0)), now: at(0)) == [.send(f(u(.dm)))])
        #expect(s.receive(f(i(0, 0, true), [1]), now: at(0)) == [.send(f(u(.dm)))])
        #expect(s.receive(f(rr(0, false)), now: at(0)) == [])
        #expect(s.receive(f(u(.ua)), now: at(0)) == [.send(f(u(.dm)))])
    }

    @Test func framesForOtherAddressesAreIgnored() {
        var s = station()
        for control in [u(.snrm), u(.xid), u(.test), u(.disc), rr(0), i(0, 0, true)] {
            #expect(s.receive(frame(0xC2, control), now: at(0)) == [])
        }
        #expect(s.mode == .disconnected)
        s = connected()
        #expect(s.receive(frame(0xC2, rr(0)), now: at(900)) == [])
        #expect(s.receive(frame(0x00, u(.disc)), now: at(900)) == [])
        // A poll to another station does not keep this one's link alive.
        #expect(s.tick(now: at(1000)) == [.linkDown(.noPoll)])
    }

    @Test func broadcastAddressIsAccepted() {
        var s = station()
        #expect(s.receive(frame(0xFF, u(.snrm)), now: at(0)) == [.linkUp, .send(f(u(.ua)))])
    }

    @Test func snrmWhileConnectedResetsTheLink() throws {
        var s = connected()
        _ = s.receive(f(i(0, 0, true), [9]), now: at(1))
        try s.enqueue(buffer([1]))
        #expect(s.receiveState == 1)
        #expect(s.receive(f(u(.snrm)), now: at(2)) == [.linkDown(.reset), .linkUp, .send(f(u(.ua)))])
        #expect(s.receiveState == 0)
        #expect(s.sendState == 0)
        #expect(s.queuedCount == 0)
    }

    @Test func snrmWithoutPollIsAnsweredAtTheNextPoll() {
        var s = station()
        #expect(s.receive(f(u(.snrm, false)), now: at(0)) == [.linkUp])
        #expect(s.receive(f(rr(0)), now: at(1)) == [.send(f(u(.ua)))])
        #expect(s.receive(f(rr(0)), now: at(2)) == [.send(f(rr(0)))])
    }

    @Test func pollWithNothingToSendGetsRR() {
        var s = connected()
        #expect(s.receive(f(rr(0)), now: at(10)) == [.send(f(rr(0)))])
        #expect(s.receive(f(rr(0, false)), now: at(20)) == [])
    }

    @Test func informationIsDeliveredInSequenceAndAcknowledged() {
        var s = connected()
        #expect(delivered(s.receive(f(i(0, 0), [1]), now: at(1))) == [[1]])
        let actions = s.receive(f(i(1, 0, true), [2]), now: at(2))
        #expect(delivered(actions) == [[2]])
        #expect(sent(actions) == [f(rr(2))])
        #expect(s.receiveState == 2)
    }

    @Test func queuedFramesGoOnlyWhenPolledWithFinalOnTheLast() throws {
        var s = connected()
        try s.enqueue(buffer([0xA]))
        try s.enqueue(buffer([0xB]))
        #expect(s.receive(f(i(0, 0), [1]), now: at(1)).allSatisfy { if case .send = $0 { false } else { true } })
        let response = sent(s.receive(f(rr(0)), now: at(2)))
        #expect(response == [f(i(0, 1), [0xA]), f(i(1, 1, true), [0xB])])
        // Acknowledged: nothing left.
        #expect(sent(s.receive(f(rr(2)), now: at(3))) == [f(rr(1))])
        #expect(s.queuedCount == 0)
    }

    @Test func windowOfSevenFrames() throws {
        var s = connected()
        for n in 0..<9 { try s.enqueue(buffer([UInt8(n)])) }
        let first = sent(s.receive(f(rr(0)), now: at(1)))
        #expect(first.count == 7)
        #expect(controls(first) == (0..<7).map { i(UInt8($0), 0, $0 == 6) })
        // All seven acknowledged: the other two follow, N(S) wrapping 7, 0.
        let second = sent(s.receive(f(rr(7)), now: at(2)))
        #expect(second == [f(i(7, 0), [7]), f(i(0, 0, true), [8])])
        #expect(sent(s.receive(f(rr(1)), now: at(3))) == [f(rr(0))])
    }

    @Test func smallerWindow() throws {
        var s = SDLCSecondaryStation(configuration: .init(address: Self.address, nodeID: Self.nodeID, window: 2))
        _ = s.receive(f(u(.snrm)), now: at(0))
        for n in 0..<3 { try s.enqueue(buffer([UInt8(n)])) }
        #expect(sent(s.receive(f(rr(0)), now: at(1))).count == 2)
    }

    @Test func checkpointRetransmitsWhatThePollDidNotAcknowledge() throws {
        var s = connected()
        for n in 0..<3 { try s.enqueue(buffer([UInt8(n)])) }
        _ = s.receive(f(rr(0)), now: at(1))
        // The primary got only I(0): the poll's N(R)=1 makes the station resend 1 and 2.
        #expect(sent(s.receive(f(rr(1)), now: at(2))) == [f(i(1, 0), [1]), f(i(2, 0, true), [2])])
    }

    @Test func rejFromThePrimaryResendsFromNR() throws {
        var s = connected()
        for n in 0..<3 { try s.enqueue(buffer([UInt8(n)])) }
        _ = s.receive(f(rr(0)), now: at(1))
        #expect(sent(s.receive(f(rej(1)), now: at(2))) == [f(i(1, 0), [1]), f(i(2, 0, true), [2])])
        #expect(sent(s.receive(f(rr(3)), now: at(3))) == [f(rr(0))])
    }

    @Test func rejWithoutPollResendsAtTheNextPoll() throws {
        var s = connected()
        for n in 0..<2 { try s.enqueue(buffer([UInt8(n)])) }
        _ = s.receive(f(rr(0)), now: at(1))
        #expect(s.receive(f(rej(0, false)), now: at(2)) == [])
        #expect(sent(s.receive(f(rr(0)), now: at(3))) == [f(i(0, 0), [0]), f(i(1, 0, true), [1])])
    }

    @Test func outOfSequenceInformationIsRejectedOnce() {
        var s = connected()
        #expect(delivered(s.receive(f(i(0, 0), [0]), now: at(1))) == [[0]])
        // I(1) lost; I(2) arrives polled: REJ N(R)=1 with final, nothing delivered.
        let rejected = s.receive(f(i(2, 0, true), [2]), now: at(2))
        #expect(delivered(rejected) == [])
        #expect(sent(rejected) == [f(rej(1))])
        // Still out of sequence: no second REJ while the condition lasts.
        #expect(sent(s.receive(f(i(3, 0, true), [3]), now: at(3))) == [f(rr(1))])
        // Recovery: the primary resends from 1.
        #expect(delivered(s.receive(f(i(1, 0), [1]), now: at(4))) == [[1]])
        let last = s.receive(f(i(2, 0, true), [2]), now: at(5))
        #expect(delivered(last) == [[2]])
        #expect(sent(last) == [f(rr(3))])
    }

    @Test func rejPrecedesQueuedInformation() throws {
        var s = connected()
        try s.enqueue(buffer([0xA]))
        let actions = s.receive(f(i(1, 0, true), [1]), now: at(1))
        #expect(sent(actions) == [f(rej(0, false)), f(i(0, 0, true), [0xA])])
    }

    @Test func rnrFromThePrimaryHoldsInformation() throws {
        var s = connected()
        try s.enqueue(buffer([0xA]))
        #expect(sent(s.receive(f(rnr(0)), now: at(1))) == [f(rr(0))])
        #expect(s.isRemoteBusy)
        #expect(sent(s.receive(f(rr(0)), now: at(2))) == [f(i(0, 0, true), [0xA])])
        #expect(!s.isRemoteBusy)
    }

    @Test func localBusyAnswersRNRAndDiscardsInformation() {
        var s = connected()
        s.setLocalBusy(true)
        #expect(sent(s.receive(f(rr(0)), now: at(1))) == [f(rnr(0))])
        let busy = s.receive(f(i(0, 0, true), [1]), now: at(2))
        #expect(delivered(busy) == [])
        #expect(sent(busy) == [f(rnr(0))])
        s.setLocalBusy(false)
        #expect(sent(s.receive(f(rr(0)), now: at(3))) == [f(rr(0))])
        #expect(delivered(s.receive(f(i(0, 0, true), [1]), now: at(4))) == [[1]])
    }

    @Test func frameRejectForAnInvalidControlField() {
        var s = connected()
        let control = SDLCControl(byte: 0x37)  // U-frame with an undefined modifier, P set
        let info = SDLCFrameReject(rejectedControl: 0x37, sendState: 0, receiveState: 0, invalidControl: true)
        #expect(s.receive(f(control), now: at(1)) == [.frameRejected(info), .send(f(u(.frmr), [0x37, 0x00, 0x01]))])
        #expect(s.mode == .frameReject)
        // Polls get FRMR again until the primary resets the link.
        #expect(sent(s.receive(f(rr(0)), now: at(2))) == [f(u(.frmr), [0x37, 0x00, 0x01])])
        #expect(s.receive(f(u(.snrm)), now: at(3)) == [.linkDown(.reset), .linkUp, .send(f(u(.ua)))])
        #expect(s.mode == .normalResponse)
    }

    @Test func frameRejectForInformationWhereNoneIsAllowed() {
        var s = connected()
        let actions = s.receive(f(rr(0), [1, 2]), now: at(1))
        #expect(sent(actions) == [f(u(.frmr), [0x11, 0x00, 0x03])])
        var t = connected()
        #expect(sent(t.receive(f(u(.snrm), [1]), now: at(1))) == [f(u(.frmr), [0x93, 0x00, 0x03])])
    }

    @Test func frameRejectForAnInvalidNR() {
        var s = connected()
        _ = s.receive(f(i(0, 0), [1]), now: at(1))
        // Nothing was sent, so N(R)=3 acknowledges frames that never existed.
        #expect(sent(s.receive(f(rr(3)), now: at(2))) == [f(u(.frmr), [0x71, 0x20, 0x08])])
    }

    @Test func frameRejectForAnOverlongInformationField() {
        var s = connected(maximumInformationLength: 4)
        let actions = s.receive(f(i(0, 0, true), [1, 2, 3, 4, 5]), now: at(1))
        #expect(sent(actions) == [f(u(.frmr), [0x10, 0x00, 0x04])])
        #expect(delivered(actions) == [])
    }

    @Test func frameRejectForSelectiveReject() {
        var s = connected()
        #expect(sent(s.receive(f(.supervisory(.selectiveReject, nr: 0, pollFinal: true)), now: at(1))) == [f(u(.frmr), [0x1D, 0x00, 0x01])])
    }

    @Test func frameRejectWithoutPollIsSentAtTheNextPoll() {
        var s = connected()
        let info = SDLCFrameReject(rejectedControl: 0x01, sendState: 0, receiveState: 0, invalidControl: true, informationNotAllowed: true)
        #expect(s.receive(f(rr(0, false), [1]), now: at(1)) == [.frameRejected(info)])
        #expect(sent(s.receive(f(rr(0)), now: at(2))) == [f(u(.frmr), bytes(info.information))])
        // DISC leaves the frame-reject condition too.
        #expect(s.receive(f(u(.disc)), now: at(3)) == [.linkDown(.disconnected), .send(f(u(.ua)))])
    }

    @Test func noPollTimeoutTakesTheLinkDown() {
        var s = connected()
        #expect(s.tick(now: at(999)) == [])
        _ = s.receive(f(rr(0)), now: at(500))
        // Frames without the poll bit do not count as polls.
        _ = s.receive(f(i(0, 0), [1]), now: at(1200))
        #expect(s.tick(now: at(1499)) == [])
        #expect(s.nextDeadline == at(1500))
        #expect(s.tick(now: at(1500)) == [.linkDown(.noPoll)])
        #expect(s.mode == .disconnected)
        #expect(s.tick(now: at(5000)) == [])
        #expect(s.receive(f(rr(0)), now: at(5001)) == [.send(f(u(.dm)))])
    }

    @Test func enqueueErrors() {
        var s = station(maximumInformationLength: 2)
        #expect(throws: SDLCSecondaryStation.EnqueueError.linkDown) { try s.enqueue(buffer([1])) }
        _ = s.receive(f(u(.snrm)), now: at(0))
        #expect(throws: SDLCSecondaryStation.EnqueueError.tooLong(length: 3, limit: 2)) { try s.enqueue(buffer([1, 2, 3])) }
    }

    @Test func localDisconnect() {
        var s = connected()
        #expect(s.disconnect() == [.linkDown(.local)])
        #expect(s.disconnect() == [])
        #expect(s.receive(f(rr(0)), now: at(1)) == [.send(f(u(.dm)))])
    }

    @Test func deferredPollResponseCarriesWhatTheDeliveryCaused() throws {
        var s = connected()
        let actions = s.receive(f(i(0, 0, true), [1]), now: at(1), deferringPollResponse: true)
        #expect(actions == [.deliver(buffer([1]))])
        #expect(s.isPollPending)
        try s.enqueue(buffer([0xA]))
        #expect(s.answerPoll() == [.send(f(i(0, 1, true), [0xA]))])
        #expect(s.answerPoll() == [])
    }
}
