/// One SDLC link establishment for a station on a LINKTYPE_SDLC capture: from the host's
/// first contact (XID/SNRM) and the UA that set normal response mode, to the link loss.
public struct SDLCLinkFacts: Hashable, Sendable, Codable {
    /// 1-based, in order of establishment across the capture.
    public var index: Int
    /// The station address the host polls, "0xC1".
    public var station: String
    public var stationAddress: Int
    /// The XID format 0 node id the station sent, IDBLK and IDNUM as 8 hex digits
    /// ("05D00001"), as the definitions write it; nil when no XID was captured.
    public var nodeID: String?
    /// The host's first XID or SNRM of this establishment.
    public var contactStarted: ReportTime?
    /// The UA answering SNRM; nil when the link was already up when the capture began.
    public var established: ReportTime?
    /// +RSP(ACTPU).
    public var physicalUnitActivated: ReportTime?
    public var ended: ReportTime
    public var endReason: LinkEnd
    public var lus: [SDLCLUFacts]
    /// First and last LU-LU data PIU on the link.
    public var firstData: ReportTime?
    public var lastData: ReportTime?
    public var frames: Int
    public var informationFrames: Int
    public var frameRejects: Int
    /// I-frames whose PIU headers could not be read.
    public var unreadablePIUs: Int

    /// LU addresses the PU confirmed with +RSP(ACTLU); when no ACTLU was captured (the
    /// capture began later), those seen in LU-LU traffic.
    public var activeLUs: [Int] {
        let active = lus.filter { $0.activated != nil }.map(\.address)
        if !active.isEmpty { return active }
        return lus.filter { $0.dataFrames > 0 || $0.bound != nil }.map(\.address)
    }

    /// The first LU-LU session bound on this link.
    public var firstBound: ReportTime? { lus.compactMap(\.bound).min() }
}
