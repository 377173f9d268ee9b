import SDLC

/// What the SNA PIUs on one carrier (an SDLC link, an X.25 call's QLLC link) say: ACTPU, ACTLU, BIND,
/// UNBIND and DACTLU per LU local address, and LU-LU data times. Requests come from the
/// host (the LU is DAF'), responses from the PU (OAF'), as on the SDLC line.
struct SNASessionObserver {
    private(set) var lus: [SDLCLUFacts] = []
    private var luIndex: [UInt8: Int] = [:]
    private(set) var physicalUnitActivated: ReportTime?
    private(set) var firstData: ReportTime?
    private(set) var lastData: ReportTime?
    private(set) var unreadablePIUs = 0

    var sortedLUs: [SDLCLUFacts] { lus.sorted { $0.address < $1.address } }

    mutating func piu(_ bytes: UnsafeRawBufferPointer, at time: ReportTime) {
        guard let headers = try? SNAPathInformationUnit.parseHeaders(bytes) else {
            unreadablePIUs += 1
            return
        }
        let th = headers.transmissionHeader
        let rh = headers.requestResponseHeader
        let ru = UnsafeRawBufferPointer(rebasing: bytes[headers.requestResponseUnitOffset...])

        if rh.category == .functionManagementData {
            guard th.destinationAddress != 0, th.originAddress != 0 else { return }
            // The terminal's LU: the one already known, else the end that is not the PLU.
            let lu: UInt8
            switch (luIndex[th.destinationAddress] != nil, luIndex[th.originAddress] != nil) {
            case (true, false): lu = th.destinationAddress
            case (false, true): lu = th.originAddress
            default: lu = th.destinationAddress == SNALocalAddress.primaryLogicalUnit ? th.originAddress : th.destinationAddress
            }
            withLU(lu) { facts in
                if facts.firstData == nil { facts.firstData = time }
                facts.lastData = time
                facts.dataFrames += 1
            }
            if firstData == nil { firstData = time }
            lastData = time
            return
        }
        guard rh.formatIndicator else { return }
        let codeOffset = rh.senseDataIncluded ? 4 : 0
        guard ru.count > codeOffset else { return }
        let code = SNARequestCode(rawValue: ru[codeOffset])
        let negative = rh.isResponse && rh.isNegative
        let sense: String? = negative && ru.count >= 4
            ? SNASenseCode(rawValue: UInt32(ru[0]) << 24 | UInt32(ru[1]) << 16 | UInt32(ru[2]) << 8 | UInt32(ru[3])).description
            : nil
        let lu = rh.isResponse ? th.originAddress : th.destinationAddress
        switch code {
        case .activatePhysicalUnit:
            if rh.isResponse && !negative, physicalUnitActivated == nil { physicalUnitActivated = time }
        case .activateLogicalUnit:
            withLU(lu) { facts in
                if !rh.isResponse {
                    facts.activationRequested = time
                } else if negative {
                    facts.activationSense = sense
                } else {
                    facts.activated = time
                    facts.activationSense = nil
                }
            }
        case .bind:
            withLU(lu) { facts in
                if !rh.isResponse {
                    facts.bindRequested = time
                } else if negative {
                    facts.bindSense = sense
                } else if facts.bound == nil {
                    facts.bound = time
                }
            }
        case .unbind:
            if !rh.isResponse { withLU(lu) { $0.unbound = time } }
        case .deactivateLogicalUnit:
            if !rh.isResponse { withLU(lu) { $0.deactivated = time } }
        default:
            break
        }
    }

    private mutating func withLU(_ address: UInt8, _ body: (inout SDLCLUFacts) -> Void) {
        let index: Int
        if let found = luIndex[address] {
            index = found
        } else {
            lus.append(SDLCLUFacts(address: Int(address)))
            index = lus.count - 1
            luIndex[address] = index
        }
        body(&lus[index])
    }
}
