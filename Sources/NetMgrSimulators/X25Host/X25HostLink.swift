import NIOCore
import NetMgrAddresses
import SDLC
import X25

/// The simulated X.25 network and host on one access line: `X25NetworkDCE` (LAPB DCE on the
/// switched line, none over XOT; the packet layer as DCE; the QLLC primary per call) with the
/// host's call policy and SNA host (`X25HostSession`) above it. Bytes in, bytes out, facts
/// for the journal. The owner calls `tick(now:)` when `nextDeadline` comes.
public struct X25HostLink: Sendable {
    public enum Action: Hashable, Sendable {
        /// Bytes for the line: a LAPB frame's content, or over XOT one X.25 packet.
        case transmit(ByteBuffer)
        case fact(X25HostFact)
    }

    public private(set) var network: X25NetworkDCE
    public private(set) var session: X25HostSession
    /// The channel of the accepted call, while it lasts.
    public private(set) var channel: UInt16?

    public init(configuration: X25HostLinkConfiguration, xot: Bool = false) {
        self.init(configurations: [configuration], xot: xot)
    }

    /// Over XOT one listener serves every line that reaches the host through the router: the
    /// calling DTE address of the call picks the terminal.
    public init(configurations: [X25HostLinkConfiguration], xot: Bool) {
        let configuration = configurations.first ?? X25HostLinkConfiguration(
            line: "-", device: .tcp(host: "-", port: 1), hostAddress: .empty,
            expectation: X25HostSession.Expectation(calling: .empty, nodeID: XIDNodeID(rawValue: 0), logicalUnits: []))
        network = X25NetworkDCE(configuration: X25NetworkDCE.Configuration(
            // The network never restarts on its own: on the switched line the DTE restarts at
            // link up and the network answers it; over XOT (RFC 1613 §6.4) nobody restarts.
            packetLayer: X25PacketLayer.Settings(
                packetSize: configuration.packetSize, window: configuration.packetWindow, logicalChannels: 1...4095, restartsOnLinkUp: false),
            lapb: xot ? nil : LAPBStation.Settings(t1: configuration.lapbT1, n2: configuration.lapbN2, window: configuration.lapbWindow),
            qllcResponseTimeout: .seconds(1)))
        session = X25HostSession(expectations: configurations.map(\.expectation))
    }

    public var nextDeadline: NIODeadline? { network.nextDeadline }
    public var facts: SNAHostFacts { session.facts }
    public var isCallConnected: Bool { channel != nil && session.isLinkOpen }

    /// The transport is there (the network waits for SABM on the line; over XOT it is ready).
    public mutating func start(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(network.start(now: now), now: now, into: &actions)
        return actions
    }

    public mutating func receive(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(network.receive(bytes, now: now), now: now, into: &actions)
        return actions
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(network.tick(now: now), now: now, into: &actions)
        return actions
    }

    /// The connection to the line switch (or the XOT connection) is gone: the call with it.
    public mutating func transportDown(reason: String, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        handle(network.transportDown(now: now), now: now, into: &actions)
        channel = nil
        handleSession(session.callEnded(reason: reason), now: now, into: &actions)
        return actions
    }

    /// Host data to an LU on the call.
    public mutating func send(_ payload: ByteBuffer, lu: UInt8, now: NIODeadline) throws(SNAHostStateMachine.SendError) -> (sequenceNumber: UInt16, actions: [Action]) {
        let (sequence, sessionActions) = try session.send(payload, lu: lu)
        var actions: [Action] = []
        handleSession(sessionActions, now: now, into: &actions)
        return (sequence, actions)
    }

    private mutating func handle(_ networkActions: [X25NetworkDCE.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in networkActions {
            switch action {
            case .transmit(let bytes):
                actions.append(.transmit(bytes))
            case .linkUp, .callConnected, .logicalLinkClosed:
                break  // the facts that matter follow (identified, opened, cleared)
            case .linkDown(let reason):
                callEnded("LAPB link down (\(reason))", now: now, into: &actions)
            case .ready:
                callEnded("packet layer restarted", now: now, into: &actions)
            case .incomingCall(let incoming, let setup):
                let (refusal, sessionActions) = session.incomingCall(setup)
                if let refusal {
                    handleSession(sessionActions, now: now, into: &actions)
                    handle(network.clear(channel: incoming, cause: refusal, now: now), now: now, into: &actions)
                } else {
                    channel = incoming
                    handleSession(sessionActions, now: now, into: &actions)
                    handle(network.accept(channel: incoming, expectedNodeID: session.expectation?.nodeID, now: now), now: now, into: &actions)
                }
            case .callCleared(let cleared, let info, let origin):
                guard cleared == channel else { continue }
                callEnded("call cleared, cause \(info) (\(origin))", now: now, into: &actions)
            case .callReset(let reset, let info, _):
                guard reset == channel else { continue }
                // Data was lost both ways: the host clears and waits for the PU to call again.
                callEnded("call reset, cause \(info)", now: now, into: &actions)
                handle(network.clear(channel: reset, cause: X25HostSession.refusedCause, now: now), now: now, into: &actions)
            case .identified(let identified, let xid):
                guard identified == channel else { continue }
                handleSession(session.identified(xid), now: now, into: &actions)
            case .identificationFailed(let failed, let reason):
                guard failed == channel else { continue }
                channel = nil
                handleSession(session.identificationFailed(reason), now: now, into: &actions)
            case .logicalLinkOpened(let opened):
                guard opened == channel else { continue }
                handleSession(session.linkOpened(), now: now, into: &actions)
            case .piu(let piuChannel, let piu):
                guard piuChannel == channel else { continue }
                handleSession(session.receive(piu: piu), now: now, into: &actions)
            case .protocolError(let text):
                actions.append(.fact(.sna(.protocolError(text))))
            }
        }
    }

    private mutating func callEnded(_ reason: String, now: NIODeadline, into actions: inout [Action]) {
        channel = nil
        handleSession(session.callEnded(reason: reason), now: now, into: &actions)
    }

    private mutating func handleSession(_ sessionActions: [X25HostSession.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in sessionActions {
            switch action {
            case .fact(let fact):
                actions.append(.fact(fact))
            case .sendPIU(let piu):
                guard let channel else { continue }
                do {
                    handle(try network.sendPIU(piu, channel: channel, now: now), now: now, into: &actions)
                } catch {
                    actions.append(.fact(.sna(.protocolError("PIU not sent to the terminal: \(error)"))))
                }
            }
        }
    }
}
