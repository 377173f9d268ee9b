import NIOCore
import Testing
@testable import X25

/// X.25 packet layer transitions: restart (T20, collision), call set-up (T21, collision),
/// data with P(S)/P(R), window, M-bit segmentation and reassembly, Q bit, RR/RNR, RESET
/// (T22, collision), CLEAR (T23, collision).
@Suite struct X25PacketLayerTests {
    static let host = X121Address(parsing: "44100001")!
    static let terminal = X121Address(parsing: "44200001")!

    func packets(_ actions: [X25PacketLayer.Action]) -> [X25Packet] { actions.compactMap(\.packet) }

    /// Feeds every packet one side sends to the other, both ways, until quiet.
    func exchange(_ a: inout X25PacketLayer, _ b: inout X25PacketLayer, _ first: [X25PacketLayer.Action], fromA: Bool = true,
                  now: NIODeadline = t0) -> (atA: [X25PacketLayer.Action], atB: [X25PacketLayer.Action]) {
        var atA: [X25PacketLayer.Action] = fromA ? first : []
        var atB: [X25PacketLayer.Action] = fromA ? [] : first
        var pending = packets(first)
        var towardB = fromA
        var rounds = 0
        while !pending.isEmpty, rounds < 100 {
            rounds += 1
            var next: [X25Packet] = []
            for packet in pending {
                let actions = towardB ? b.receive(packet, now: now) : a.receive(packet, now: now)
                if towardB { atB += actions } else { atA += actions }
                next += packets(actions)
            }
            pending = next
            towardB.toggle()
        }
        return (atA, atB)
    }

    func ready(settings: X25PacketLayer.Settings = X25PacketLayer.Settings()) -> (X25PacketLayer, X25PacketLayer) {
        var dte = X25PacketLayer(role: .dte, settings: settings)
        var dce = X25PacketLayer(role: .dce, settings: settings)
        // Both restart when the link comes up: a restart collision, which completes both.
        let fromDTE = packets(dte.linkUp(now: t0))
        let fromDCE = packets(dce.linkUp(now: t0))
        #expect(dce.receive(fromDTE[0], now: t0) == [.ready])
        #expect(dte.receive(fromDCE[0], now: t0) == [.ready])
        return (dte, dce)
    }

    func connected(settings: X25PacketLayer.Settings = X25PacketLayer.Settings(), facilities: X25Facilities = X25Facilities())
        -> (X25PacketLayer, X25PacketLayer, UInt16)
    {
        var (dte, dce) = ready(settings: settings)
        let setup = X25CallSetup(calledAddress: Self.host, callingAddress: Self.terminal, facilities: facilities, userData: buffer([0xC3]))
        let (channel, actions) = try! dte.call(setup, now: t0)
        let (_, atDCE) = exchange(&dte, &dce, actions)
        #expect(atDCE.contains { if case .incomingCall = $0 { true } else { false } })
        _ = exchange(&dce, &dte, dce.accept(channel: channel, now: t0))
        return (dte, dce, channel)
    }

    @Test func restartAtLinkUp() {
        var dte = X25PacketLayer(role: .dte)
        let up = dte.linkUp(now: t0)
        #expect(packets(up).map { bytes($0.bytes) } == [[0x10, 0x00, 0xFB, 0x00, 0x00]])
        #expect(dte.state == .restarting)
        #expect(dte.receive(buffer([0x10, 0x00, 0xFF]), now: t0) == [.ready])
        #expect(dte.state == .ready)
        var dce = X25PacketLayer(role: .dce)
        #expect(packets(dce.linkUp(now: t0)).map { bytes($0.bytes) } == [[0x10, 0x00, 0xFB, 0x07, 0x00]])
    }

    @Test func restartCollisionNeedsNoConfirmation() {
        var dte = X25PacketLayer(role: .dte)
        _ = dte.linkUp(now: t0)
        let collision = dte.receive(buffer([0x10, 0x00, 0xFB, 0x07, 0x00]), now: t0)
        #expect(collision == [.ready])
        // A restart indication when ready is confirmed and clears the calls.
        let again = dte.receive(buffer([0x10, 0x00, 0xFB, 0x07, 0x00]), now: t0)
        #expect(packets(again).map { bytes($0.bytes) } == [[0x10, 0x00, 0xFF]])
    }

    @Test func t20RepeatsRestartThenFails() {
        var dte = X25PacketLayer(role: .dte, settings: X25PacketLayer.Settings(t20: .seconds(5), transmissions: 2))
        _ = dte.linkUp(now: t0)
        #expect(packets(dte.tick(now: t0 + .seconds(5))).count == 1)
        #expect(dte.tick(now: t0 + .seconds(10)) == [.restartFailed])
    }

    @Test func callRequestAcceptedAndFacilitiesNegotiated() throws {
        var (dte, dce) = ready(settings: X25PacketLayer.Settings(packetSize: 256, window: 3))
        let setup = X25CallSetup(calledAddress: Self.host, callingAddress: Self.terminal, userData: buffer([0xC3]))
        let (channel, actions) = try dte.call(setup, now: t0)
        #expect(channel == 1)
        #expect(packets(actions).map { bytes($0.bytes) } == [[
            0x10, 0x01, 0x0B, 0x88, 0x44, 0x10, 0x00, 0x01, 0x44, 0x20, 0x00, 0x01,
            0x06, 0x42, 0x08, 0x08, 0x43, 0x03, 0x03, 0xC3,
        ]])
        let incoming = dce.receive(packets(actions)[0], now: t0)
        guard case .incomingCall(1, let offered)? = incoming.first else {
            Issue.record("no incoming call: \(incoming)")
            return
        }
        #expect(offered.callingAddress == Self.terminal && offered.calledAddress == Self.host)
        #expect(bytes(offered.userData) == [0xC3])
        let accepted = dce.accept(channel: 1, now: t0)
        #expect(packets(accepted).map { bytes($0.bytes) } == [[0x10, 0x01, 0x0F, 0x00, 0x06, 0x42, 0x08, 0x08, 0x43, 0x03, 0x03]])
        let connected = dte.receive(packets(accepted)[0], now: t0)
        guard case .callConnected(let connection)? = connected.first else {
            Issue.record("not connected: \(connected)")
            return
        }
        #expect(connection.sendPacketSize == 256 && connection.sendWindow == 3 && connection.isOutgoing)
        #expect(dte.isConnected(1) && dce.isConnected(1))
    }

    @Test func t21ClearsAnUnansweredCall() throws {
        var (dte, _) = ready(settings: X25PacketLayer.Settings(t21: .seconds(10)))
        _ = try dte.call(X25CallSetup(calledAddress: Self.host), now: t0)
        #expect(dte.tick(now: t0 + .seconds(9)).isEmpty)
        let timeout = dte.tick(now: t0 + .seconds(10))
        let info = X25CauseDiagnostic(cause: 0, diagnostic: 49)
        #expect(packets(timeout).map { bytes($0.bytes) } == [[0x10, 0x01, 0x13, 0x00, 49]])
        #expect(timeout.contains(.callCleared(channel: 1, info, origin: .timeout)))
        #expect(throws: X25PacketLayer.CallError.noFreeChannel) { try dte.call(X25CallSetup(calledAddress: Self.host), now: t0) }
        _ = dte.receive(buffer([0x10, 0x01, 0x17]), now: t0 + .seconds(11))
        #expect(dte.channels.isEmpty)
    }

    @Test func callCollisionOnTheDTESideIgnoresTheIncomingCall() throws {
        var (dte, _) = ready()
        _ = try dte.call(X25CallSetup(calledAddress: Self.host), now: t0)
        let incoming = X25Packet(logicalChannel: 1, body: .callRequest(X25CallSetup(calledAddress: Self.terminal, callingAddress: Self.host)))
        #expect(dte.receive(incoming, now: t0).isEmpty)
        #expect(dte.receive(buffer([0x10, 0x01, 0x0F]), now: t0).contains { if case .callConnected = $0 { true } else { false } })
    }

    @Test func callCollisionOnTheDCESideTakesTheDTECall() throws {
        var (_, dce) = ready()
        _ = try dce.call(X25CallSetup(calledAddress: Self.terminal, callingAddress: Self.host), now: t0)
        let request = X25Packet(logicalChannel: 1, body: .callRequest(X25CallSetup(calledAddress: Self.host, callingAddress: Self.terminal)))
        let actions = dce.receive(request, now: t0)
        #expect(actions.first == .callCleared(channel: 1, X25CauseDiagnostic(cause: X25Cause.numberBusy), origin: .collision))
        #expect(actions.contains { if case .incomingCall(1, _) = $0 { true } else { false } })
    }

    @Test func dataIsSegmentedWindowedAndReassembledWithQ() throws {
        let settings = X25PacketLayer.Settings(packetSize: 16, window: 2)
        var (dte, dce, channel) = connected(settings: settings)
        let message = buffer(Array(0..<40))
        let out = try dte.send(message, channel: channel, qualifier: true, now: t0)
        // 40 bytes at 16 per packet: 3 packets, M on the first two; window 2 sends two.
        #expect(packets(out).map(\.body.typeByte) == [0x10, 0x12])
        #expect(packets(out).allSatisfy { $0.qualifier })
        var delivered: [ByteBuffer] = []
        var acks: [X25Packet] = []
        for packet in packets(out) {
            let actions = dce.receive(packet, now: t0)
            acks += packets(actions)
            for case .deliver(_, let data, let q) in actions where q { delivered.append(data) }
        }
        #expect(delivered.isEmpty)
        #expect(acks.map { bytes($0.bytes) } == [[0x10, 0x01, 0x21], [0x10, 0x01, 0x41]])  // RR P(R)=1, 2
        var third: [X25Packet] = []
        for ack in acks { third += packets(dte.receive(ack, now: t0)) }
        #expect(third.map(\.body.typeByte) == [0x04])  // P(S)=2, M off
        let last = dce.receive(third[0], now: t0)
        #expect(last.contains(.deliver(channel: channel, data: message, qualifier: true)))
    }

    @Test func remoteNotReadyStopsData() throws {
        var (dte, _, channel) = connected()
        _ = dte.receive(X25Packet(logicalChannel: channel, body: .receiveNotReady(pr: 0)), now: t0)
        #expect(packets(try dte.send(buffer([1]), channel: channel, now: t0)).isEmpty)
        let resumed = dte.receive(X25Packet(logicalChannel: channel, body: .receiveReady(pr: 0)), now: t0)
        #expect(packets(resumed).map(\.body) == [.data(ps: 0, pr: 0, more: false, payload: buffer([1]))])
    }

    @Test func invalidPSResetsWithDiagnostic1() {
        var (_, dce, channel) = connected()
        let actions = dce.receive(X25Packet(logicalChannel: channel, body: .data(ps: 3, pr: 0, more: false, payload: buffer([1]))), now: t0)
        let info = X25CauseDiagnostic(cause: X25Cause.resetLocalProcedureError, diagnostic: X25Diagnostic.invalidPS)
        #expect(packets(actions).map { bytes($0.bytes) } == [[0x10, 0x01, 0x1B, 0x05, 0x01]])
        #expect(actions.contains(.reset(channel: channel, info, origin: .protocolError)))
    }

    @Test func invalidPRResetsWithDiagnostic2() {
        var (_, dce, channel) = connected()
        let actions = dce.receive(X25Packet(logicalChannel: channel, body: .receiveReady(pr: 4)), now: t0)
        #expect(packets(actions).map { bytes($0.bytes) } == [[0x10, 0x01, 0x1B, 0x05, 0x02]])
    }

    @Test func resetIndicationIsConfirmedAndCollisionNeedsNone() {
        var (dte, dce, channel) = connected()
        let info = X25CauseDiagnostic(cause: 0x00, diagnostic: 0)
        let indication = dte.receive(X25Packet(logicalChannel: channel, body: .resetRequest(info)), now: t0)
        #expect(packets(indication).map { bytes($0.bytes) } == [[0x10, 0x01, 0x1F]])
        #expect(indication.contains(.reset(channel: channel, info, origin: .remote)))
        // Collision: both reset at once; each takes the other's RESET as confirmation.
        let fromDTE = dte.reset(channel: channel, cause: info, now: t0)
        let fromDCE = dce.reset(channel: channel, cause: info, now: t0)
        #expect(packets(dce.receive(packets(fromDTE)[0], now: t0)).isEmpty)
        #expect(packets(dte.receive(packets(fromDCE)[0], now: t0)).isEmpty)
        #expect(dte.isConnected(channel) && dce.isConnected(channel))
    }

    @Test func t22RepeatsResetThenClears() {
        var (dte, _, channel) = connected(settings: X25PacketLayer.Settings(t22: .seconds(5), transmissions: 2))
        _ = dte.reset(channel: channel, cause: X25CauseDiagnostic(cause: 0), now: t0)
        #expect(packets(dte.tick(now: t0 + .seconds(5))).map(\.body) == [.resetRequest(X25CauseDiagnostic(cause: 0))])
        let giveUp = dte.tick(now: t0 + .seconds(10))
        #expect(packets(giveUp).map { bytes($0.bytes) } == [[0x10, 0x01, 0x13, 0x00, 51]])
    }

    @Test func clearIndicationIsConfirmedAndCollisionNeedsNone() {
        var (dte, dce, channel) = connected()
        let info = X25CauseDiagnostic(cause: X25Cause.outOfOrder, diagnostic: 0)
        let indication = dte.receive(X25Packet(logicalChannel: channel, body: .clearRequest(info)), now: t0)
        #expect(packets(indication).map { bytes($0.bytes) } == [[0x10, 0x01, 0x17]])
        #expect(indication.contains(.callCleared(channel: channel, info, origin: .remote)))
        #expect(dte.channels.isEmpty)
        _ = dce
        var (a, b, c) = connected()
        let fromA = a.clear(channel: c, cause: X25CauseDiagnostic(cause: 0), now: t0)
        let fromB = b.clear(channel: c, cause: X25CauseDiagnostic(cause: 0x09), now: t0)
        #expect(packets(b.receive(packets(fromA)[0], now: t0)).isEmpty)
        #expect(packets(a.receive(packets(fromB)[0], now: t0)).isEmpty)
        #expect(a.channels.isEmpty && b.channels.isEmpty)
    }

    @Test func t23RepeatsClear() {
        var (dte, _, channel) = connected(settings: X25PacketLayer.Settings(t23: .seconds(5), transmissions: 2))
        _ = dte.clear(channel: channel, cause: X25CauseDiagnostic(cause: 0), now: t0)
        #expect(packets(dte.tick(now: t0 + .seconds(5))).count == 1)
        _ = dte.tick(now: t0 + .seconds(10))
        #expect(dte.channels.isEmpty)
    }

    @Test func reassemblyIsBounded() {
        var (_, dce, channel) = connected(settings: X25PacketLayer.Settings(maximumSequenceLength: 20))
        _ = dce.receive(X25Packet(logicalChannel: channel, body: .data(ps: 0, pr: 0, more: true, payload: buffer(Array(repeating: 1, count: 16)))), now: t0)
        let over = dce.receive(X25Packet(logicalChannel: channel, body: .data(ps: 1, pr: 0, more: true, payload: buffer(Array(repeating: 1, count: 16)))), now: t0)
        #expect(packets(over).map { bytes($0.bytes) } == [[0x10, 0x01, 0x1B, 0x05, 39]])
    }

    @Test func dataOnAFreeChannelIsCleared() {
        var (dte, _) = ready()
        let actions = dte.receive(X25Packet(logicalChannel: 5, body: .data(ps: 0, pr: 0, more: false, payload: buffer([1]))), now: t0)
        #expect(packets(actions).map { bytes($0.bytes) } == [[0x10, 0x05, 0x13, 0x13, 36]])
    }

    @Test func undecodablePacketOnACallResetsIt() {
        var (_, dce, _) = connected()
        let actions = dce.receive(buffer([0x10, 0x01, 0x03]), now: t0)
        #expect(packets(actions).map { bytes($0.bytes) } == [[0x10, 0x01, 0x1B, 0x05, 16]])
    }

    @Test func linkDownClearsCalls() {
        var (dte, _, channel) = connected()
        #expect(dte.linkDown() == [.callCleared(channel: channel, X25CauseDiagnostic(cause: X25Cause.outOfOrder), origin: .linkDown)])
        #expect(dte.state == .linkDown)
    }
}
