import NetMgrAddresses
import NIOCore

/// What the simulated host observed on an X.25 virtual call, for the journal: the call with
/// its addresses, the terminal's XID node id from QXID, QLLC link up/down, then the SNA facts
/// of the PU 2 above it (ACTPU, ACTLU per LU, BIND, data).
public enum X25HostFact: Hashable, Sendable {
    /// INCOMING CALL accepted: the calling DTE is the one the host expects.
    case callAccepted(calling: X121Address, called: X121Address)
    /// INCOMING CALL cleared: an unknown calling DTE (or wrong call user data).
    case callRefused(calling: X121Address, reason: String)
    /// QXID response with the expected node id.
    case terminalIdentified(nodeID: XIDNodeID)
    /// QXID response with a node id the host does not know: the call is cleared.
    case identificationRefused(nodeID: XIDNodeID?, reason: String)
    /// QUA to QSM: the QLLC link is up, ACTPU follows.
    case linkUp
    /// The virtual call ended (CLEAR, RESTART, LAPB down, connection lost).
    case callCleared(reason: String)
    /// ACTPU, ACTLU, BIND and data facts from the host's SSCP/PLU.
    case sna(SNAHostFact)
}
