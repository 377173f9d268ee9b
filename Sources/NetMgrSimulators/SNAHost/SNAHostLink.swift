import NIOCore
import SDLC

/// The simulated host on one SDLC line: the primary station polling one station address
/// with the SSCP/PLU above it. Frames in, frames out, facts for the journal. The owner calls
/// `tick(now:)` when `nextDeadline` comes.
public struct SNAHostLink: Sendable {
    public enum Action: Hashable, Sendable {
        case send(SDLCFrame)
        case fact(SNAHostFact)
    }

    public private(set) var station: SDLCPrimaryStation
    public private(set) var host: SNAHostStateMachine

    public init(station: SDLCPrimaryStation.Configuration, host: SNAHostStateMachine.Configuration) {
        self.station = SDLCPrimaryStation(configuration: station)
        self.host = SNAHostStateMachine(configuration: host)
    }

    public var nextDeadline: NIODeadline? { station.nextDeadline }
    public var facts: SNAHostFacts { host.facts }

    /// Starts contacting the station (XID, SNRM, then polling).
    public mutating func start(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(station.start(now: now), now: now, into: &actions)
        return actions
    }

    public mutating func receive(_ frame: SDLCFrame, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(station.receive(frame, now: now), now: now, into: &actions)
        handle(station.tick(now: now), now: now, into: &actions)
        return actions
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(station.tick(now: now), now: now, into: &actions)
        return actions
    }

    /// Sends `payload` to `lu`; returns its sequence number and the actions (frames, facts).
    public mutating func send(_ payload: ByteBuffer, lu: UInt8, now: NIODeadline) throws(SNAHostStateMachine.SendError) -> (sequenceNumber: UInt16, actions: [Action]) {
        let sent = try host.send(payload, lu: lu)
        var actions: [Action] = [.fact(sent.fact)]
        enqueue(sent.piu, now: now, into: &actions)
        handle(station.tick(now: now), now: now, into: &actions)
        return (sent.sequenceNumber, actions)
    }

    private mutating func handle(_ stationActions: [SDLCPrimaryStation.Action], now: NIODeadline, into actions: inout [Action]) {
        let address = station.configuration.address
        for action in stationActions {
            switch action {
            case .send(let frame):
                actions.append(.send(frame))
            case .deliver(let piu):
                handle(host.receive(piu), now: now, into: &actions)
            case .xidReceived(let information):
                handle(host.identificationReceived(information, stationAddress: address), now: now, into: &actions)
            case .linkUp:
                handle(host.linkUp(stationAddress: address), now: now, into: &actions)
            case .linkDown(let reason):
                handle(host.linkDown(reason: "\(reason)"), now: now, into: &actions)
            case .frameRejectReceived(let info):
                actions.append(.fact(.protocolError("station sent \(info)")))
            }
        }
    }

    private mutating func handle(_ hostActions: [SNAHostStateMachine.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in hostActions {
            switch action {
            case .fact(let fact): actions.append(.fact(fact))
            case .send(let piu): enqueue(piu, now: now, into: &actions)
            }
        }
    }

    private mutating func enqueue(_ piu: ByteBuffer, now: NIODeadline, into actions: inout [Action]) {
        do {
            try station.enqueue(piu, now: now)
        } catch {
            actions.append(.fact(.protocolError("PIU not queued: \(error)")))
        }
    }
}
