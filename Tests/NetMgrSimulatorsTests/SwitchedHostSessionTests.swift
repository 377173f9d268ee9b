import NIOCore
import NetMgrSimulators
import SDLC
import Testing

/// The host's switched session against netmgrd's SDLC terminal, in memory with a virtual
/// clock: the caller's XID node id picks the PU; an unknown one is refused and hung up.
struct SwitchedHostSessionTests {
    static let known = XIDNodeID(idBlock: 0x05D, idNumber: 0x00003)!
    static let unknown = XIDNodeID(idBlock: 0x05D, idNumber: 0x00099)!
    static let pu = SwitchedPU(nodeID: known, stationAddress: 0xC1, logicalUnits: [.init(address: 2, name: "DLLU02"), .init(address: 3, name: "DLLU03")])

    struct Run {
        var session = SwitchedHostSession(physicalUnits: [SwitchedHostSessionTests.pu])
        var terminal: SDLCTerminal
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var hostActions: [SwitchedHostSession.Action] = []
        var toTerminal: [SDLCFrame] = []
        var toHost: [SDLCFrame] = []

        init(nodeID: XIDNodeID) {
            terminal = SDLCTerminal(station: .init(address: 0xC1, nodeID: nodeID, noPollTimeout: .seconds(5)), physicalUnit: .init(localAddresses: [2, 3]))
        }

        mutating func host(_ actions: [SwitchedHostSession.Action]) {
            hostActions += actions
            for case .send(let frame) in actions { toTerminal.append(frame) }
        }

        mutating func term(_ actions: [SDLCTerminal.Action]) {
            for case .send(let frame) in actions { toHost.append(frame) }
        }

        /// Runs until nothing moves or `limit` virtual seconds pass.
        mutating func run(seconds limit: Int64) {
            host(session.start(now: now))
            let end = now + .seconds(limit)
            while now < end, !session.isEnded {
                if !toTerminal.isEmpty {
                    let frame = toTerminal.removeFirst()
                    term(terminal.receive(frame, now: now))
                } else if !toHost.isEmpty {
                    let frame = toHost.removeFirst()
                    host(session.receive(frame, now: now))
                } else {
                    let next = [session.nextDeadline, terminal.nextDeadline].compactMap { $0 }.min() ?? end
                    now = max(now, next)
                    host(session.tick(now: now))
                    term(terminal.tick(now: now))
                }
            }
        }

        var facts: [SNAHostFact] { hostActions.compactMap { if case .fact(let fact) = $0 { fact } else { nil } } }
    }

    @Test func aKnownNodeIDGetsItsPUActivatedAndItsLUsBound() {
        var run = Run(nodeID: Self.known)
        run.run(seconds: 5)
        #expect(run.hostActions.contains(.identified(Self.pu, stationAddress: 0xC1)))
        #expect(run.facts.contains(.stationIdentified(stationAddress: 0xC1, nodeID: Self.known)))
        #expect(run.facts.contains(.physicalUnitActivated(stationAddress: 0xC1)))
        #expect(run.facts.contains(.sessionBound(lu: 2)))
        #expect(run.facts.contains(.sessionBound(lu: 3)))
        #expect(!run.hostActions.contains(where: { if case .hangUp = $0 { true } else { false } }))
        #expect(run.session.facts?.boundLogicalUnits.sorted() == [2, 3])
    }

    @Test func anUnknownNodeIDIsRefusedWithDISCAndHungUp() {
        var run = Run(nodeID: Self.unknown)
        run.run(seconds: 5)
        #expect(run.hostActions.contains(.refused(nodeID: Self.unknown, reason: "node id \(Self.unknown) is not a PU of the switched major node")))
        #expect(run.hostActions.contains(where: { if case .send(let frame) = $0, case .unnumbered(.disconnect, _) = frame.control { true } else { false } }))
        #expect(run.hostActions.contains(where: { if case .hangUp = $0 { true } else { false } }))
        #expect(!run.facts.contains(where: { if case .sessionBound = $0 { true } else { false } }))
        #expect(run.session.isEnded)
    }

    @Test func silenceOnTheLineEndsInAHangUp() {
        var session = SwitchedHostSession(physicalUnits: [Self.pu])
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var actions = session.start(now: now)
        for _ in 0..<100 where !session.isEnded {
            guard let deadline = session.nextDeadline else { break }
            now = deadline
            actions += session.tick(now: now)
        }
        #expect(session.isEnded)
        #expect(actions.contains(where: { if case .hangUp = $0 { true } else { false } }))
    }

    @Test func switchedPUParsesTheOptionForm() {
        #expect(SwitchedPU.parse("05D00003:C1:2=DLLU02,3") == SwitchedPU(nodeID: Self.known, stationAddress: 0xC1, logicalUnits: [.init(address: 2, name: "DLLU02"), .init(address: 3, name: nil)]))
        #expect(SwitchedPU.parse("05D00003:-:2")?.stationAddress == nil)
        #expect(SwitchedPU.parse("05D00003:C1:") == nil)
        #expect(SwitchedPU.parse("nonsense") == nil)
        #expect(SwitchedPU.parse("05D00003:FF:2") == nil)
    }
}
