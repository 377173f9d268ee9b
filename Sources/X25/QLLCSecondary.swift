import NIOCore

/// The QLLC secondary netmgrd runs on its virtual call (the role of an SDLC secondary
/// station): it answers the host's QXID with XID format 0 and its node id, opens the logical
/// link on QSM (QUA) and closes it on QDISC. A value-type state machine over QLLC packets;
/// SNA PIUs (Q=0 data) pass only while the link is open, which the owner checks.
public struct QLLCSecondary: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// IDBLK/IDNUM answered in the XID.
        public var nodeID: XIDNodeID
        /// Node type in the XID (2 = PU type 2).
        public var nodeType: UInt8

        public init(nodeID: XIDNodeID, nodeType: UInt8 = SNAXID.peripheralNodeType) {
            self.nodeID = nodeID
            self.nodeType = nodeType
        }
    }

    public enum CloseReason: Hashable, Sendable {
        /// QDISC from the host.
        case disconnected
        /// QSM while open: the host reset the link (`.opened` follows at once).
        case reset
        /// The call under it ended, or the owner closed it.
        case local
    }

    public enum Action: Hashable, Sendable {
        /// A QLLC packet for a Q=1 DATA packet.
        case send(QLLCPacket)
        /// The host's QXID, with its XID when it carried one (nil: a null XID).
        case identificationRequested(SNAXID?)
        case opened
        case closed(CloseReason)
        /// A QLLC packet that could not be used.
        case protocolError(String)
    }

    public let configuration: Configuration
    public private(set) var isOpen = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The call ended or the owner stops: closed without a packet.
    public mutating func close() -> [Action] {
        guard isOpen else { return [] }
        isOpen = false
        return [.closed(.local)]
    }

    /// The payload of a complete Q=1 packet sequence.
    public mutating func receive(_ bytes: ByteBuffer) -> [Action] {
        let packet: QLLCPacket
        do {
            packet = try QLLCPacket(parsing: bytes)
        } catch {
            return [.protocolError("QLLC from host: \(error)")]
        }
        return receive(packet)
    }

    public mutating func receive(_ packet: QLLCPacket) -> [Action] {
        guard packet.isCommand else {
            return [.protocolError("QLLC response \(packet) from the host ignored (the secondary sends no commands)")]
        }
        var actions: [Action] = []
        switch packet.control {
        case .exchangeIdentification:
            let xid: SNAXID?
            do {
                xid = try packet.xid()
            } catch {
                actions.append(.protocolError("QXID from host: \(error)"))
                xid = nil
            }
            actions.append(.identificationRequested(xid))
            actions.append(.send(.exchangeIdentification(nodeID: configuration.nodeID, nodeType: configuration.nodeType, command: false)))
        case .setMode:
            if isOpen { actions.append(.closed(.reset)) }
            isOpen = true
            actions.append(.send(.response(.unnumberedAcknowledgment)))
            actions.append(.opened)
        case .disconnect:
            if isOpen {
                isOpen = false
                actions.append(.send(.response(.unnumberedAcknowledgment)))
                actions.append(.closed(.disconnected))
            } else {
                actions.append(.send(.response(.disconnectedMode)))
            }
        case .test:
            actions.append(.send(.response(.test, information: packet.information)))
        case .receiveReady:
            break  // the host is ready: nothing to answer in QLLC
        default:
            // An unknown command: QFRMR with the rejected control.
            actions.append(.send(.response(.frameReject, information: ByteBuffer(bytes: [packet.control.rawValue]))))
            actions.append(.protocolError("QLLC command \(packet.control) from host rejected with QFRMR"))
        }
        return actions
    }
}
