import NIOCore
import NetMgrSimulators
import SDLC

/// An SDLC line in memory between the simulated host and a terminal (netmgrd's side), with
/// a virtual clock: frames cross instantly, time jumps to the next deadline. `isConnected`
/// false is the line switch between nodes: frames are lost. With `overHDLC` every frame is
/// framed to bytes, cut into random chunks and decoded again, as on the TCP-carried line.
struct SNAHostTestWire {
    static let stationAddress: UInt8 = 0xC1
    static let nodeID = XIDNodeID(idBlock: 0x017, idNumber: 0x00C1)!
    static let terminalLUs: Set<UInt8> = [2, 3, 4]
    static let hostLUs: [UInt8] = [2, 3, 4, 5]  // 5 is not defined in the terminal

    static func makeTerminal(nodeID: XIDNodeID = nodeID, lus: Set<UInt8> = terminalLUs) -> SDLCTerminal {
        SDLCTerminal(
            station: .init(address: stationAddress, nodeID: nodeID, noPollTimeout: .seconds(1)),
            physicalUnit: .init(localAddresses: lus))
    }

    var host = SNAHostLink(
        station: .init(address: stationAddress, replyTimeout: .milliseconds(200), retryLimit: 3, pollInterval: .milliseconds(50)),
        host: .init(logicalUnits: hostLUs))
    var terminal: SDLCTerminal? = makeTerminal()
    var isConnected = true
    var now = NIODeadline.uptimeNanoseconds(5_000_000_000)

    var hostJournal: [SNAHostFact] = []
    /// Terminal actions other than frames to send.
    var terminalEvents: [SDLCTerminal.Action] = []
    /// Every frame that crossed the line, as a line monitor would record it.
    var monitor: [(fromHost: Bool, frame: SDLCFrame)] = []
    var lineErrors: [String] = []

    var overHDLC = false
    private var random = SplitRandom(state: 0x5DEE_CE66_D1CE_4E5B)
    private var toTerminal: [SDLCFrame] = []
    private var toHost: [SDLCFrame] = []
    private var bytesToTerminal = ByteBuffer()
    private var bytesToHost = ByteBuffer()
    private var terminalDecoder = HDLCFrameDecoder()
    private var hostDecoder = HDLCFrameDecoder()

    init(overHDLC: Bool = false) {
        self.overHDLC = overHDLC
    }

    mutating func start() {
        route(host: host.start(now: now))
        settle()
    }

    /// Runs the clock forward by `duration`.
    mutating func run(for duration: TimeAmount) {
        let end = now + duration
        settle()
        for _ in 0..<1_000_000 {
            let deadlines = [host.nextDeadline, terminal?.nextDeadline].compactMap { $0 }
            guard let next = deadlines.min(), next <= end else { break }
            if next > now { now = next }
            route(host: host.tick(now: now))
            if var current = terminal {
                let actions = current.tick(now: now)
                terminal = current
                route(terminal: actions)
            }
            settle()
        }
        if end > now { now = end }
    }

    mutating func submit(_ payload: [UInt8], lu: UInt8) throws -> UInt16 {
        let sequenceNumber = try terminal!.submit(ByteBuffer(bytes: payload), lu: lu)
        settle()
        return sequenceNumber
    }

    mutating func hostSend(_ payload: [UInt8], lu: UInt8) throws -> UInt16 {
        let (sequenceNumber, actions) = try host.send(ByteBuffer(bytes: payload), lu: lu, now: now)
        route(host: actions)
        settle()
        return sequenceNumber
    }

    /// Delivers frames in flight until the line is quiet.
    private mutating func settle() {
        for _ in 0..<100_000 {
            if overHDLC { decodeBytes() }
            if !toTerminal.isEmpty {
                let frame = toTerminal.removeFirst()
                if var current = terminal {
                    let actions = current.receive(frame, now: now)
                    terminal = current
                    route(terminal: actions)
                }
            } else if !toHost.isEmpty {
                let frame = toHost.removeFirst()
                route(host: host.receive(frame, now: now))
            } else if bytesToHost.readableBytes == 0, bytesToTerminal.readableBytes == 0 {
                return
            }
        }
        lineErrors.append("line never settled")
    }

    private mutating func route(host actions: [SNAHostLink.Action]) {
        for action in actions {
            switch action {
            case .fact(let fact): hostJournal.append(fact)
            case .send(let frame): transmit(frame, fromHost: true)
            }
        }
    }

    private mutating func route(terminal actions: [SDLCTerminal.Action]) {
        for action in actions {
            if case .send(let frame) = action {
                transmit(frame, fromHost: false)
            } else {
                terminalEvents.append(action)
            }
        }
    }

    private mutating func transmit(_ frame: SDLCFrame, fromHost: Bool) {
        guard isConnected else { return }
        monitor.append((fromHost, frame))
        if overHDLC {
            if fromHost {
                HDLCFrameEncoder.encode(frame, into: &bytesToTerminal)
            } else {
                HDLCFrameEncoder.encode(frame, into: &bytesToHost)
            }
        } else if fromHost {
            toTerminal.append(frame)
        } else {
            toHost.append(frame)
        }
    }

    /// Cuts the byte streams at random points and decodes them.
    private mutating func decodeBytes() {
        func decode(_ stream: inout ByteBuffer, _ decoder: inout HDLCFrameDecoder, _ random: inout SplitRandom, _ errors: inout [String]) -> [SDLCFrame] {
            var frames: [SDLCFrame] = []
            while stream.readableBytes > 0 {
                var chunk = stream.readSlice(length: min(stream.readableBytes, 1 + Int(random.next() % 17)))!
                while let output = decoder.decode(buffer: &chunk) {
                    switch output {
                    case .frame(let content):
                        do { frames.append(try SDLCFrame(parsing: content)) } catch { errors.append("\(error)") }
                    case .error(let error):
                        errors.append("\(error)")
                    }
                }
            }
            stream.clear()
            return frames
        }
        toTerminal += decode(&bytesToTerminal, &terminalDecoder, &random, &lineErrors)
        toHost += decode(&bytesToHost, &hostDecoder, &random, &lineErrors)
    }

    // Journal queries.

    var activatedLUs: [UInt8] {
        hostJournal.compactMap { if case .logicalUnitActivated(let lu) = $0 { lu } else { nil } }
    }

    var identifiedNodeIDs: [XIDNodeID] {
        hostJournal.compactMap { if case .stationIdentified(_, let nodeID) = $0 { nodeID } else { nil } }
    }

    var messagesReceivedByHost: [(lu: UInt8, sequenceNumber: UInt16, payload: [UInt8])] {
        hostJournal.compactMap {
            if case .messageReceived(let lu, let sequenceNumber, let payload) = $0 {
                (lu, sequenceNumber, Array(payload.readableBytesView))
            } else { nil }
        }
    }

    var puEvents: [PU2StateMachine.Action] {
        terminalEvents.compactMap { if case .physicalUnit(let action) = $0 { action } else { nil } }
    }
}

struct SplitRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}
