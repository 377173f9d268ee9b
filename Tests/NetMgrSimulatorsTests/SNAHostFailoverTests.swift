import NIOCore
import NetMgrSimulators
import SDLC
import Testing

@Suite("SNA host against PU 2 over SDLC, in memory")
struct SNAHostFailoverTests {
    static let lus = SNAHostTestWire.terminalLUs.sorted()

    private func activated(overHDLC: Bool = false) -> SNAHostTestWire {
        var wire = SNAHostTestWire(overHDLC: overHDLC)
        wire.start()
        wire.run(for: .seconds(2))
        return wire
    }

    private func expectActive(_ wire: SNAHostTestWire, sourceLocation: SourceLocation = #_sourceLocation) {
        var expected = SNAHostFacts()
        expected.stationAddress = SNAHostTestWire.stationAddress
        expected.nodeID = SNAHostTestWire.nodeID
        expected.isPhysicalUnitActive = true
        expected.activatedLogicalUnits = Self.lus
        expected.boundLogicalUnits = Self.lus
        #expect(wire.host.facts == expected, sourceLocation: sourceLocation)
    }

    @Test func fullActivation() {
        let wire = activated()
        expectActive(wire)
        let station = SNAHostTestWire.stationAddress
        let journal = wire.hostJournal
        #expect(Array(journal.prefix(3)) == [
            .stationIdentified(stationAddress: station, nodeID: SNAHostTestWire.nodeID),
            .linkUp(stationAddress: station),
            .physicalUnitActivated(stationAddress: station),
        ])
        #expect(wire.activatedLUs == Self.lus)
        #expect(journal.contains(.logicalUnitRefused(lu: 5, sense: .resourceNotAvailable)))
        for lu in Self.lus { #expect(journal.contains(.sessionBound(lu: lu))) }
        #expect(!journal.contains { if case .protocolError = $0 { true } else { false } })

        // The wire shows the order a line monitor would record.
        let first = wire.monitor.prefix(4).map { ($0.fromHost, $0.frame.control) }
        #expect(first.map(\.0) == [true, false, true, false])
        #expect(first.map(\.1) == [
            .unnumbered(.xid, pollFinal: true), .unnumbered(.xid, pollFinal: true),
            .unnumbered(.snrm, pollFinal: true), .unnumbered(.ua, pollFinal: true),
        ])
        #expect(wire.monitor.allSatisfy { $0.frame.address == station })

        #expect(wire.puEvents.contains(.physicalUnitActivated))
        for lu in Self.lus {
            #expect(wire.puEvents.contains(.logicalUnitActivated(lu)))
            #expect(wire.terminal!.physicalUnit.hasSession(lu))
        }
    }

    @Test func dataBothWaysWithDefiniteResponses() throws {
        var wire = activated()
        let up = try wire.submit(Array("HELLO".utf8), lu: 2)
        let down = try wire.hostSend([0xF5, 0xC3], lu: 3)
        wire.run(for: .milliseconds(500))

        #expect(wire.messagesReceivedByHost.map(\.lu) == [2])
        #expect(wire.messagesReceivedByHost.map(\.sequenceNumber) == [up])
        #expect(wire.messagesReceivedByHost.map(\.payload) == [Array("HELLO".utf8)])
        #expect(wire.puEvents.contains(.dataAccepted(lu: 2, sequenceNumber: up)))

        #expect(wire.puEvents.contains(.dataReceived(lu: 3, sequenceNumber: down, data: ByteBuffer(bytes: [0xF5, 0xC3]))))
        #expect(wire.hostJournal.contains(.messageAccepted(lu: 3, sequenceNumber: down)))

        // Sequence numbers are per session.
        let second = try wire.submit([1], lu: 2)
        let other = try wire.submit([2], lu: 4)
        wire.run(for: .milliseconds(500))
        #expect(second == up + 1)
        #expect(other == 1)
        #expect(wire.puEvents.contains(.dataAccepted(lu: 4, sequenceNumber: 1)))
    }

    @Test func manyMessagesUseTheWindow() throws {
        var wire = activated()
        var sequenceNumbers: [UInt16] = []
        for n in 0..<20 { sequenceNumbers.append(try wire.submit([UInt8(n)], lu: 2)) }
        wire.run(for: .seconds(1))
        #expect(wire.messagesReceivedByHost.map(\.payload) == (0..<20).map { [UInt8($0)] })
        let accepted = wire.puEvents.compactMap { if case .dataAccepted(2, let s) = $0 { s } else { nil } }
        #expect(accepted == sequenceNumbers)
    }

    @Test func failoverToAFreshTerminalKeepsTheHostFacts() throws {
        var wire = activated()
        expectActive(wire)
        let before = wire.host.facts
        _ = try wire.submit(Array("BEFORE".utf8), lu: 2)
        wire.run(for: .milliseconds(500))

        // Node A is cut off: the line switch disconnects the line.
        wire.isConnected = false
        let pending = try wire.submit(Array("IN FLIGHT".utf8), lu: 2)
        wire.run(for: .seconds(3))
        #expect(wire.terminalEvents.contains(.linkDown(.noPoll)))
        #expect(wire.puEvents.contains(.dataUnconfirmed(lu: 2, sequenceNumbers: [pending])))
        #expect(wire.hostJournal.contains { if case .linkDown = $0 { true } else { false } })
        #expect(wire.host.facts == SNAHostFacts())

        // Node B: a fresh terminal with the same definitions, line switched to it.
        let journalBefore = wire.hostJournal.count
        wire.terminal = SNAHostTestWire.makeTerminal()
        wire.isConnected = true
        wire.run(for: .seconds(3))
        expectActive(wire)
        #expect(wire.host.facts == before)

        let after = Array(wire.hostJournal[journalBefore...])
        #expect(after.contains(.stationIdentified(stationAddress: SNAHostTestWire.stationAddress, nodeID: SNAHostTestWire.nodeID)))
        let activatedAfter = after.compactMap { if case .logicalUnitActivated(let lu) = $0 { lu } else { nil } }
        #expect(activatedAfter == Self.lus)
        #expect(Set(wire.identifiedNodeIDs) == [SNAHostTestWire.nodeID])

        // The owner resends what was unconfirmed; the host sees the same LU address.
        let resent = try wire.submit(Array("IN FLIGHT".utf8), lu: 2)
        wire.run(for: .milliseconds(500))
        #expect(resent == 1)  // new session, numbering starts again
        #expect(wire.messagesReceivedByHost.map(\.lu) == [2, 2])
        #expect(wire.messagesReceivedByHost.last?.payload == Array("IN FLIGHT".utf8))
    }

    @Test func aDifferentTerminalIsSeenAsDifferent() {
        var wire = activated()
        let before = wire.host.facts
        wire.isConnected = false
        wire.run(for: .seconds(3))
        wire.terminal = SNAHostTestWire.makeTerminal(nodeID: XIDNodeID(idBlock: 0x017, idNumber: 0x00C2)!, lus: [2, 3])
        wire.isConnected = true
        wire.run(for: .seconds(3))
        #expect(wire.host.facts != before)
        #expect(wire.host.facts.nodeID == XIDNodeID(idBlock: 0x017, idNumber: 0x00C2))
        #expect(wire.host.facts.activatedLogicalUnits == [2, 3])
    }

    @Test func theSameTerminalComesBackAfterALineOutage() {
        // The line drops long enough for both sides to notice, then returns to the same node.
        var wire = activated()
        let before = wire.host.facts
        wire.isConnected = false
        wire.run(for: .seconds(3))
        wire.isConnected = true
        wire.run(for: .seconds(3))
        #expect(wire.host.facts == before)
        #expect(wire.terminalEvents.filter { $0 == .linkUp }.count == 2)
    }

    @Test func activationAndDataOverHDLCBytes() throws {
        var wire = activated(overHDLC: true)
        expectActive(wire)
        let up = try wire.submit([0x7E, 0x7D, 0x7E], lu: 2)
        let down = try wire.hostSend([0x7D, 0x5E], lu: 4)
        wire.run(for: .milliseconds(500))
        #expect(wire.messagesReceivedByHost.map(\.payload) == [[0x7E, 0x7D, 0x7E]])
        #expect(wire.puEvents.contains(.dataAccepted(lu: 2, sequenceNumber: up)))
        #expect(wire.puEvents.contains(.dataReceived(lu: 4, sequenceNumber: down, data: ByteBuffer(bytes: [0x7D, 0x5E]))))
        #expect(wire.lineErrors == [])
    }
}
