import NIOCore

/// The PU type 2 above netmgrd's secondary station: it answers the host's ACTPU, ACTLU,
/// BIND, SDT, UNBIND, DACTLU and DACTPU for the LU local addresses the definitions give,
/// carries LU-LU data (FMD RUs) both ways, and tells the owner when the host accepted a
/// message (its definite response). Outbound data always asks for a definite response (DR1).
///
/// A value-type state machine over PIU bytes; the owner passes its `.send` PIUs to the
/// secondary station. On link loss call `reset()`: everything is inactive until the host's
/// next ACTPU/ACTLU/BIND.
public struct PU2StateMachine: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// LU local addresses (1–254) this PU has; others are refused.
        public var localAddresses: Set<UInt8>
        /// The longest chain of host RUs assembled into one `.dataReceived` (bytes).
        public var maximumChainLength: Int

        public init(localAddresses: Set<UInt8>, maximumChainLength: Int = 64 * 1024) {
            self.localAddresses = localAddresses.filter { SNALocalAddress.logicalUnitRange.contains($0) }
            self.maximumChainLength = maximumChainLength
        }
    }

    public enum Action: Hashable, Sendable {
        /// A PIU for the host (an I-field for the secondary station's queue).
        case send(ByteBuffer)
        case physicalUnitActivated
        case physicalUnitDeactivated
        case logicalUnitActivated(UInt8)
        case logicalUnitDeactivated(UInt8)
        /// BIND accepted; `bind` is the BIND RU as received.
        case sessionStarted(lu: UInt8, bind: ByteBuffer)
        case sessionEnded(lu: UInt8)
        /// SDT answered: the session is in data traffic state. With TS profiles 2-4 the host
        /// refuses FMD data before this (the BIND's TS profile says which).
        case dataTrafficStarted(lu: UInt8)
        /// LU-LU data from the host: one FMD RU, or a whole chain of them (BC ... EC) put
        /// together; `sequenceNumber` is the chain's last RU's.
        case dataReceived(lu: UInt8, sequenceNumber: UInt16, data: ByteBuffer)
        /// The host answered +RSP to data this PU sent: the message was accepted.
        case dataAccepted(lu: UInt8, sequenceNumber: UInt16)
        /// The host answered -RSP.
        case dataRejected(lu: UInt8, sequenceNumber: UInt16, sense: SNASenseCode)
        /// The session ended (UNBIND, DACTLU, reset) before the host answered these.
        case dataUnconfirmed(lu: UInt8, sequenceNumbers: [UInt16])
        /// A PIU from the host that could not be used (the text says what and where).
        case protocolError(String)
    }

    public enum SendError: Error, Hashable, Sendable, CustomStringConvertible {
        case undefinedLogicalUnit(UInt8)
        case noSession(UInt8)

        public var description: String {
            switch self {
            case .undefinedLogicalUnit(let lu): return "LU local address \(lu) is not defined for this PU"
            case .noSession(let lu): return "LU local address \(lu) has no LU-LU session (no BIND yet)"
            }
        }
    }

    struct Session: Sendable {
        var primaryAddress: UInt8
        var inbound: SNAChainAssembler
        /// The BIND's maximum RU size for the secondary's sends; larger data goes as a chain.
        var maximumSendRU: Int?
        /// Sequence numbers of a sent chain's first and middle RUs (exception response) and
        /// the chain's last RU, which `unconfirmed` holds: a -RSP to one of them is the chain's.
        var chainOf: [UInt16: UInt16] = [:]
        var nextSequenceNumber: UInt16 = 1
        var unconfirmed: [UInt16] = []
    }

    struct LogicalUnit: Sendable {
        var active = false
        var session: Session?
    }

    public let configuration: Configuration
    public private(set) var isPhysicalUnitActive = false
    private var logicalUnits: [UInt8: LogicalUnit] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func isLogicalUnitActive(_ lu: UInt8) -> Bool { logicalUnits[lu]?.active ?? false }
    public func hasSession(_ lu: UInt8) -> Bool { logicalUnits[lu]?.session != nil }
    /// LUs with an LU-LU session, ascending.
    public var sessions: [UInt8] { logicalUnits.filter { $0.value.session != nil }.keys.sorted() }

    /// Builds the PIU carrying `data` to the session partner of `lu`, with DR1, and returns
    /// it with its sequence number (which `.dataAccepted` will name).
    public mutating func send(_ data: ByteBuffer, lu: UInt8) throws(SendError) -> (sequenceNumber: UInt16, piu: ByteBuffer) {
        guard configuration.localAddresses.contains(lu) else { throw .undefinedLogicalUnit(lu) }
        guard var session = logicalUnits[lu]?.session else { throw .noSession(lu) }
        let sequenceNumber = session.nextSequenceNumber
        session.nextSequenceNumber &+= 1
        session.unconfirmed.append(sequenceNumber)
        logicalUnits[lu]!.session = session
        let piu = SNAPathInformationUnit.request(
            .functionManagementData, destination: session.primaryAddress, origin: lu,
            sequenceNumber: sequenceNumber, ru: data)
        return (sequenceNumber, piu.bytes)
    }

    /// Like `send`, but data longer than the BIND's maximum RU size for the secondary goes as
    /// a chain: first RU with BC, last with EC, each at most that size; the first and middle
    /// RUs ask for exception response (RQE1), the last for definite response (RQD1), so the
    /// host answers the chain once. The sequence number is the last RU's, which
    /// `.dataAccepted` / `.dataRejected` name (a -RSP to an earlier RU of the chain too).
    public mutating func sendChain(_ data: ByteBuffer, lu: UInt8) throws(SendError) -> (sequenceNumber: UInt16, pius: [ByteBuffer]) {
        guard configuration.localAddresses.contains(lu) else { throw .undefinedLogicalUnit(lu) }
        guard var session = logicalUnits[lu]?.session else { throw .noSession(lu) }
        guard let size = session.maximumSendRU, data.readableBytes > size else {
            let single = try send(data, lu: lu)
            return (single.sequenceNumber, [single.piu])
        }
        var rest = data
        var pius: [ByteBuffer] = []
        var earlier: [UInt16] = []
        var last: UInt16 = 0
        while rest.readableBytes > 0, let part = rest.readSlice(length: min(size, rest.readableBytes)) {
            let sequenceNumber = session.nextSequenceNumber
            session.nextSequenceNumber &+= 1
            var piu = SNAPathInformationUnit.request(
                .functionManagementData, destination: session.primaryAddress, origin: lu, sequenceNumber: sequenceNumber, ru: part)
            piu.requestResponseHeader.beginChain = pius.isEmpty
            piu.requestResponseHeader.endChain = rest.readableBytes == 0
            if rest.readableBytes > 0 {
                piu.requestResponseHeader.exceptionResponse = true
                earlier.append(sequenceNumber)
            }
            pius.append(piu.bytes)
            last = sequenceNumber
        }
        for number in earlier { session.chainOf[number] = last }
        session.unconfirmed.append(last)
        logicalUnits[lu]!.session = session
        return (last, pius)
    }

    /// The lengths of the PIUs `sendChain` would build for `dataLength` bytes to `lu` (one
    /// PIU unless the BIND's RU size splits the data).
    public func pathInformationUnitLengths(forData dataLength: Int, lu: UInt8) -> [Int] {
        let headers = FID2TransmissionHeader.length + SNARequestResponseHeader.length
        guard let size = logicalUnits[lu]?.session?.maximumSendRU, dataLength > size else { return [headers + dataLength] }
        let full = dataLength / size
        let rest = dataLength % size
        return Array(repeating: headers + size, count: full) + (rest > 0 ? [headers + rest] : [])
    }

    /// Link lost or reset: every session, LU and the PU become inactive.
    public mutating func reset() -> [Action] {
        var actions: [Action] = []
        for lu in logicalUnits.keys.sorted() {
            deactivate(lu, into: &actions)
        }
        logicalUnits.removeAll()
        if isPhysicalUnitActive {
            isPhysicalUnitActive = false
            actions.append(.physicalUnitDeactivated)
        }
        return actions
    }

    /// A PIU from the host (an I-field the secondary station delivered).
    public mutating func receive(_ bytes: ByteBuffer) -> [Action] {
        let piu: SNAPathInformationUnit
        do {
            piu = try SNAPathInformationUnit(parsing: bytes)
        } catch {
            return [.protocolError("PIU from host: \(error)")]
        }
        var actions: [Action] = []
        if piu.isResponse {
            receiveResponse(piu, into: &actions)
            return actions
        }
        let daf = piu.transmissionHeader.destinationAddress
        let oaf = piu.transmissionHeader.originAddress
        if daf == SNALocalAddress.physicalUnit, oaf == SNALocalAddress.systemServicesControlPoint {
            receiveSSCPPU(piu, into: &actions)
        } else if oaf == SNALocalAddress.systemServicesControlPoint {
            receiveSSCPLU(piu, lu: daf, into: &actions)
        } else {
            receiveLULU(piu, lu: daf, primary: oaf, into: &actions)
        }
        return actions
    }
}

extension PU2StateMachine {
    private mutating func receiveSSCPPU(_ piu: SNAPathInformationUnit, into actions: inout [Action]) {
        switch piu.requestCode {
        case .activatePhysicalUnit?:
            // A repeated ACTPU is a cold restart: LUs and sessions start over.
            let restarted = reset().filter { $0 != .physicalUnitDeactivated }
            actions.append(contentsOf: restarted)
            isPhysicalUnitActive = true
            respond(to: piu, into: &actions)
            actions.append(.physicalUnitActivated)
        case .deactivatePhysicalUnit?:
            respond(to: piu, into: &actions)
            actions.append(contentsOf: reset())
        default:
            guard isPhysicalUnitActive else { return respond(to: piu, sense: .puNotActive, into: &actions) }
            if piu.requestResponseHeader.category == .functionManagementData {
                respond(to: piu, into: &actions)  // network services data: accepted, not used
            } else {
                respond(to: piu, sense: .functionNotSupported, into: &actions)
            }
        }
    }

    private mutating func receiveSSCPLU(_ piu: SNAPathInformationUnit, lu: UInt8, into actions: inout [Action]) {
        let code = piu.requestCode
        guard configuration.localAddresses.contains(lu) else {
            let sense: SNASenseCode = code == .activateLogicalUnit ? .resourceNotAvailable : .unrecognizedDestination
            return respond(to: piu, sense: sense, into: &actions)
        }
        guard isPhysicalUnitActive else { return respond(to: piu, sense: .puNotActive, into: &actions) }
        switch code {
        case .activateLogicalUnit?:
            deactivate(lu, into: &actions)  // ACTLU of an active LU restarts it
            logicalUnits[lu] = LogicalUnit(active: true)
            respond(to: piu, into: &actions)
            actions.append(.logicalUnitActivated(lu))
        case .deactivateLogicalUnit?:
            respond(to: piu, into: &actions)
            deactivate(lu, into: &actions)
            logicalUnits[lu] = nil
        default:
            guard isLogicalUnitActive(lu) else { return respond(to: piu, sense: .luNotActive, into: &actions) }
            if piu.requestResponseHeader.category == .functionManagementData {
                respond(to: piu, into: &actions)  // SSCP-LU data (USS messages): accepted, not used
            } else {
                respond(to: piu, sense: .functionNotSupported, into: &actions)
            }
        }
    }

    private mutating func receiveLULU(_ piu: SNAPathInformationUnit, lu: UInt8, primary: UInt8, into actions: inout [Action]) {
        guard configuration.localAddresses.contains(lu) else {
            return respond(to: piu, sense: .unrecognizedDestination, into: &actions)
        }
        guard isPhysicalUnitActive else { return respond(to: piu, sense: .puNotActive, into: &actions) }
        guard isLogicalUnitActive(lu) else { return respond(to: piu, sense: .luNotActive, into: &actions) }
        let rh = piu.requestResponseHeader
        if piu.requestCode == .bind, rh.category == .sessionControl {
            guard logicalUnits[lu]?.session == nil else {
                return respond(to: piu, sense: .sessionLimitExceeded, into: &actions)
            }
            logicalUnits[lu]!.session = Session(primaryAddress: primary, inbound: SNAChainAssembler(limit: configuration.maximumChainLength),
                                                maximumSendRU: SNABindImage.secondaryMaximumRU(bind: piu.requestResponseUnit))
            respond(to: piu, into: &actions)
            actions.append(.sessionStarted(lu: lu, bind: piu.requestResponseUnit))
            return
        }
        guard let session = logicalUnits[lu]?.session, session.primaryAddress == primary else {
            return respond(to: piu, sense: .noSession, into: &actions)
        }
        switch rh.category {
        case .functionManagementData:
            receiveData(piu, lu: lu, into: &actions)
        case .dataFlowControl:
            respond(to: piu, into: &actions)  // LUSTAT, SIG, CHASE, BID...: acknowledged
        case .sessionControl where piu.requestCode == .unbind:
            respond(to: piu, into: &actions)
            endSession(lu, into: &actions)
        case .sessionControl where piu.requestCode == .startDataTraffic:
            respond(to: piu, into: &actions)
            actions.append(.dataTrafficStarted(lu: lu))
        case .sessionControl where piu.requestCode == .clear:
            respond(to: piu, into: &actions)
        case .sessionControl, .networkControl:
            respond(to: piu, sense: .functionNotSupported, into: &actions)
        }
    }

    /// An FMD RU of the LU-LU session: chains are assembled and delivered at their EC; each
    /// RU is answered as it asks (a definite-response chain asks on its last RU).
    private mutating func receiveData(_ piu: SNAPathInformationUnit, lu: UInt8, into actions: inout [Action]) {
        let rh = piu.requestResponseHeader
        let sequenceNumber = piu.transmissionHeader.sequenceNumber
        let outcome = logicalUnits[lu]!.session!.inbound.add(piu.payload, beginChain: rh.beginChain, endChain: rh.endChain)
        switch outcome {
        case .incomplete:
            respond(to: piu, into: &actions)
        case .complete(let data):
            actions.append(.dataReceived(lu: lu, sequenceNumber: sequenceNumber, data: data))
            respond(to: piu, into: &actions)
        case .rejected(let sense, let why):
            actions.append(.protocolError("LU \(lu): \(why) (SNA sequence \(sequenceNumber)); answered -RSP \(sense)"))
            respond(to: piu, sense: sense, into: &actions)
        case .discarded:
            if rh.wantsDefiniteResponse { respond(to: piu, sense: .chainingError, into: &actions) }
        }
    }

    private mutating func receiveResponse(_ piu: SNAPathInformationUnit, into actions: inout [Action]) {
        // This PU only sends LU-LU data: the response comes from the PLU to the LU.
        let lu = piu.transmissionHeader.destinationAddress
        let sequenceNumber = piu.transmissionHeader.sequenceNumber
        let answered = logicalUnits[lu]?.session?.chainOf[sequenceNumber] ?? sequenceNumber
        guard var session = logicalUnits[lu]?.session,
            session.primaryAddress == piu.transmissionHeader.originAddress,
            let index = session.unconfirmed.firstIndex(of: answered)
        else {
            actions.append(.protocolError("response \(piu) matches no request this PU sent"))
            return
        }
        session.unconfirmed.remove(at: index)
        if !session.chainOf.isEmpty { session.chainOf = session.chainOf.filter { $0.value != answered } }
        logicalUnits[lu]!.session = session
        if piu.requestResponseHeader.isNegative {
            actions.append(.dataRejected(lu: lu, sequenceNumber: answered, sense: piu.senseCode ?? SNASenseCode(rawValue: 0)))
        } else {
            actions.append(.dataAccepted(lu: lu, sequenceNumber: answered))
        }
    }

    /// Positive (sense nil) or negative response, if the request asks for one.
    private func respond(to request: SNAPathInformationUnit, sense: SNASenseCode? = nil, into actions: inout [Action]) {
        let rh = request.requestResponseHeader
        let wanted = sense == nil ? rh.wantsDefiniteResponse : rh.wantsResponse
        guard wanted else { return }
        actions.append(.send(request.response(sense: sense).bytes))
    }

    private mutating func endSession(_ lu: UInt8, into actions: inout [Action]) {
        guard let session = logicalUnits[lu]?.session else { return }
        logicalUnits[lu]!.session = nil
        if !session.unconfirmed.isEmpty {
            actions.append(.dataUnconfirmed(lu: lu, sequenceNumbers: session.unconfirmed))
        }
        actions.append(.sessionEnded(lu: lu))
    }

    private mutating func deactivate(_ lu: UInt8, into actions: inout [Action]) {
        guard let unit = logicalUnits[lu] else { return }
        endSession(lu, into: &actions)
        if unit.active {
            logicalUnits[lu]!.active = false
            actions.append(.logicalUnitDeactivated(lu))
        }
    }
}
