import NIOCore

/// What netmgrd runs per X.25 line: LAPB DTE (on the access line; none over XOT), the X.25
/// packet layer as DTE, one virtual call to the host with QLLC call user data, the QLLC
/// secondary and the PU 2 above it — as `SDLCTerminal` composes the SDLC secondary with the
/// PU 2. Bytes in, bytes out; the events come out as actions. The host sees the calling DTE
/// address, the XID node id and the LU local addresses of the configuration, whichever node
/// runs it, so a fresh terminal on the standby node is the same terminal to the host.
///
/// After `start` it brings the link up (SABM), restarts the packet layer and calls the host;
/// whenever the link or the call is lost while started (a RESET clears the call: SNA cannot
/// survive lost data), it tries again after `retryDelay`. Over XOT it calls again on the same
/// connection; an owner that follows RFC 1613 strictly (one call per TCP connection) closes
/// the connection on `.callCleared` and calls `transportDown`, then `start` on a new one.
public struct QLLCTerminal: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// This node's own X.121 address: the calling address of the call.
        public var ownAddress: X121Address
        /// The host's X.121 address: the called address.
        public var hostAddress: X121Address
        /// IDBLK/IDNUM answered in QXID.
        public var nodeID: XIDNodeID
        /// LU local addresses of the PU 2.
        public var localAddresses: Set<UInt8>
        public var packetLayer: X25PacketLayer.Settings
        /// LAPB settings on an HDLC line; nil over XOT (the packet layer rides on TCP).
        public var lapb: LAPBStation.Settings?
        /// Call user data: 0xC3 is QLLC's protocol identifier.
        public var callUserData: [UInt8]
        /// Wait before starting the link or calling again after a failure.
        public var retryDelay: TimeAmount

        public static let qllcCallUserData: [UInt8] = [0xC3]

        public init(
            ownAddress: X121Address, hostAddress: X121Address, nodeID: XIDNodeID, localAddresses: Set<UInt8>,
            packetLayer: X25PacketLayer.Settings = X25PacketLayer.Settings(), lapb: LAPBStation.Settings? = LAPBStation.Settings(),
            callUserData: [UInt8] = Configuration.qllcCallUserData, retryDelay: TimeAmount = .seconds(2)
        ) {
            self.ownAddress = ownAddress
            self.hostAddress = hostAddress
            self.nodeID = nodeID
            self.localAddresses = localAddresses
            self.packetLayer = packetLayer
            self.lapb = lapb
            self.callUserData = callUserData
            self.retryDelay = retryDelay
        }
    }

    public enum Action: Hashable, Sendable {
        /// Bytes for the line: a LAPB frame's content (address, control, information) for
        /// the HDLC encoder, or over XOT an X.25 packet for the XOT header.
        case transmit(ByteBuffer)
        case linkUp
        case linkDown(LAPBStation.LinkDownReason)
        /// The packet layer restarted (or, over XOT, is ready).
        case packetLayerReady
        case callConnected(X25PacketLayer.Connection)
        case callCleared(X25CauseDiagnostic, origin: X25PacketLayer.ClearOrigin)
        case callReset(X25CauseDiagnostic, origin: X25PacketLayer.ClearOrigin)
        /// The host's QXID was answered with this terminal's node id.
        case identificationExchanged(hostXID: SNAXID?)
        case logicalLinkOpened
        case logicalLinkClosed(QLLCSecondary.CloseReason)
        /// A PU 2 event (never `.send`: PIUs go into data packets).
        case physicalUnit(PU2StateMachine.Action)
        /// Something from the line that could not be used (what and where).
        case protocolError(String)
    }

    public enum SubmitError: Error, Hashable, Sendable, CustomStringConvertible {
        case notOpen
        case physicalUnit(PU2StateMachine.SendError)
        case packetLayer(X25PacketLayer.SendError)

        public var description: String {
            switch self {
            case .notOpen: return "X.25 terminal: no call with an open QLLC link"
            case .physicalUnit(let error): return error.description
            case .packetLayer(let error): return error.description
            }
        }
    }

    public let configuration: Configuration
    public private(set) var lapb: LAPBStation?
    public private(set) var packetLayer: X25PacketLayer
    public private(set) var secondary: QLLCSecondary
    public private(set) var physicalUnit: PU2StateMachine
    /// The channel of the call to the host, while one exists.
    public private(set) var channel: UInt16?
    public private(set) var isStarted = false
    private var transportUp = false
    private var retryDeadline: NIODeadline?

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.lapb = configuration.lapb.map { LAPBStation(role: .dte, settings: $0) }
        self.packetLayer = X25PacketLayer(role: .dte, settings: configuration.packetLayer)
        self.secondary = QLLCSecondary(configuration: QLLCSecondary.Configuration(nodeID: configuration.nodeID))
        self.physicalUnit = PU2StateMachine(configuration: PU2StateMachine.Configuration(localAddresses: configuration.localAddresses))
    }

    public var nextDeadline: NIODeadline? {
        [lapb?.nextDeadline, packetLayer.nextDeadline, retryDeadline].compactMap { $0 }.min()
    }

    /// Whether SNA traffic can flow: call connected and the QLLC link open.
    public var isOpen: Bool { channel.map { packetLayer.isConnected($0) } == true && secondary.isOpen }

    /// The transport is there (line connected, or XOT TCP connection up): bring the link up
    /// and call the host.
    public mutating func start(now: NIODeadline) -> [Action] {
        isStarted = true
        transportUp = true
        retryDeadline = nil
        var actions: [Action] = []
        startLink(now: now, into: &actions)
        return actions
    }

    /// The owner stops the terminal (resource deactivated): clears the call, disconnects.
    public mutating func stop(now: NIODeadline) -> [Action] {
        isStarted = false
        retryDeadline = nil
        var actions: [Action] = []
        if let channel {
            handlePacketLayer(packetLayer.clear(channel: channel, cause: X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0), now: now), now: now, into: &actions)
        }
        if lapb != nil, let lapbActions = lapb?.stop(now: now) {
            handleLAPB(lapbActions, now: now, into: &actions)
        } else {
            handlePacketLayer(packetLayer.linkDown(), now: now, into: &actions)
        }
        return actions
    }

    /// The transport went away (XOT connection closed, line lost): everything is down; the
    /// owner calls `start` when it has a transport again.
    public mutating func transportDown(now: NIODeadline) -> [Action] {
        transportUp = false
        retryDeadline = nil
        var actions: [Action] = []
        if lapb != nil {
            lapb = LAPBStation(role: .dte, settings: configuration.lapb ?? LAPBStation.Settings())
            actions.append(.linkDown(.local))
        }
        handlePacketLayer(packetLayer.linkDown(), now: now, into: &actions)
        return actions
    }

    /// Bytes from the line: a LAPB frame's content, or over XOT one X.25 packet.
    public mutating func receive(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if var station = lapb {
            let frame: LAPBFrame
            do {
                frame = try LAPBFrame(parsing: bytes, maximumInformationLength: station.settings.maximumInformationLength)
            } catch {
                return [.protocolError("\(error)")]
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
        if let deadline = retryDeadline, now >= deadline {
            retryDeadline = nil
            if isStarted, transportUp { retry(now: now, into: &actions) }
        }
        return actions
    }

    /// Sends `data` on the LU-LU session of `lu`; the sequence number is the one a later
    /// `.physicalUnit(.dataAccepted)` names.
    public mutating func submit(_ data: ByteBuffer, lu: UInt8, now: NIODeadline) throws(SubmitError) -> (sequenceNumber: UInt16, actions: [Action]) {
        guard isOpen, let channel else { throw .notOpen }
        // Ask the packet layer first: the PU takes a sequence number and records an
        // unconfirmed request, which a refused submit must not leave behind.
        // Data beyond the BIND's RU size goes as a chain: one PIU per RU.
        let lengths = physicalUnit.pathInformationUnitLengths(forData: data.readableBytes, lu: lu)
        if let refusal = packetLayer.checkRoom(forMessages: lengths, channel: channel) { throw .packetLayer(refusal) }
        let sent: (sequenceNumber: UInt16, pius: [ByteBuffer])
        do {
            sent = try physicalUnit.sendChain(data, lu: lu)
        } catch {
            throw .physicalUnit(error)
        }
        var actions: [Action] = []
        for piu in sent.pius {
            let packetActions: [X25PacketLayer.Action]
            do {
                packetActions = try packetLayer.send(piu, channel: channel, now: now)
            } catch {
                throw .packetLayer(error)
            }
            handlePacketLayer(packetActions, now: now, into: &actions)
        }
        return (sent.sequenceNumber, actions)
    }
}

extension QLLCTerminal {
    private mutating func startLink(now: NIODeadline, into actions: inout [Action]) {
        if var station = lapb {
            let lapbActions = station.start(now: now)
            lapb = station
            handleLAPB(lapbActions, now: now, into: &actions)
        } else {
            handlePacketLayer(packetLayer.linkUp(now: now), now: now, into: &actions)
        }
    }

    /// After `retryDelay`: the link again if it is down, else the call.
    private mutating func retry(now: NIODeadline, into actions: inout [Action]) {
        if let station = lapb, !station.isLinkUp {
            startLink(now: now, into: &actions)
        } else if packetLayer.state == .linkDown {
            startLink(now: now, into: &actions)
        } else if packetLayer.state == .ready, channel == nil {
            placeCall(now: now, into: &actions)
        }
    }

    private mutating func scheduleRetry(now: NIODeadline) {
        guard isStarted, retryDeadline == nil else { return }
        retryDeadline = now + configuration.retryDelay
    }

    private mutating func placeCall(now: NIODeadline, into actions: inout [Action]) {
        let setup = X25CallSetup(
            calledAddress: configuration.hostAddress, callingAddress: configuration.ownAddress,
            userData: ByteBuffer(bytes: configuration.callUserData))
        do {
            let (channel, callActions) = try packetLayer.call(setup, now: now)
            self.channel = channel
            handlePacketLayer(callActions, now: now, into: &actions)
        } catch {
            actions.append(.protocolError("call to \(configuration.hostAddress) not placed: \(error)"))
            scheduleRetry(now: now)
        }
    }

    private mutating func sendPacket(_ packet: X25Packet, now: NIODeadline, into actions: inout [Action]) {
        guard var station = lapb else {
            actions.append(.transmit(packet.bytes))
            return
        }
        do {
            let lapbActions = try station.send(packet.bytes, now: now)
            lapb = station
            handleLAPB(lapbActions, now: now, into: &actions)
        } catch {
            actions.append(.protocolError("X.25 packet not sent: \(error)"))
        }
    }

    private mutating func handleLAPB(_ lapbActions: [LAPBStation.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in lapbActions {
            switch action {
            case .send(let frame):
                actions.append(.transmit(frame.bytes))
            case .deliver(let bytes):
                handlePacketLayer(packetLayer.receive(bytes, now: now), now: now, into: &actions)
            case .linkUp:
                actions.append(.linkUp)
                handlePacketLayer(packetLayer.linkUp(now: now), now: now, into: &actions)
            case .linkDown(let reason):
                actions.append(.linkDown(reason))
                handlePacketLayer(packetLayer.linkDown(), now: now, into: &actions)
                if case .frameRejectReceived = reason {} else { scheduleRetry(now: now) }
            case .frameRejected(let reject):
                actions.append(.protocolError("LAPB frame rejected: \(reject)"))
            }
        }
    }

    private mutating func handlePacketLayer(_ packetActions: [X25PacketLayer.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in packetActions {
            switch action {
            case .send(let packet):
                sendPacket(packet, now: now, into: &actions)
            case .ready:
                actions.append(.packetLayerReady)
                channel = nil
                if isStarted { placeCall(now: now, into: &actions) }
            case .incomingCall(let incoming, _):
                // The terminal calls; it never answers calls.
                handlePacketLayer(
                    packetLayer.clear(channel: incoming, cause: X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0), now: now),
                    now: now, into: &actions)
            case .callConnected(let connection):
                guard connection.channel == channel else { continue }
                actions.append(.callConnected(connection))
            case .callCleared(let cleared, let info, let origin):
                guard cleared == channel else { continue }
                channel = nil
                actions.append(.callCleared(info, origin: origin))
                closeLogicalLink(into: &actions)
                scheduleRetry(now: now)
            case .reset(let resetChannel, let info, let origin):
                guard resetChannel == channel else { continue }
                // Data was lost both ways, which SNA sessions cannot survive: clear the call
                // and call again (after `retryDelay`), so the host starts over cleanly with
                // the same calling address, XID and LUs.
                actions.append(.callReset(info, origin: origin))
                let cause = X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0)
                handlePacketLayer(packetLayer.clear(channel: resetChannel, cause: cause, now: now), now: now, into: &actions)
            case .deliver(let dataChannel, let data, let qualifier):
                guard dataChannel == channel else { continue }
                if qualifier {
                    handleSecondary(secondary.receive(data), now: now, into: &actions)
                } else if secondary.isOpen {
                    handlePIU(data, now: now, into: &actions)
                } else {
                    actions.append(.protocolError("SNA data on channel \(dataChannel) before QSM: discarded"))
                }
            case .interrupt:
                break
            case .restartFailed:
                actions.append(.protocolError("X.25 restart not confirmed"))
                if var station = lapb {
                    // Reset the link: a fresh SABM and restart.
                    let lapbActions = station.start(now: now)
                    lapb = station
                    handleLAPB(lapbActions, now: now, into: &actions)
                }
            case .protocolError(let text):
                actions.append(.protocolError(text))
            }
        }
    }

    private mutating func closeLogicalLink(into actions: inout [Action]) {
        for action in secondary.close() {
            if case .closed(let reason) = action { actions.append(.logicalLinkClosed(reason)) }
        }
        for puAction in physicalUnit.reset() { actions.append(.physicalUnit(puAction)) }
    }

    private mutating func handleSecondary(_ qllcActions: [QLLCSecondary.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in qllcActions {
            switch action {
            case .send(let packet):
                sendData(packet.bytes, qualifier: true, now: now, into: &actions)
            case .identificationRequested(let xid):
                actions.append(.identificationExchanged(hostXID: xid))
            case .opened:
                actions.append(.logicalLinkOpened)
            case .closed(let reason):
                actions.append(.logicalLinkClosed(reason))
                for puAction in physicalUnit.reset() { actions.append(.physicalUnit(puAction)) }
            case .protocolError(let text):
                actions.append(.protocolError(text))
            }
        }
    }

    private mutating func handlePIU(_ piu: ByteBuffer, now: NIODeadline, into actions: inout [Action]) {
        for puAction in physicalUnit.receive(piu) {
            if case .send(let bytes) = puAction {
                sendData(bytes, qualifier: false, now: now, into: &actions)
            } else {
                actions.append(.physicalUnit(puAction))
            }
        }
    }

    private mutating func sendData(_ bytes: ByteBuffer, qualifier: Bool, now: NIODeadline, into actions: inout [Action]) {
        guard let channel else { return }
        do {
            let packetActions = try packetLayer.send(bytes, channel: channel, qualifier: qualifier, now: now)
            handlePacketLayer(packetActions, now: now, into: &actions)
        } catch {
            actions.append(.protocolError("not sent to host: \(error)"))
        }
    }
}
