import NIOCore
import SDLC

/// What the simulated host observed, for the run's journal. The failover tests compare these
/// before and after a line switch: same station address, node id and LU local addresses.
public enum SNAHostFact: Hashable, Sendable {
    /// The station answered XID with this node id.
    case stationIdentified(stationAddress: UInt8, nodeID: XIDNodeID)
    /// The station's XID could not be decoded (the text says why).
    case stationIdentificationUnreadable(stationAddress: UInt8, error: String)
    /// UA to SNRM: the link is in normal response mode.
    case linkUp(stationAddress: UInt8)
    case linkDown(stationAddress: UInt8, reason: String)
    /// +RSP to ACTPU.
    case physicalUnitActivated(stationAddress: UInt8)
    case physicalUnitRefused(stationAddress: UInt8, sense: SNASenseCode)
    /// +RSP to ACTLU: the LU local address the terminal has.
    case logicalUnitActivated(lu: UInt8)
    case logicalUnitRefused(lu: UInt8, sense: SNASenseCode)
    /// BIND (and SDT) answered +RSP: the LU-LU session carries data.
    case sessionBound(lu: UInt8)
    case sessionRefused(lu: UInt8, sense: SNASenseCode)
    /// LU-LU data from the terminal.
    case messageReceived(lu: UInt8, sequenceNumber: UInt16, payload: ByteBuffer)
    /// LU-LU data the host sent.
    case messageSent(lu: UInt8, sequenceNumber: UInt16, payload: ByteBuffer)
    /// The terminal's +RSP to host data.
    case messageAccepted(lu: UInt8, sequenceNumber: UInt16)
    case messageRejected(lu: UInt8, sequenceNumber: UInt16, sense: SNASenseCode)
    /// Something from the terminal the host could not use.
    case protocolError(String)
}

/// The host's current view of the terminal on one line.
public struct SNAHostFacts: Hashable, Sendable {
    public var stationAddress: UInt8?
    public var nodeID: XIDNodeID?
    public var isPhysicalUnitActive = false
    /// LU local addresses that answered ACTLU +RSP, ascending.
    public var activatedLogicalUnits: [UInt8] = []
    /// LUs with a bound (and started) LU-LU session, ascending.
    public var boundLogicalUnits: [UInt8] = []

    public init() {}
}
