import NIOCore
import NetMgrAddresses
import SDLC
import X25

/// The simulated X.25 network and host on one access line: the LAPB DCE (on the switched
/// line; none over XOT), the packet layer as DCE, and for the one virtual call the host's
/// QLLC primary and SSCP/PLU (`X25HostSession`). Bytes in, bytes out, facts for the journal.
/// The owner calls `tick(now:)` when `nextDeadline` comes.
public struct X25HostLink: Sendable {
    public enum Action: Hashable, Sendable {
        /// Bytes for the line: a LAPB frame's content, or over XOT one X.25 packet.
        case transmit(ByteBuffer)
        case fact(X25HostFact)
    }

    public let hostAddress: X121Address
    public private(set) var lapb: LAPBStation?
    public private(set) var packetLayer: X25PacketLayer
    public private(set) var session: X25HostSession
    /// The channel of the accepted call, while it lasts.
    public private(set) var channel: UInt16?

    public init(configuration: X25HostLinkConfiguration, xot: Bool = false) {
        hostAddress = configuration.hostAddress
        lapb = xot ? nil : LAPBStation(role: .dce, settings: LAPBStation.Settings(
            t1: configuration.lapbT1, n2: configuration.lapbN2, window: configuration.lapbWindow))
        // The DTE restarts at link up; the network answers it rather than restarting too.
        packetLayer = X25PacketLayer(role: .dce, settings: X25PacketLayer.Settings(
            packetSize: configuration.packetSize, window: configuration.packetWindow, logicalChannels: 1...4095,
            restartsOnLinkUp: false))
        session = X25HostSession(expectation: configuration.expectation)
    }

    public var nextDeadline: NIODeadline? {
        [lapb?.nextDeadline, packetLayer.nextDeadline].compactMap { $0 }.min()
    }

    public var facts: SNAHostFacts { session.facts }
    public var isCallConnected: Bool { channel != nil && session.isConnected }

    /// The transport is there: over XOT the packet layer is up at once; on the line the
    /// network waits for the DTE's SABM.
    public mutating func start(now: NIODeadline) -> [Action] {
        guard lapb == nil else { return [] }
        var actions: [Action] = []
        handlePacketLayer(packetLayer.linkUp(now: now), now: now, into: &actions)
        return actions
    }

    /// Bytes from the line (a LAPB frame's content) or, over XOT, one packet.
    public mutating func receive(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if var station = lapb {
            let frame: LAPBFrame
            do {
                frame = try LAPBFrame(parsing: bytes, maximumInformationLength: station.settings.maximumInformationLength)
            } catch {
                return [.fact(.sna(.protocolError("LAPB: \(error)")))]
            }
            let lapbActions = station.receive(frame, now: now)
            lapb = station
            handleLAPB(lapbActions, now: now, into: &actions)
        } else {
            handlePacketLayer(packetLayer.receive(bytes, now: now), now: now, into: &actions)
        }
        return actions
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if var station = lapb {
            let lapbActions = station.tick(now: now)
            lapb = station
            handleLAPB(lapbActions, now: now, into: &actions)
        }
        handlePacketLayer(packetLayer.tick(now: now), now: now, into: &actions)
        return actions
    }

    /// The connection to the line switch (or the XOT connection) is gone: the call with it.
    public mutating func transportDown(reason: String, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if let settings = lapb?.settings { lapb = LAPBStation(role: .dce, settings: settings) }
        handlePacketLayer(packetLayer.linkDown(), now: now, into: &actions)
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

    private mutating func handleLAPB(_ lapbActions: [LAPBStation.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in lapbActions {
            switch action {
            case .send(let frame):
                actions.append(.transmit(frame.bytes))
            case .deliver(let bytes):
                handlePacketLayer(packetLayer.receive(bytes, now: now), now: now, into: &actions)
            case .linkUp:
                handlePacketLayer(packetLayer.linkUp(now: now), now: now, into: &actions)
            case .linkDown(let reason):
                handlePacketLayer(packetLayer.linkDown(), now: now, into: &actions)
                if channel != nil || session.isConnected {
                    channel = nil
                    handleSession(session.callEnded(reason: "LAPB link down (\(reason))"), now: now, into: &actions)
                }
            case .frameRejected(let reject):
                actions.append(.fact(.sna(.protocolError("LAPB frame rejected: \(reject)"))))
            }
        }
    }

    private mutating func send(_ packet: X25Packet, now: NIODeadline, into actions: inout [Action]) {
        guard var station = lapb else {
            actions.append(.transmit(packet.bytes))
            return
        }
        do {
            let lapbActions = try station.send(packet.bytes, now: now)
            lapb = station
            handleLAPB(lapbActions, now: now, into: &actions)
        } catch {
            actions.append(.fact(.sna(.protocolError("X.25 packet not sent: \(error)"))))
        }
    }

    private mutating func handlePacketLayer(_ packetActions: [X25PacketLayer.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in packetActions {
            switch action {
            case .send(let packet):
                send(packet, now: now, into: &actions)
            case .ready:
                if channel != nil {
                    channel = nil
                    handleSession(session.callEnded(reason: "packet layer restarted"), now: now, into: &actions)
                }
            case .incomingCall(let incoming, let setup):
                let userData = Array(setup.userData.readableBytesView)
                let decision: (accept: Bool, actions: [X25HostSession.Action]) = channel == nil
                    ? session.incomingCall(calling: setup.callingAddress, called: setup.calledAddress, callUserData: userData)
                    : (false, [X25HostSession.Action.clear(X25CauseDiagnostic(cause: X25Cause.numberBusy, diagnostic: 0)),
                               .fact(.callRefused(calling: setup.callingAddress, reason: "the host's call is busy"))])
                if decision.accept {
                    channel = incoming
                    handlePacketLayer(packetLayer.accept(channel: incoming, now: now), now: now, into: &actions)
                    handleSession(decision.actions, now: now, into: &actions)
                } else {
                    for sessionAction in decision.actions {
                        switch sessionAction {
                        case .clear(let cause):
                            handlePacketLayer(packetLayer.clear(channel: incoming, cause: cause, now: now), now: now, into: &actions)
                        case .fact(let fact):
                            actions.append(.fact(fact))
                        case .sendQLLC, .sendPIU:
                            break
                        }
                    }
                }
            case .callConnected:
                break  // the session already knows (accept above)
            case .callCleared(let cleared, let info, let origin):
                guard cleared == channel else { continue }
                channel = nil
                handleSession(session.callEnded(reason: "call cleared, cause \(info) (\(origin))"), now: now, into: &actions)
            case .reset(let resetChannel, let info, _):
                guard resetChannel == channel else { continue }
                // Data was lost: the host starts the PU over, as after a link loss.
                handleSession(session.callEnded(reason: "call reset, cause \(info)"), now: now, into: &actions)
                if let channel {
                    handlePacketLayer(packetLayer.clear(channel: channel, cause: X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0), now: now),
                                      now: now, into: &actions)
                }
            case .deliver(let dataChannel, let data, let qualifier):
                guard dataChannel == channel else { continue }
                if qualifier {
                    do {
                        let packet = try QLLCPacket(parsing: data)
                        handleSession(session.receive(qllc: packet), now: now, into: &actions)
                    } catch {
                        actions.append(.fact(.sna(.protocolError("QLLC: \(error)"))))
                    }
                } else {
                    handleSession(session.receive(piu: data), now: now, into: &actions)
                }
            case .interrupt:
                break
            case .restartFailed:
                actions.append(.fact(.sna(.protocolError("X.25 restart not confirmed"))))
            case .protocolError(let text):
                actions.append(.fact(.sna(.protocolError(text))))
            }
        }
    }

    private mutating func handleSession(_ sessionActions: [X25HostSession.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in sessionActions {
            switch action {
            case .fact(let fact):
                actions.append(.fact(fact))
            case .sendQLLC(let packet):
                sendData(packet.bytes, qualifier: true, now: now, into: &actions)
            case .sendPIU(let piu):
                sendData(piu, qualifier: false, now: now, into: &actions)
            case .clear(let cause):
                guard let channel else { continue }
                self.channel = nil
                handlePacketLayer(packetLayer.clear(channel: channel, cause: cause, now: now), now: now, into: &actions)
            }
        }
    }

    private mutating func sendData(_ bytes: ByteBuffer, qualifier: Bool, now: NIODeadline, into actions: inout [Action]) {
        guard let channel else { return }
        do {
            let packetActions = try packetLayer.send(bytes, channel: channel, qualifier: qualifier, now: now)
            handlePacketLayer(packetActions, now: now, into: &actions)
        } catch {
            actions.append(.fact(.sna(.protocolError("not sent to the terminal: \(error)"))))
        }
    }
}
