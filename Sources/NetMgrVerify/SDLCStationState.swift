import PacketCapture

/// What the line tracker knows about one station address between frames.
struct SDLCStationState {
    enum PendingCommand {
        case none
        case setMode
        case disconnect
    }

    let address: UInt8
    /// The link being observed (established, or up since before the capture began).
    var link: SDLCLinkFacts?
    /// What the link's PIUs say (ACTPU, ACTLU, BIND... per LU, data times); folded into
    /// the link's facts when it closes.
    var session = SNASessionObserver()
    var pending = PendingCommand.none
    /// First XID/SNRM since the last link loss.
    var contactStarted: CaptureTime?
    /// Node id from XIDs since the last link loss; a PU type 2 XID wins over others
    /// (a host may send its own XID as the command).
    var nodeID: UInt32?
    var nodeIDIsPeripheral = false
    var lastFrame: CaptureTime

    init(address: UInt8, at time: CaptureTime) {
        self.address = address
        self.lastFrame = time
    }

    static func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16, uppercase: true)
        return "0x" + (text.count < 2 ? "0" : "") + text
    }

    static func nodeIDText(_ value: UInt32) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - text.count) + text
    }

    mutating func noteXID(_ information: UnsafeRawBufferPointer) {
        guard information.count >= 6 else { return }  // a null XID solicits the station's
        let nodeType = information[0] & 0x0F
        let value = UInt32(information[2]) << 24 | UInt32(information[3]) << 16 | UInt32(information[4]) << 8 | UInt32(information[5])
        let peripheral = nodeType == 2
        if nodeID == nil || peripheral || !nodeIDIsPeripheral {
            nodeID = value
            nodeIDIsPeripheral = peripheral
        }
    }

    mutating func open(at established: CaptureTime?, index: Int) {
        link = SDLCLinkFacts(
            index: index, station: Self.hex(address), stationAddress: Int(address),
            nodeID: nodeID.map(Self.nodeIDText), contactStarted: contactStarted.map(ReportTime.init),
            established: established.map(ReportTime.init), physicalUnitActivated: nil,
            ended: ReportTime(established ?? lastFrame), endReason: .captureEnd, lus: [],
            firstData: nil, lastData: nil, frames: 0, informationFrames: 0, frameRejects: 0, unreadablePIUs: 0)
        session = SNASessionObserver()
        contactStarted = nil
        nodeID = nil
        nodeIDIsPeripheral = false
    }

    /// Ends the link; returns its facts.
    mutating func close(at time: CaptureTime, reason: LinkEnd) -> SDLCLinkFacts? {
        guard var facts = link else { return nil }
        facts.ended = ReportTime(time)
        facts.endReason = reason
        facts.lus = session.lus
        facts.physicalUnitActivated = session.physicalUnitActivated
        facts.firstData = session.firstData
        facts.lastData = session.lastData
        facts.unreadablePIUs = session.unreadablePIUs
        link = nil
        session = SNASessionObserver()
        return facts
    }
}
