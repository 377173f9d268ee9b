import NIOCore

/// The host side of the access line for the network simulator: LAPB DCE (none over XOT),
/// the X.25 packet layer as DCE, and per accepted call a QLLC primary. It hands each call to
/// its owner with the calling address; the owner accepts it naming the node id it expects
/// (as VTAM matches a switched PU by IDBLK/IDNUM), and once QXID and QSM/QUA are through it
/// carries SNA PIUs both ways. The SNA host itself (ACTPU, ACTLU, BIND) stays with the owner.
public struct X25NetworkDCE: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var packetLayer: X25PacketLayer.Settings
        /// LAPB settings on an HDLC line; nil over XOT.
        public var lapb: LAPBStation.Settings?
        public var qllcResponseTimeout: TimeAmount
        public var qllcAttempts: Int

        public init(
            packetLayer: X25PacketLayer.Settings = X25PacketLayer.Settings(), lapb: LAPBStation.Settings? = LAPBStation.Settings(),
            qllcResponseTimeout: TimeAmount = .seconds(3), qllcAttempts: Int = 3
        ) {
            self.packetLayer = packetLayer
            self.lapb = lapb
            self.qllcResponseTimeout = qllcResponseTimeout
            self.qllcAttempts = qllcAttempts
        }
    }

    public enum Action: Hashable, Sendable {
        /// Bytes for the line: a LAPB frame's content, or over XOT an X.25 packet.
        case transmit(ByteBuffer)
        case linkUp
        case linkDown(LAPBStation.LinkDownReason)
        case ready
        /// A DTE calls (the setup has its calling and called address and user data): answer
        /// with `accept` or `clear`.
        case incomingCall(channel: UInt16, X25CallSetup)
        case callConnected(X25PacketLayer.Connection)
        case callCleared(channel: UInt16, X25CauseDiagnostic, origin: X25PacketLayer.ClearOrigin)
        case callReset(channel: UInt16, X25CauseDiagnostic, origin: X25PacketLayer.ClearOrigin)
        /// The QXID answer named the expected node (or any, when none was expected).
        case identified(channel: UInt16, SNAXID)
        /// QLLC failed (wrong node id, no answer, refused); the call is being cleared.
        case identificationFailed(channel: UInt16, QLLCPrimary.FailureReason)
        case logicalLinkOpened(channel: UInt16)
        case logicalLinkClosed(channel: UInt16)
        /// An SNA PIU from the DTE's PU (a complete Q=0 packet sequence).
        case piu(channel: UInt16, ByteBuffer)
        case protocolError(String)
    }

    public let configuration: Configuration
    public private(set) var lapb: LAPBStation?
    public private(set) var packetLayer: X25PacketLayer
    public private(set) var primaries: [UInt16: QLLCPrimary] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.lapb = configuration.lapb.map { LAPBStation(role: .dce, settings: $0) }
        self.packetLayer = X25PacketLayer(role: .dce, settings: configuration.packetLayer)
    }

    public var nextDeadline: NIODeadline? {
        ([lapb?.nextDeadline, packetLayer.nextDeadline] + primaries.values.map(\.nextDeadline)).compactMap { $0 }.min()
    }

    /// The transport is there. With LAPB the DCE waits for the DTE's SABM (it answers it in
    /// any state); over XOT the packet layer is ready at once.
    public mutating func start(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if lapb == nil {
            handlePacketLayer(packetLayer.linkUp(now: now), now: now, into: &actions)
        }
        return actions
    }

    /// The transport went away: every call ends.
    public mutating func transportDown(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if let settings = configuration.lapb {
            lapb = LAPBStation(role: .dce, settings: settings)
            actions.append(.linkDown(.local))
        }
        handlePacketLayer(packetLayer.linkDown(), now: now, into: &actions)
        return actions
    }

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
        for channel in primaries.keys.sorted() {
            guard var primary = primaries[channel] else { continue }
            let qllcActions = primary.tick(now: now)
            primaries[channel] = primary
            handlePrimary(channel, qllcActions, now: now, into: &actions)
        }
        return actions
    }

    /// Accepts the call on `channel` and starts QLLC: QXID, then QSM when the node id is
    /// `expectedNodeID` (nil accepts any).
    public mutating func accept(channel: UInt16, expectedNodeID: XIDNodeID?, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        let accepted = packetLayer.accept(channel: channel, now: now)
        guard !accepted.isEmpty else { return actions }
        primaries[channel] = QLLCPrimary(
            configuration: QLLCPrimary.Configuration(
                expectedNodeID: expectedNodeID, responseTimeout: configuration.qllcResponseTimeout, attempts: configuration.qllcAttempts))
        handlePacketLayer(accepted, now: now, into: &actions)
        if var primary = primaries[channel] {
            let qllcActions = primary.start(now: now)
            primaries[channel] = primary
            handlePrimary(channel, qllcActions, now: now, into: &actions)
        }
        return actions
    }

    /// Clears (or refuses) the call on `channel`.
    public mutating func clear(channel: UInt16, cause: X25CauseDiagnostic, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        primaries[channel] = nil
        handlePacketLayer(packetLayer.clear(channel: channel, cause: cause, now: now), now: now, into: &actions)
        return actions
    }

    /// Sends an SNA PIU to the DTE's PU on `channel` (Q=0, segmented with M).
    public mutating func sendPIU(_ piu: ByteBuffer, channel: UInt16, now: NIODeadline) throws(X25PacketLayer.SendError) -> [Action] {
        guard primaries[channel]?.isOpen == true else { throw .noCall(channel: channel) }
        let packetActions = try packetLayer.send(piu, channel: channel, now: now)
        var actions: [Action] = []
        handlePacketLayer(packetActions, now: now, into: &actions)
        return actions
    }
}

extension X25NetworkDCE {
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
                primaries.removeAll()
                actions.append(.ready)
            case .incomingCall(let channel, let setup):
                actions.append(.incomingCall(channel: channel, setup))
            case .callConnected(let connection):
                actions.append(.callConnected(connection))
            case .callCleared(let channel, let info, let origin):
                if var primary = primaries.removeValue(forKey: channel), primary.callCleared().contains(.closed) {
                    actions.append(.logicalLinkClosed(channel: channel))
                }
                actions.append(.callCleared(channel: channel, info, origin: origin))
            case .reset(let channel, let info, let origin):
                actions.append(.callReset(channel: channel, info, origin: origin))
            case .deliver(let channel, let data, let qualifier):
                guard var primary = primaries[channel] else { continue }
                if qualifier {
                    let qllcActions = primary.receive(data, now: now)
                    primaries[channel] = primary
                    handlePrimary(channel, qllcActions, now: now, into: &actions)
                } else if primary.isOpen {
                    actions.append(.piu(channel: channel, data))
                } else {
                    actions.append(.protocolError("SNA data on channel \(channel) before QUA: discarded"))
                }
            case .interrupt:
                break
            case .restartFailed:
                actions.append(.protocolError("X.25 restart not confirmed by the DTE"))
            case .protocolError(let text):
                actions.append(.protocolError(text))
            }
        }
    }

    private mutating func handlePrimary(_ channel: UInt16, _ qllcActions: [QLLCPrimary.Action], now: NIODeadline, into actions: inout [Action]) {
        for action in qllcActions {
            switch action {
            case .send(let packet):
                do {
                    let packetActions = try packetLayer.send(packet.bytes, channel: channel, qualifier: true, now: now)
                    handlePacketLayer(packetActions, now: now, into: &actions)
                } catch {
                    actions.append(.protocolError("QLLC \(packet) not sent: \(error)"))
                }
            case .identified(let xid):
                actions.append(.identified(channel: channel, xid))
            case .opened:
                actions.append(.logicalLinkOpened(channel: channel))
            case .closed:
                actions.append(.logicalLinkClosed(channel: channel))
            case .failed(let reason):
                actions.append(.identificationFailed(channel: channel, reason))
                primaries[channel] = nil
                // VTAM-like: the call of a PU it does not know is cleared.
                let cause = X25CauseDiagnostic(cause: X25Cause.dteOriginated, diagnostic: 0)
                handlePacketLayer(packetLayer.clear(channel: channel, cause: cause, now: now), now: now, into: &actions)
            }
        }
    }
}
