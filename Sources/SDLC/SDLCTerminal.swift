import NIOCore

/// What netmgrd runs per SDLC line: the secondary station with the PU 2 above it. Frames in,
/// frames out; the PU's events come out as actions. The host sees this station address, XID
/// node id and LU local addresses, whichever node runs it, so a fresh terminal on the standby
/// node is the same terminal to the host.
public struct SDLCTerminal: Sendable {
    public enum Action: Hashable, Sendable {
        case send(SDLCFrame)
        case linkUp
        case linkDown(SDLCSecondaryStation.LinkDownReason)
        case frameRejected(SDLCFrameReject)
        /// A PU 2 event (never `.send`: PIUs go to the station's queue).
        case physicalUnit(PU2StateMachine.Action)
    }

    public enum SubmitError: Error, Hashable, Sendable, CustomStringConvertible {
        case physicalUnit(PU2StateMachine.SendError)
        case station(SDLCSecondaryStation.EnqueueError)

        public var description: String {
            switch self {
            case .physicalUnit(let error): return error.description
            case .station(let error): return error.description
            }
        }
    }

    public private(set) var station: SDLCSecondaryStation
    public private(set) var physicalUnit: PU2StateMachine

    public init(station: SDLCSecondaryStation.Configuration, physicalUnit: PU2StateMachine.Configuration) {
        self.station = SDLCSecondaryStation(configuration: station)
        self.physicalUnit = PU2StateMachine(configuration: physicalUnit)
    }

    public var nextDeadline: NIODeadline? { station.nextDeadline }

    /// A frame from the line.
    public mutating func receive(_ frame: SDLCFrame, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(station.receive(frame, now: now, deferringPollResponse: true), into: &actions)
        handle(station.answerPoll(), into: &actions)
        return actions
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(station.tick(now: now), into: &actions)
        return actions
    }

    /// Sends `data` on the LU-LU session of `lu`; returns its sequence number, which a later
    /// `.physicalUnit(.dataAccepted)` names once the host accepted it.
    public mutating func submit(_ data: ByteBuffer, lu: UInt8) throws(SubmitError) -> UInt16 {
        guard station.isLinkUp else { throw .station(.linkDown) }
        let sent: (sequenceNumber: UInt16, pius: [ByteBuffer])
        do {
            sent = try physicalUnit.sendChain(data, lu: lu)
        } catch {
            throw .physicalUnit(error)
        }
        do {
            for piu in sent.pius { try station.enqueue(piu) }
        } catch {
            throw .station(error)
        }
        return sent.sequenceNumber
    }

    /// The owner stops the terminal (resource deactivated on this node).
    public mutating func disconnect() -> [Action] {
        var actions: [Action] = []
        handle(station.disconnect(), into: &actions)
        return actions
    }

    private mutating func handle(_ stationActions: [SDLCSecondaryStation.Action], into actions: inout [Action]) {
        for action in stationActions {
            switch action {
            case .send(let frame):
                actions.append(.send(frame))
            case .linkUp:
                actions.append(.linkUp)
            case .linkDown(let reason):
                actions.append(.linkDown(reason))
                for puAction in physicalUnit.reset() { actions.append(.physicalUnit(puAction)) }
            case .frameRejected(let info):
                actions.append(.frameRejected(info))
            case .deliver(let piu):
                for puAction in physicalUnit.receive(piu) {
                    if case .send(let bytes) = puAction {
                        do {
                            try station.enqueue(bytes)
                        } catch {
                            actions.append(.physicalUnit(.protocolError("response not queued: \(error)")))
                        }
                    } else {
                        actions.append(.physicalUnit(puAction))
                    }
                }
            }
        }
    }
}
