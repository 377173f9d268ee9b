import NIOCore
import SDLC

/// The host's SSCP and PLU for the terminal on one SDLC line (test equipment). After link
/// up it sends ACTPU; after +RSP, ACTLU for each configured LU local address; for each LU
/// that answers +RSP, BIND and then SDT. It takes LU-LU data from the LUs (answering +RSP
/// when asked), sends data to LUs with DR1, and reports everything as `SNAHostFact`s. On link
/// down it forgets the terminal and starts again at the next link up.
///
/// Addresses follow `SNALocalAddress`: SSCP 0, PLU `configuration.primaryAddress` (0x01).
public struct SNAHostStateMachine: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// LU local addresses to activate, in order.
        public var logicalUnits: [UInt8]
        /// OAF' of the PLU in every LU-LU session.
        public var primaryAddress: UInt8
        public var bindImage: [UInt8]
        /// Act as an LU 2 (3270 display) application: write a screen with an input field
        /// (Erase/Write, keyboard restore) when the session starts (SDT answered) and again
        /// after each input, as a VTAM application does, so an emulator behind netmgrd's TN
        /// server gets a screen to type into.
        public var writesScreens: Bool

        public init(
            logicalUnits: [UInt8], primaryAddress: UInt8 = SNALocalAddress.primaryLogicalUnit,
            bindImage: [UInt8] = SNAHostRequests.bindLogicalUnitType2, writesScreens: Bool = false
        ) {
            self.logicalUnits = logicalUnits
            self.primaryAddress = primaryAddress
            self.bindImage = bindImage
            self.writesScreens = writesScreens
        }
    }

    public enum Action: Hashable, Sendable {
        /// A PIU for the primary station's queue.
        case send(ByteBuffer)
        case fact(SNAHostFact)
    }

    public enum SendError: Error, Hashable, Sendable, CustomStringConvertible {
        case noSession(UInt8)

        public var description: String {
            switch self {
            case .noSession(let lu): return "LU \(lu) has no bound session on the host"
            }
        }
    }

    enum SessionPhase: Sendable {
        case none, binding, starting, bound
    }

    struct LogicalUnit: Sendable {
        var active = false
        var session = SessionPhase.none
        var sscpSequence: UInt16 = 0
        var expeditedSequence: UInt16 = 0
        var dataSequence: UInt16 = 0
        var unconfirmed: Set<UInt16> = []
        /// The terminal's chains (input longer than the BIND's RU size), put together.
        var inbound = SNAChainAssembler(limit: 64 * 1024)
    }

    public let configuration: Configuration
    /// The host's view of the terminal now (reset on link down).
    public private(set) var facts = SNAHostFacts()
    private var logicalUnits: [UInt8: LogicalUnit] = [:]
    private var physicalUnitSequence: UInt16 = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The station answered XID.
    public mutating func identificationReceived(_ information: ByteBuffer, stationAddress: UInt8) -> [Action] {
        facts.stationAddress = stationAddress
        do {
            let xid = try SNAXID(parsing: information)
            facts.nodeID = xid.nodeID
            return [.fact(.stationIdentified(stationAddress: stationAddress, nodeID: xid.nodeID))]
        } catch {
            return [.fact(.stationIdentificationUnreadable(stationAddress: stationAddress, error: error.description))]
        }
    }

    /// The link came up: activate the PU.
    public mutating func linkUp(stationAddress: UInt8) -> [Action] {
        let nodeID = facts.nodeID
        resetSessions()
        facts.stationAddress = stationAddress
        facts.nodeID = nodeID
        physicalUnitSequence &+= 1
        let piu = SNAPathInformationUnit.request(
            .sessionControl, destination: SNALocalAddress.physicalUnit,
            origin: SNALocalAddress.systemServicesControlPoint, sequenceNumber: physicalUnitSequence,
            ru: ByteBuffer(bytes: SNAHostRequests.activatePhysicalUnit))
        return [.fact(.linkUp(stationAddress: stationAddress)), .send(piu.bytes)]
    }

    /// The link went down: everything is forgotten until the next link up.
    public mutating func linkDown(reason: String) -> [Action] {
        let station = facts.stationAddress
        resetSessions()
        facts = SNAHostFacts()
        guard let station else { return [] }
        return [.fact(.linkDown(stationAddress: station, reason: reason))]
    }

    /// Sends `payload` to `lu` on its bound session with DR1; returns the sequence number
    /// and the PIU for the primary station.
    public mutating func send(_ payload: ByteBuffer, lu: UInt8) throws(SendError) -> (sequenceNumber: UInt16, piu: ByteBuffer, fact: SNAHostFact) {
        guard var unit = logicalUnits[lu], unit.session == .bound else { throw .noSession(lu) }
        unit.dataSequence &+= 1
        let sequenceNumber = unit.dataSequence
        unit.unconfirmed.insert(sequenceNumber)
        logicalUnits[lu] = unit
        let piu = SNAPathInformationUnit.request(
            .functionManagementData, destination: lu, origin: configuration.primaryAddress,
            sequenceNumber: sequenceNumber, ru: payload)
        return (sequenceNumber, piu.bytes, .messageSent(lu: lu, sequenceNumber: sequenceNumber, payload: payload))
    }

    /// A PIU from the terminal.
    public mutating func receive(_ bytes: ByteBuffer) -> [Action] {
        let piu: SNAPathInformationUnit
        do {
            piu = try SNAPathInformationUnit(parsing: bytes)
        } catch {
            return [.fact(.protocolError("PIU from terminal: \(error)"))]
        }
        var actions: [Action] = []
        if piu.isResponse {
            receiveResponse(piu, into: &actions)
        } else {
            receiveRequest(piu, into: &actions)
        }
        return actions
    }
}

extension SNAHostStateMachine {
    private mutating func receiveResponse(_ piu: SNAPathInformationUnit, into actions: inout [Action]) {
        let lu = piu.transmissionHeader.originAddress
        let negative = piu.requestResponseHeader.isNegative
        let sense = piu.senseCode ?? SNASenseCode(rawValue: 0)
        switch piu.requestCode {
        case .activatePhysicalUnit?:
            guard let station = facts.stationAddress else { return }
            if negative {
                actions.append(.fact(.physicalUnitRefused(stationAddress: station, sense: sense)))
                return
            }
            facts.isPhysicalUnitActive = true
            actions.append(.fact(.physicalUnitActivated(stationAddress: station)))
            for lu in configuration.logicalUnits {
                var unit = LogicalUnit()
                unit.sscpSequence = 1
                logicalUnits[lu] = unit
                send(.sessionControl, to: lu, from: SNALocalAddress.systemServicesControlPoint,
                     sequenceNumber: 1, ru: SNAHostRequests.activateLogicalUnit, into: &actions)
            }
        case .activateLogicalUnit?:
            guard logicalUnits[lu] != nil else { return unexpected(piu, into: &actions) }
            if negative {
                actions.append(.fact(.logicalUnitRefused(lu: lu, sense: sense)))
                return
            }
            logicalUnits[lu]!.active = true
            logicalUnits[lu]!.session = .binding
            insert(lu, into: &facts.activatedLogicalUnits)
            actions.append(.fact(.logicalUnitActivated(lu: lu)))
            sendExpedited(configuration.bindImage, to: lu, into: &actions)
        case .bind?:
            guard logicalUnits[lu]?.session == .binding else { return unexpected(piu, into: &actions) }
            if negative {
                logicalUnits[lu]!.session = .none
                actions.append(.fact(.sessionRefused(lu: lu, sense: sense)))
                return
            }
            logicalUnits[lu]!.session = .starting
            sendExpedited(SNAHostRequests.startDataTraffic, to: lu, into: &actions)
        case .startDataTraffic?:
            guard logicalUnits[lu]?.session == .starting else { return unexpected(piu, into: &actions) }
            if negative {
                logicalUnits[lu]!.session = .none
                actions.append(.fact(.sessionRefused(lu: lu, sense: sense)))
                return
            }
            logicalUnits[lu]!.session = .bound
            insert(lu, into: &facts.boundLogicalUnits)
            actions.append(.fact(.sessionBound(lu: lu)))
            writeScreen(lu, into: &actions)
        case nil where piu.requestResponseHeader.category == .functionManagementData:
            let sequenceNumber = piu.transmissionHeader.sequenceNumber
            guard logicalUnits[lu]?.unconfirmed.remove(sequenceNumber) != nil else {
                return unexpected(piu, into: &actions)
            }
            actions.append(.fact(negative
                ? .messageRejected(lu: lu, sequenceNumber: sequenceNumber, sense: sense)
                : .messageAccepted(lu: lu, sequenceNumber: sequenceNumber)))
        default:
            break  // responses to UNBIND, DACTLU, ...: nothing to track
        }
    }

    private mutating func receiveRequest(_ piu: SNAPathInformationUnit, into actions: inout [Action]) {
        let lu = piu.transmissionHeader.originAddress
        let rh = piu.requestResponseHeader
        let fromSession = piu.transmissionHeader.destinationAddress == configuration.primaryAddress
        guard fromSession, logicalUnits[lu]?.session == .bound else {
            if rh.wantsResponse { actions.append(.send(piu.response(sense: .noSession).bytes)) }
            return
        }
        guard rh.category == .functionManagementData else {
            if rh.wantsDefiniteResponse { actions.append(.send(piu.response().bytes)) }
            return
        }
        // As VTAM does: an RU longer than the BIND allowed the secondary is refused (1002);
        // longer input must come as a chain.
        if let limit = SNABindImage.secondaryMaximumRU(bind: ByteBuffer(bytes: configuration.bindImage)), piu.payload.readableBytes > limit {
            actions.append(.fact(.protocolError("LU \(lu): an RU of \(piu.payload.readableBytes) bytes, more than the BIND's \(limit) for the secondary")))
            if rh.wantsResponse { actions.append(.send(piu.response(sense: .requestUnitLengthError).bytes)) }
            return
        }
        switch logicalUnits[lu]!.inbound.add(piu.payload, beginChain: rh.beginChain, endChain: rh.endChain) {
        case .incomplete:
            if rh.wantsDefiniteResponse { actions.append(.send(piu.response().bytes)) }
        case .complete(let message):
            actions.append(.fact(.messageReceived(lu: lu, sequenceNumber: piu.transmissionHeader.sequenceNumber, payload: message)))
            if rh.wantsDefiniteResponse { actions.append(.send(piu.response().bytes)) }
            writeScreen(lu, into: &actions)
        case .rejected(let sense, let why):
            actions.append(.fact(.protocolError("LU \(lu): \(why)")))
            if rh.wantsResponse { actions.append(.send(piu.response(sense: sense).bytes)) }
        case .discarded:
            break
        }
    }

    /// The LU 2 application's screen (when `writesScreens`): sent with DR1 like any host data.
    private mutating func writeScreen(_ lu: UInt8, into actions: inout [Action]) {
        guard configuration.writesScreens, let sent = try? send(SNAHostScreens.lu2Screen(lu: lu), lu: lu) else { return }
        actions.append(.fact(sent.fact))
        actions.append(.send(sent.piu))
    }

    private mutating func sendExpedited(_ ru: [UInt8], to lu: UInt8, into actions: inout [Action]) {
        logicalUnits[lu]!.expeditedSequence &+= 1
        send(.sessionControl, to: lu, from: configuration.primaryAddress,
             sequenceNumber: logicalUnits[lu]!.expeditedSequence, ru: ru, into: &actions)
    }

    private func send(
        _ category: SNARUCategory, to destination: UInt8, from origin: UInt8, sequenceNumber: UInt16,
        ru: [UInt8], into actions: inout [Action]
    ) {
        let piu = SNAPathInformationUnit.request(
            category, destination: destination, origin: origin, sequenceNumber: sequenceNumber,
            ru: ByteBuffer(bytes: ru))
        actions.append(.send(piu.bytes))
    }

    private func unexpected(_ piu: SNAPathInformationUnit, into actions: inout [Action]) {
        actions.append(.fact(.protocolError("unexpected response from terminal: \(piu)")))
    }

    private mutating func resetSessions() {
        logicalUnits.removeAll()
        facts.isPhysicalUnitActive = false
        facts.activatedLogicalUnits = []
        facts.boundLogicalUnits = []
    }

    private func insert(_ lu: UInt8, into list: inout [UInt8]) {
        guard !list.contains(lu) else { return }
        list.append(lu)
        list.sort()
    }
}
