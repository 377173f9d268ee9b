import NIOCore
import NetMgrSimulators
import SDLC

/// The host's SDLC side and netmgrd's SDLC terminal joined in memory with a virtual clock:
/// frames cross at once, time jumps to the next deadline. Measures the PU and station code,
/// not sockets.
struct InMemorySDLCLine {
    var host: SNAHostLink
    var terminal: SDLCTerminal
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var toTerminal: [SDLCFrame] = []
    var toHost: [SDLCFrame] = []
    var frames = 0
    var accepted = 0
    var received = 0

    init(station: UInt8, lus: [UInt8]) {
        host = SNAHostLink(
            station: .init(address: station, replyTimeout: .milliseconds(300), retryLimit: 3, pollInterval: .milliseconds(50)),
            host: .init(logicalUnits: lus))
        terminal = SDLCTerminal(
            station: .init(address: station, nodeID: XIDNodeID(idBlock: 0x05D, idNumber: 1)!),
            physicalUnit: .init(localAddresses: Set(lus)))
    }

    mutating func start() {
        route(host: host.start(now: now))
        settle()
        run(until: { $0.host.facts.boundLogicalUnits.count == $0.terminal.physicalUnit.configuration.localAddresses.count })
    }

    /// Advances the clock deadline by deadline until `done` or 100 000 steps.
    mutating func run(until done: (InMemorySDLCLine) -> Bool) {
        for _ in 0..<100_000 where !done(self) {
            let next = [host.nextDeadline, terminal.nextDeadline].compactMap { $0 }.min() ?? now
            if next > now { now = next }
            route(host: host.tick(now: now))
            route(terminal: terminal.tick(now: now))
            settle()
        }
    }

    mutating func submit(_ payload: ByteBuffer, lu: UInt8) throws {
        _ = try terminal.submit(payload, lu: lu)
    }

    mutating func settle() {
        while !toTerminal.isEmpty || !toHost.isEmpty {
            if !toTerminal.isEmpty {
                let frame = toTerminal.removeFirst()
                route(terminal: terminal.receive(frame, now: now))
            } else {
                let frame = toHost.removeFirst()
                route(host: host.receive(frame, now: now))
            }
        }
    }

    private mutating func route(host actions: [SNAHostLink.Action]) {
        for action in actions {
            switch action {
            case .send(let frame):
                frames += 1
                toTerminal.append(frame)
            case .fact(.messageReceived):
                received += 1
            case .fact:
                break
            }
        }
    }

    private mutating func route(terminal actions: [SDLCTerminal.Action]) {
        for action in actions {
            switch action {
            case .send(let frame):
                frames += 1
                toHost.append(frame)
            case .physicalUnit(.dataAccepted):
                accepted += 1
            default:
                break
            }
        }
    }
}
