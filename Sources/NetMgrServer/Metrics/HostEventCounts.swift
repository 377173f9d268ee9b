/// What the host side did that netmgrd counts per resource (`netmgr_host_connects_total`,
/// `…_rejects_total`, `…_retries_total`): kept by the delivery machine of each LU, and
/// reported to the router as the difference since the last report.
struct HostEventCounts: Equatable, Sendable {
    /// Connections to the host that opened.
    var connects = 0
    /// Times the host refused the LU (a TN3270E REJECT, or a session closed before it took input).
    var rejects = 0
    /// Retries scheduled (a reconnect, or asking again on the same connection).
    var retries = 0

    var isZero: Bool { self == HostEventCounts() }

    /// What happened since `earlier` (counts only grow; wrapping, never trapping).
    func since(_ earlier: HostEventCounts) -> HostEventCounts {
        HostEventCounts(connects: connects &- earlier.connects, rejects: rejects &- earlier.rejects, retries: retries &- earlier.retries)
    }
}
