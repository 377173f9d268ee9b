import NIOCore

/// The QLLC primary of the host side (the role of the SDLC primary, and of VTAM matching a
/// switched PU): on an accepted call it sends QXID, accepts the PU only when the XID's node
/// id is the expected one, then opens the logical link with QSM and waits for QUA; QDISC
/// closes it. Each command is repeated after `responseTimeout`, at most `attempts` times.
public struct QLLCPrimary: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The node id the host accepts; nil accepts any (and reports it).
        public var expectedNodeID: XIDNodeID?
        public var responseTimeout: TimeAmount
        public var attempts: Int

        public init(expectedNodeID: XIDNodeID?, responseTimeout: TimeAmount = .seconds(3), attempts: Int = 3) {
            self.expectedNodeID = expectedNodeID
            self.responseTimeout = responseTimeout
            self.attempts = max(1, attempts)
        }
    }

    public enum State: Hashable, Sendable {
        case idle
        /// QXID sent.
        case identifying
        /// QSM sent.
        case opening
        case open
        /// QDISC sent.
        case closing
    }

    public enum FailureReason: Hashable, Sendable {
        /// The XID named another node (VTAM: no such switched PU).
        case unexpectedNodeID(XIDNodeID)
        /// The QXID response had no usable XID.
        case invalidIdentification(String)
        /// No answer after `attempts` transmissions.
        case noResponse
        /// QDM or QFRMR to QSM.
        case refused(QLLCControl)
    }

    public enum Action: Hashable, Sendable {
        case send(QLLCPacket)
        /// The XID was accepted; QSM follows.
        case identified(SNAXID)
        case opened
        /// The secondary closed the link (QDISC answered, or QDM while open).
        case closed
        /// The owner should clear the call.
        case failed(FailureReason)
    }

    public let configuration: Configuration
    public private(set) var state: State = .idle
    /// The XID of the secondary, once identified.
    public private(set) var identification: SNAXID?
    private var deadline: NIODeadline?
    private var attempt = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var nextDeadline: NIODeadline? { deadline }
    public var isOpen: Bool { state == .open }

    /// The call is connected: identify the secondary.
    public mutating func start(now: NIODeadline) -> [Action] {
        identification = nil
        return enter(.identifying, now: now)
    }

    /// Closes the logical link with QDISC.
    public mutating func stop(now: NIODeadline) -> [Action] {
        guard state != .idle, state != .closing else { return [] }
        return enter(.closing, now: now)
    }

    /// The call ended: back to idle, no packet.
    public mutating func callCleared() -> [Action] {
        let wasOpen = state == .open
        state = .idle
        deadline = nil
        return wasOpen ? [.closed] : []
    }

    public mutating func tick(now: NIODeadline) -> [Action] {
        guard let deadline, now >= deadline else { return [] }
        guard attempt < configuration.attempts else {
            self.deadline = nil
            let wasClosing = state == .closing
            state = .idle
            return wasClosing ? [.closed] : [.failed(.noResponse)]
        }
        attempt += 1
        self.deadline = now + configuration.responseTimeout
        return commandForState().map { [.send($0)] } ?? []
    }

    public mutating func receive(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        guard let packet = try? QLLCPacket(parsing: bytes) else { return [] }
        return receive(packet, now: now)
    }

    public mutating func receive(_ packet: QLLCPacket, now: NIODeadline) -> [Action] {
        switch (state, packet.control) {
        case (.identifying, .exchangeIdentification) where !packet.isCommand:
            let xid: SNAXID
            do {
                guard let parsed = try packet.xid() else {
                    state = .idle
                    deadline = nil
                    return [.failed(.invalidIdentification("empty QXID response"))]
                }
                xid = parsed
            } catch {
                state = .idle
                deadline = nil
                return [.failed(.invalidIdentification("\(error)"))]
            }
            if let expected = configuration.expectedNodeID, expected != xid.nodeID {
                state = .idle
                deadline = nil
                return [.failed(.unexpectedNodeID(xid.nodeID))]
            }
            identification = xid
            return [.identified(xid)] + enter(.opening, now: now)
        case (.opening, .unnumberedAcknowledgment):
            state = .open
            deadline = nil
            return [.opened]
        case (.opening, .disconnectedMode), (.opening, .frameReject):
            state = .idle
            deadline = nil
            return [.failed(.refused(packet.control))]
        case (.closing, .unnumberedAcknowledgment), (.closing, .disconnectedMode):
            state = .idle
            deadline = nil
            return [.closed]
        case (.open, .disconnectedMode), (.open, .disconnect):
            state = .idle
            deadline = nil
            return [.closed]
        case (_, .test) where packet.isCommand:
            return [.send(.response(.test, information: packet.information))]
        default:
            return []
        }
    }

    private mutating func enter(_ newState: State, now: NIODeadline) -> [Action] {
        state = newState
        attempt = 1
        deadline = now + configuration.responseTimeout
        return commandForState().map { [.send($0)] } ?? []
    }

    private func commandForState() -> QLLCPacket? {
        switch state {
        case .identifying: return .command(.exchangeIdentification)
        case .opening: return .command(.setMode)
        case .closing: return .command(.disconnect)
        case .idle, .open: return nil
        }
    }
}
