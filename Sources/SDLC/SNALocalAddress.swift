/// FID2 local addresses (DAF'/OAF') as netmgr uses them, host and PU alike.
///
/// - SSCP-PU session: DAF' = OAF' = 0.
/// - SSCP-LU session: the LU's local address (1–254) and 0 for the SSCP.
/// - LU-LU session: the LU's local address and the PLU's local session address, which the
///   boundary node assigns; the host simulator uses `primaryLogicalUnit` (0x01) for every
///   session. The SLU side does not assume it: it answers to whatever OAF' the BIND came from.
///   ODAI is 0 throughout (the boundary node assigned every address pair).
///
/// DAF' is always the destination: host-to-PU PIUs carry the LU in DAF', PU-to-host PIUs in OAF'.
public enum SNALocalAddress {
    public static let systemServicesControlPoint: UInt8 = 0x00
    public static let physicalUnit: UInt8 = 0x00
    public static let primaryLogicalUnit: UInt8 = 0x01
    /// Local addresses an LU may have.
    public static let logicalUnitRange: ClosedRange<UInt8> = 1...254
}
