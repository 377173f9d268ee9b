import NIOCore
import Testing
@testable import X25

/// LAPB transitions per ISO 7776: link set-up, T1/N2, I-frames and acknowledgement, REJ and
/// T1 recovery, RNR, FRMR, DISC.
@Suite struct LAPBStationTests {
    func frames(_ actions: [LAPBStation.Action]) -> [LAPBFrame] { actions.compactMap(\.frame) }

    /// DTE and DCE with the link up.
    func connected(settings: LAPBStation.Settings = LAPBStation.Settings()) -> (LAPBStation, LAPBStation) {
        var dte = LAPBStation(role: .dte, settings: settings)
        var dce = LAPBStation(role: .dce, settings: settings)
        let sabm = frames(dte.start(now: t0))
        let answer = dce.receive(sabm[0], now: t0)
        let ua = frames(answer)
        _ = dte.receive(ua[0], now: t0)
        return (dte, dce)
    }

    @Test func linkSetUp() {
        var dte = LAPBStation(role: .dte)
        var dce = LAPBStation(role: .dce)
        let start = dte.start(now: t0)
        #expect(frames(start).map { bytes($0.bytes) } == [[0x01, 0x3F]])
        #expect(dte.state == .linkSetup)
        let answer = dce.receive(frames(start)[0], now: t0)
        #expect(frames(answer).map { bytes($0.bytes) } == [[0x01, 0x73]])
        #expect(answer.contains(.linkUp))
        let up = dte.receive(frames(answer)[0], now: t0)
        #expect(up == [.linkUp])
        #expect(dte.isLinkUp && dce.isLinkUp)
        #expect(dte.nextDeadline == nil)
    }

    @Test func sabmCollisionBringsTheLinkUp() {
        var dte = LAPBStation(role: .dte)
        var dce = LAPBStation(role: .dce)
        let fromDTE = frames(dte.start(now: t0))[0]
        let fromDCE = frames(dce.start(now: t0))[0]
        #expect(bytes(fromDCE.bytes) == [0x03, 0x3F])
        let atDTE = dte.receive(fromDCE, now: t0)
        #expect(frames(atDTE).map { bytes($0.bytes) } == [[0x03, 0x73]])
        #expect(atDTE.contains(.linkUp))
        #expect(dce.receive(fromDTE, now: t0).contains(.linkUp))
    }

    @Test func t1RepeatsSABMAndN2GivesUp() {
        let settings = LAPBStation.Settings(t1: .seconds(1), n2: 3)
        var dte = LAPBStation(role: .dte, settings: settings)
        _ = dte.start(now: t0)
        #expect(dte.tick(now: t0 + .milliseconds(999)).isEmpty)
        #expect(frames(dte.tick(now: t0 + .seconds(1))).map { bytes($0.bytes) } == [[0x01, 0x3F]])
        #expect(frames(dte.tick(now: t0 + .seconds(2))).map { bytes($0.bytes) } == [[0x01, 0x3F]])
        #expect(dte.tick(now: t0 + .seconds(3)) == [.linkDown(.retryLimit)])
        #expect(dte.state == .disconnected)
        #expect(dte.nextDeadline == nil)
    }

    @Test func disconnectedStationAnswersDM() {
        var dce = LAPBStation(role: .dce)
        let answer = dce.receive(LAPBFrame(address: 0x01, control: .disc(poll: true)), now: t0)
        #expect(frames(answer).map { bytes($0.bytes) } == [[0x01, 0x1F]])
        let toI = dce.receive(LAPBFrame(address: 0x01, control: .information(ns: 0, nr: 0, poll: true)), now: t0)
        #expect(frames(toI).map { bytes($0.bytes) } == [[0x01, 0x1F]])
    }

    @Test func informationIsAcknowledgedAndT1Stops() throws {
        var (dte, dce) = connected()
        let out = try dte.send(buffer([0x10, 0x00, 0xFB, 0x00, 0x00]), now: t0)
        #expect(frames(out).map { bytes($0.bytes) } == [[0x01, 0x00, 0x10, 0x00, 0xFB, 0x00, 0x00]])
        #expect(dte.nextDeadline == t0 + .seconds(3))
        let atDCE = dce.receive(frames(out)[0], now: t0)
        #expect(atDCE.compactMap(\.delivered).map(bytes) == [[0x10, 0x00, 0xFB, 0x00, 0x00]])
        #expect(frames(atDCE).map { bytes($0.bytes) } == [[0x01, 0x21]])  // RR N(R)=1 response
        _ = dte.receive(frames(atDCE)[0], now: t0)
        #expect(dte.isIdle)
        #expect(dte.nextDeadline == nil)
    }

    @Test func windowLimitsFramesInFlight() throws {
        var (dte, _) = connected(settings: LAPBStation.Settings(window: 2))
        var sentFrames: [LAPBFrame] = []
        for index in 0..<3 { sentFrames += frames(try dte.send(buffer([UInt8(index)]), now: t0)) }
        #expect(sentFrames.map(\.control) == [.information(ns: 0, nr: 0, poll: false), .information(ns: 1, nr: 0, poll: false)])
        let more = dte.receive(LAPBFrame(address: 0x01, control: .rr(nr: 1)), now: t0)
        #expect(frames(more).map(\.control) == [.information(ns: 2, nr: 0, poll: false)])
    }

    @Test func rejRecoversALostFrame() throws {
        var (dte, dce) = connected()
        var out: [LAPBFrame] = []
        for index in 0..<3 { out += frames(try dte.send(buffer([UInt8(index)]), now: t0)) }
        // Frame 0 lost: the DCE rejects on frame 1 and stays silent on frame 2.
        let reject = dce.receive(out[1], now: t0)
        #expect(frames(reject).map { bytes($0.bytes) } == [[0x01, 0x09]])
        #expect(reject.compactMap(\.delivered).isEmpty)
        #expect(frames(dce.receive(out[2], now: t0)).isEmpty)
        let resent = frames(dte.receive(frames(reject)[0], now: t0))
        #expect(resent.map(\.control) == [0, 1, 2].map { .information(ns: $0, nr: 0, poll: false) })
        var delivered: [[UInt8]] = []
        for frame in resent { delivered += dce.receive(frame, now: t0).compactMap(\.delivered).map(bytes) }
        #expect(delivered == [[0], [1], [2]])
        #expect(dce.receiveState == 3)
    }

    @Test func t1RetransmitsWithPollAndN2TakesTheLinkDown() throws {
        let settings = LAPBStation.Settings(t1: .seconds(1), n2: 2)
        var (dte, dce) = connected(settings: settings)
        _ = try dte.send(buffer([0xAA]), now: t0)  // lost
        let again = frames(dte.tick(now: t0 + .seconds(1)))
        #expect(again.map(\.control) == [.information(ns: 0, nr: 0, poll: true)])
        let answer = dce.receive(again[0], now: t0 + .seconds(1))
        #expect(frames(answer).map(\.control) == [.rr(nr: 1, pollFinal: true)])
        _ = dte.receive(frames(answer)[0], now: t0 + .seconds(1))
        #expect(dte.isIdle && dte.nextDeadline == nil)
        // Now nothing answers: N2 = 2 transmissions, then the link is down.
        _ = try dte.send(buffer([0xBB]), now: t0 + .seconds(2))
        #expect(frames(dte.tick(now: t0 + .seconds(3))).count == 1)
        #expect(dte.tick(now: t0 + .seconds(4)) == [.linkDown(.retryLimit)])
        #expect(!dte.isLinkUp && dte.queuedCount == 0)
    }

    @Test func remoteBusyHoldsFramesUntilRR() throws {
        var (dte, _) = connected()
        _ = dte.receive(LAPBFrame(address: 0x01, control: .rnr(nr: 0)), now: t0)
        #expect(dte.isRemoteBusy)
        #expect(frames(try dte.send(buffer([1]), now: t0)).isEmpty)
        // T1 polls the busy peer with RR P.
        #expect(frames(dte.tick(now: t0 + .seconds(3))).map(\.control) == [.rr(nr: 0, pollFinal: true)])
        let resumed = dte.receive(LAPBFrame(address: 0x01, control: .rr(nr: 0, pollFinal: true)), now: t0 + .seconds(3))
        #expect(frames(resumed).map(\.control) == [.information(ns: 0, nr: 0, poll: false)])
    }

    @Test func localBusyAnswersRNR() {
        var (_, dce) = connected()
        #expect(frames(dce.setLocalBusy(true, now: t0)).map { bytes($0.bytes) } == [[0x01, 0x05]])
        let answer = dce.receive(LAPBFrame(address: 0x01, control: .information(ns: 0, nr: 0, poll: false), information: buffer([1])), now: t0)
        #expect(answer.compactMap(\.delivered).isEmpty)
        #expect(frames(answer).map(\.control) == [.rnr(nr: 0)])
    }

    @Test func invalidNRIsRejectedWithFRMRAndThePeerResets() {
        var (dte, dce) = connected()
        let bad = LAPBFrame(address: 0x01, control: .information(ns: 0, nr: 3, poll: false), information: buffer([1]))
        let answer = dce.receive(bad, now: t0)
        let reject = SDLCFrameReject(rejectedControl: 0x60, sendState: 0, receiveState: 0, invalidReceiveSequence: true)
        #expect(frames(answer).map { bytes($0.bytes) } == [[0x01, 0x87, 0x60, 0x00, 0x08]])
        #expect(answer.contains(.frameRejected(reject)))
        #expect(dce.state == .frameRejectSent)
        let reset = dte.receive(frames(answer)[0], now: t0)
        #expect(reset.contains(.linkDown(.frameRejectReceived(reject))))
        #expect(frames(reset).map { bytes($0.bytes) } == [[0x01, 0x3F]])
        let ua = dce.receive(frames(reset)[0], now: t0)
        #expect(ua.contains(.linkUp))
        #expect(dte.receive(frames(ua)[0], now: t0) == [.linkUp])
    }

    @Test func unknownControlAndInformationInSFrameAreRejected() {
        var (_, dce) = connected()
        let unknown = dce.receive(LAPBFrame(address: 0x01, control: .unnumbered(LAPBUnnumberedFunction(rawValue: 0xE3), pollFinal: true)), now: t0)
        #expect(frames(unknown).map { bytes($0.bytes) } == [[0x01, 0x97, 0xF3, 0x00, 0x01]])
        var (_, other) = connected()
        let sWithInfo = other.receive(LAPBFrame(address: 0x01, control: .rr(nr: 0), information: buffer([9])), now: t0)
        #expect(frames(sWithInfo).map { bytes($0.bytes) } == [[0x01, 0x87, 0x01, 0x00, 0x03]])
    }

    @Test func discTakesTheLinkDown() {
        var (dte, dce) = connected()
        let stop = dte.stop(now: t0)
        #expect(frames(stop).map { bytes($0.bytes) } == [[0x01, 0x53]])
        #expect(stop.contains(.linkDown(.local)))
        let answer = dce.receive(frames(stop)[0], now: t0)
        #expect(frames(answer).map { bytes($0.bytes) } == [[0x01, 0x73]])
        #expect(answer.contains(.linkDown(.disconnected)))
        _ = dte.receive(frames(answer)[0], now: t0)
        #expect(dte.state == .disconnected)
    }

    @Test func sabmWhileUpResetsTheLink() throws {
        var (dte, dce) = connected()
        _ = try dte.send(buffer([1]), now: t0)
        let reset = dte.receive(LAPBFrame(address: 0x03, control: .sabm(poll: true)), now: t0)
        #expect(reset == [.send(LAPBFrame(address: 0x03, control: .ua(final: true))), .linkDown(.reset), .linkUp])
        #expect(dte.queuedCount == 0 && dte.sendState == 0)
        _ = dce
    }

    @Test func sendErrors() throws {
        var station = LAPBStation(role: .dte, settings: LAPBStation.Settings(maximumInformationLength: 4, maximumQueued: 1))
        #expect(throws: LAPBStation.SendError.linkDown) { try station.send(buffer([1]), now: t0) }
        var (dte, _) = connected(settings: LAPBStation.Settings(maximumInformationLength: 4, maximumQueued: 1))
        #expect(throws: LAPBStation.SendError.tooLong(length: 5, limit: 4)) { try dte.send(buffer([1, 2, 3, 4, 5]), now: t0) }
        _ = try dte.send(buffer([1]), now: t0)
        #expect(throws: LAPBStation.SendError.queueFull(limit: 1)) { try dte.send(buffer([2]), now: t0) }
    }
}
