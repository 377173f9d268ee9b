import NIOCore
import Testing
@testable import X25

/// QLLC secondary and primary transitions, and the whole stack end to end: QLLCTerminal
/// (LAPB DTE, X.25 DTE, QLLC secondary, PU 2) against X25NetworkDCE (LAPB DCE, X.25 DCE,
/// QLLC primary) with a minimal SNA host in the test, over LAPB and over XOT.
@Suite struct QLLCMachineTests {
    static let nodeID = XIDNodeID(parsing: "05D00002")!
    static let host = X121Address(parsing: "44100001")!
    static let terminal = X121Address(parsing: "44200001")!

    @Test func secondaryAnswersQXIDQSMAndQDISC() {
        var secondary = QLLCSecondary(configuration: QLLCSecondary.Configuration(nodeID: Self.nodeID))
        let xid = secondary.receive(buffer([0xFF, 0xBF]))
        #expect(xid == [.identificationRequested(nil), .send(.exchangeIdentification(nodeID: Self.nodeID, command: false))])
        #expect(secondary.receive(buffer([0xFF, 0x93])) == [.send(.response(.qua)), .opened])
        #expect(secondary.isOpen)
        #expect(secondary.receive(buffer([0xFF, 0x93])) == [.closed(.reset), .send(.response(.qua)), .opened])
        #expect(secondary.receive(buffer([0xFF, 0x53])) == [.send(.response(.qua)), .closed(.disconnected)])
        #expect(secondary.receive(buffer([0xFF, 0x53])) == [.send(.response(.qdm))])
        #expect(secondary.receive(buffer([0xFF, 0xF3, 7])) == [.send(.response(.qtest, information: buffer([7])))])
        let unknown = secondary.receive(buffer([0xFF, 0x11]))
        #expect(unknown.first == .send(.response(.qfrmr, information: buffer([0x11]))))
    }

    @Test func primaryMatchesTheNodeIDThenOpens() {
        var primary = QLLCPrimary(configuration: QLLCPrimary.Configuration(expectedNodeID: Self.nodeID, responseTimeout: .seconds(1), attempts: 2))
        #expect(primary.start(now: t0) == [.send(.command(.qxid))])
        let xid = QLLCPacket.exchangeIdentification(nodeID: Self.nodeID, command: false)
        let identified = primary.receive(xid, now: t0)
        #expect(identified == [.identified(SNAXID.format0(nodeID: Self.nodeID)), .send(.command(.qsm))])
        #expect(primary.receive(.response(.qua), now: t0) == [.opened])
        #expect(primary.isOpen)
        #expect(primary.stop(now: t0) == [.send(.command(.qdisc))])
        #expect(primary.receive(.response(.qua), now: t0) == [.closed])
    }

    @Test func primaryRefusesAnotherNodeAndTimesOut() {
        var primary = QLLCPrimary(configuration: QLLCPrimary.Configuration(expectedNodeID: Self.nodeID, responseTimeout: .seconds(1), attempts: 2))
        _ = primary.start(now: t0)
        let other = XIDNodeID(parsing: "05D00009")!
        #expect(primary.receive(.exchangeIdentification(nodeID: other, command: false), now: t0) == [.failed(.unexpectedNodeID(other))])
        _ = primary.start(now: t0)
        #expect(primary.tick(now: t0 + .seconds(1)) == [.send(.command(.qxid))])
        #expect(primary.tick(now: t0 + .seconds(2)) == [.failed(.noResponse)])
    }

    /// Runs terminal and network against each other on a perfect line until quiet; the
    /// test's SNA host sends ACTPU, ACTLU for each LU, and answers nothing else.
    struct Wire {
        var terminal: QLLCTerminal
        var network: X25NetworkDCE
        var terminalEvents: [QLLCTerminal.Action] = []
        var networkEvents: [X25NetworkDCE.Action] = []
        var expectedNodeID: XIDNodeID?
        var luAddresses: [UInt8] = [2, 3]
        var now = t0

        mutating func run(_ first: [QLLCTerminal.Action]) {
            var toNetwork = first.compactMap { if case .transmit(let b) = $0 { b } else { nil } }
            terminalEvents += first
            var toTerminal: [ByteBuffer] = []
            var rounds = 0
            while (!toNetwork.isEmpty || !toTerminal.isEmpty), rounds < 500 {
                rounds += 1
                var nextToTerminal: [ByteBuffer] = []
                var nextToNetwork: [ByteBuffer] = []
                for bytes in toNetwork {
                    let actions = network.receive(bytes, now: now)
                    networkEvents += actions
                    for action in actions {
                        switch action {
                        case .transmit(let b): nextToTerminal.append(b)
                        case .incomingCall(let channel, _):
                            for a in network.accept(channel: channel, expectedNodeID: expectedNodeID, now: now) {
                                networkEvents.append(a)
                                if case .transmit(let b) = a { nextToTerminal.append(b) }
                            }
                        case .logicalLinkOpened(let channel):
                            var pius = [SNAPathInformationUnit.request(.sessionControl, destination: 0, origin: 0, sequenceNumber: 1, ru: ByteBuffer(bytes: [0x11, 0x01, 0x01])).bytes]
                            for lu in luAddresses {
                                pius.append(SNAPathInformationUnit.request(.sessionControl, destination: lu, origin: 0, sequenceNumber: 1, ru: ByteBuffer(bytes: [0x0D, 0x01, 0x01])).bytes)
                            }
                            for piu in pius {
                                for a in (try? network.sendPIU(piu, channel: channel, now: now)) ?? [] {
                                    networkEvents.append(a)
                                    if case .transmit(let b) = a { nextToTerminal.append(b) }
                                }
                            }
                        default: break
                        }
                    }
                }
                for bytes in toTerminal {
                    let actions = terminal.receive(bytes, now: now)
                    terminalEvents += actions
                    for case .transmit(let b) in actions { nextToNetwork.append(b) }
                }
                toNetwork = nextToNetwork
                toTerminal = nextToTerminal
            }
        }
    }

    func configuration(lapb: Bool) -> QLLCTerminal.Configuration {
        QLLCTerminal.Configuration(
            ownAddress: Self.terminal, hostAddress: Self.host, nodeID: Self.nodeID, localAddresses: [2, 3],
            packetLayer: X25PacketLayer.Settings(restartsOnLinkUp: lapb), lapb: lapb ? LAPBStation.Settings() : nil)
    }

    @Test(arguments: [true, false])
    func terminalCallsIdentifiesAndAnswersACTPUAndACTLU(overLAPB: Bool) throws {
        var wire = Wire(
            terminal: QLLCTerminal(configuration: configuration(lapb: overLAPB)),
            network: X25NetworkDCE(configuration: X25NetworkDCE.Configuration(
                packetLayer: X25PacketLayer.Settings(restartsOnLinkUp: overLAPB), lapb: overLAPB ? LAPBStation.Settings() : nil)),
            expectedNodeID: Self.nodeID)
        wire.networkEvents += wire.network.start(now: t0)
        if overLAPB {
            wire.run(wire.terminal.start(now: t0))
        } else {
            // Over XOT the network side is ready with the connection.
            wire.run(wire.terminal.start(now: t0))
        }
        let incoming = wire.networkEvents.compactMap { if case .incomingCall(_, let setup) = $0 { setup } else { nil } }
        #expect(incoming.map(\.callingAddress) == [Self.terminal])
        #expect(incoming.map(\.calledAddress) == [Self.host])
        #expect(incoming.map { bytes($0.userData) } == [[0xC3]])
        #expect(wire.networkEvents.contains { if case .identified(_, let xid) = $0 { xid.nodeID == Self.nodeID } else { false } })
        #expect(wire.terminalEvents.contains(.logicalLinkOpened))
        #expect(wire.terminalEvents.contains(.physicalUnit(.physicalUnitActivated)))
        #expect(wire.terminalEvents.contains(.physicalUnit(.logicalUnitActivated(2))))
        #expect(wire.terminalEvents.contains(.physicalUnit(.logicalUnitActivated(3))))
        // The host got +RSP to ACTPU and both ACTLUs.
        let responses = wire.networkEvents.compactMap { if case .piu(_, let b) = $0 { try? SNAPathInformationUnit(parsing: b) } else { nil } }
        #expect(responses.filter(\.isResponse).count == 3)
        #expect(wire.terminal.isOpen)
    }

    @Test func hostRefusesAnotherNodeID() {
        var wire = Wire(
            terminal: QLLCTerminal(configuration: configuration(lapb: true)),
            network: X25NetworkDCE(configuration: X25NetworkDCE.Configuration()),
            expectedNodeID: XIDNodeID(parsing: "05D00009")!)
        wire.run(wire.terminal.start(now: t0))
        #expect(wire.networkEvents.contains(.identificationFailed(channel: 1, .unexpectedNodeID(Self.nodeID))))
        #expect(wire.terminalEvents.contains { if case .callCleared(_, .remote) = $0 { true } else { false } })
        #expect(!wire.terminal.isOpen)
        // The terminal calls again after its retry delay.
        #expect(wire.terminal.nextDeadline == t0 + .seconds(2))
        let again = wire.terminal.tick(now: t0 + .seconds(2))
        let calls = again.compactMap { action -> X25Packet? in
            guard case .transmit(let b) = action, let frame = try? LAPBFrame(parsing: b), frame.information.readableBytes > 0 else { return nil }
            return try? X25Packet(parsing: frame.information)
        }
        #expect(calls.contains { if case .callRequest = $0.body { true } else { false } })
    }

    /// Failover: a fresh terminal with the same configuration (the standby node) takes the
    /// line; its SABM resets the network's link, the old call is cleared, and the new call
    /// carries the same calling address, QXID node id and LU addresses.
    @Test func standbyTerminalIsTheSameTerminalToTheHost() {
        var wire = Wire(
            terminal: QLLCTerminal(configuration: configuration(lapb: true)),
            network: X25NetworkDCE(configuration: X25NetworkDCE.Configuration()),
            expectedNodeID: Self.nodeID)
        wire.run(wire.terminal.start(now: t0))
        #expect(wire.terminal.isOpen)
        wire.networkEvents.removeAll()
        wire.terminal = QLLCTerminal(configuration: configuration(lapb: true))
        wire.terminalEvents.removeAll()
        wire.run(wire.terminal.start(now: t0 + .seconds(1)))
        #expect(wire.networkEvents.contains(.linkDown(.reset)))
        #expect(wire.networkEvents.contains { if case .callCleared(1, _, .linkDown) = $0 { true } else { false } })
        let calls = wire.networkEvents.compactMap { if case .incomingCall(_, let setup) = $0 { setup.callingAddress } else { nil } }
        #expect(calls == [Self.terminal])
        #expect(wire.networkEvents.contains { if case .identified(_, let xid) = $0 { xid.nodeID == Self.nodeID } else { false } })
        #expect(wire.terminalEvents.contains(.physicalUnit(.logicalUnitActivated(2))))
        #expect(wire.terminalEvents.contains(.physicalUnit(.logicalUnitActivated(3))))
        #expect(wire.terminal.isOpen)
    }

    @Test func resetClearsTheCallAndTheTerminalCallsAgain() {
        var wire = Wire(
            terminal: QLLCTerminal(configuration: configuration(lapb: false)),
            network: X25NetworkDCE(configuration: X25NetworkDCE.Configuration(packetLayer: X25PacketLayer.Settings(restartsOnLinkUp: false), lapb: nil)),
            expectedNodeID: Self.nodeID)
        _ = wire.network.start(now: t0)
        wire.run(wire.terminal.start(now: t0))
        #expect(wire.terminal.isOpen)
        let reset = X25Packet(logicalChannel: 1, body: .resetRequest(X25CauseDiagnostic(cause: X25Cause.resetNetworkCongestion, diagnostic: 0)))
        let actions = wire.terminal.receive(reset.bytes, now: t0)
        let sent: [[UInt8]] = actions.compactMap { if case .transmit(let b) = $0 { bytes(b) } else { nil } }
        #expect(sent == [[0x10, 0x01, 0x1F], [0x10, 0x01, 0x13, 0x00, 0x00]])
        #expect(actions.contains { if case .callCleared(_, .local) = $0 { true } else { false } })
        #expect(actions.contains(.physicalUnit(.physicalUnitDeactivated)))
        #expect(!wire.terminal.isOpen)
        // CLEAR CONFIRMATION, then after the retry delay a new CALL REQUEST.
        _ = wire.terminal.receive(X25Packet(logicalChannel: 1, body: .clearConfirmation).bytes, now: t0)
        let again = wire.terminal.tick(now: t0 + .seconds(2))
        let packets = again.compactMap { if case .transmit(let b) = $0 { try? X25Packet(parsing: b) } else { nil } }
        #expect(packets.contains { if case .callRequest(let setup) = $0.body { setup.callingAddress == Self.terminal } else { false } })
    }

    @Test func lostLinkIsStartedAgainAfterTheRetryDelay() {
        var config = configuration(lapb: true)
        config.lapb = LAPBStation.Settings(t1: .seconds(1), n2: 2)
        var terminal = QLLCTerminal(configuration: config)
        _ = terminal.start(now: t0)
        _ = terminal.tick(now: t0 + .seconds(1))
        let down = terminal.tick(now: t0 + .seconds(2))
        #expect(down.contains(.linkDown(.retryLimit)))
        #expect(terminal.nextDeadline == t0 + .seconds(4))
        let again = terminal.tick(now: t0 + .seconds(4))
        let sent: [[UInt8]] = again.compactMap { if case .transmit(let b) = $0 { bytes(b) } else { nil } }
        #expect(sent == [[0x01, 0x3F]])
    }

    /// A submit the packet layer refuses (queue full) must change nothing: no SNA sequence
    /// number taken, no unconfirmed request left. The next accepted submit gets the number
    /// right after the last accepted one.
    @Test func refusedSubmitTakesNoSequenceNumber() throws {
        let settings = X25PacketLayer.Settings(window: 1, restartsOnLinkUp: false, maximumQueuedPackets: 2)
        var terminalConfiguration = self.configuration(lapb: false)
        terminalConfiguration.packetLayer = settings
        var wire = Wire(
            terminal: QLLCTerminal(configuration: terminalConfiguration),
            network: X25NetworkDCE(configuration: X25NetworkDCE.Configuration(packetLayer: X25PacketLayer.Settings(restartsOnLinkUp: false), lapb: nil)),
            expectedNodeID: Self.nodeID)
        _ = wire.network.start(now: t0)
        wire.run(wire.terminal.start(now: t0))
        #expect(wire.terminal.isOpen)
        let channel = try #require(wire.terminal.channel)
        let bind = SNAPathInformationUnit.request(.sessionControl, destination: 2, origin: 1, sequenceNumber: 1, ru: ByteBuffer(bytes: [0x31, 0x01, 0x03, 0x03])).bytes
        for action in try wire.network.sendPIU(bind, channel: channel, now: t0) {
            if case .transmit(let b) = action { wire.run(wire.terminal.receive(b, now: t0)) }
        }
        #expect(wire.terminal.physicalUnit.hasSession(2))

        var numbers: [UInt16] = []
        var pending: [QLLCTerminal.Action] = []
        var refusal: QLLCTerminal.SubmitError?
        for _ in 0..<5 {
            do {
                let (number, actions) = try wire.terminal.submit(ByteBuffer(bytes: [0x7D, 1, 2, 3]), lu: 2, now: t0)
                numbers.append(number)
                pending += actions
            } catch {
                refusal = error
                break
            }
        }
        #expect(numbers.count == 2)
        #expect(refusal == .packetLayer(.queueFull(channel: channel, limit: 2)))
        // The network takes and acknowledges what was queued; then there is room again.
        wire.run(pending)
        #expect(wire.terminal.packetLayer.queuedCount(channel) == 0)
        let last = try #require(numbers.last)
        let (next, _) = try wire.terminal.submit(ByteBuffer(bytes: [0x7D, 4]), lu: 2, now: t0)
        #expect(next == last &+ 1)
    }
}
