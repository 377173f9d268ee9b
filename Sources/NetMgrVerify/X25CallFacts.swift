/// One X.25 virtual call on a LINKTYPE_SITA line capture: from CALL REQUEST (or INCOMING
/// CALL) to CLEAR, RESTART, a LAPB link reset, or the end of the capture, with what QLLC
/// and SNA said on it.
public struct X25CallFacts: Hashable, Sendable, Codable {
    /// 1-based, in order of the call packets across the capture.
    public var index: Int
    /// Logical channel group << 8 | logical channel number.
    public var logicalChannel: Int
    /// "dte" when the node (the DTE side of the access line) placed the call, "dce" when
    /// the network offered it (INCOMING CALL).
    public var placedBy: String
    /// X.121 addresses from the call packet's address block, digits as text.
    public var callingAddress: String
    public var calledAddress: String
    /// Call user data in hex ("C3" for QLLC).
    public var callUserData: String
    /// XID format 0 node id from a QXID on the call, 8 hex digits; nil when none was seen.
    public var nodeID: String?
    public var callRequested: ReportTime
    /// CALL ACCEPTED / CALL CONNECTED; nil when the call never connected.
    public var connected: ReportTime?
    /// QUA answering QSM: the QLLC link is open.
    public var qllcOpened: ReportTime?
    /// +RSP(ACTPU).
    public var physicalUnitActivated: ReportTime?
    public var lus: [SDLCLUFacts]
    public var firstData: ReportTime?
    public var lastData: ReportTime?
    public var ended: ReportTime
    /// "clear", "restart", "link-reset" (SABM, DISC or DM on the LAPB link), "replaced"
    /// (a new call on the same channel), "capture-end".
    public var endReason: String
    /// CLEAR REQUEST / INDICATION: who sent it ("dte", "dce"), cause and diagnostic.
    public var clearedBy: String?
    public var clearCause: Int?
    /// The cause's ITU-T X.25 name ("number busy", "out of order"...).
    public var clearCauseName: String?
    public var clearDiagnostic: Int?
    public var packets: Int
    /// Q=0 data packets whose reassembled PIU could not be read.
    public var unreadablePIUs: Int

    /// LU addresses the PU confirmed with +RSP(ACTLU); when no ACTLU was captured, those
    /// seen in LU-LU traffic.
    public var activeLUs: [Int] {
        let active = lus.filter { $0.activated != nil }.map(\.address)
        if !active.isEmpty { return active }
        return lus.filter { $0.dataFrames > 0 || $0.bound != nil }.map(\.address)
    }

    /// The DTE side's address (the node's, as the host sees it) and the host's.
    public var terminalAddress: String { placedBy == "dte" ? callingAddress : calledAddress }
    public var hostAddress: String { placedBy == "dte" ? calledAddress : callingAddress }

    public var firstBound: ReportTime? { lus.compactMap(\.bound).min() }
}
