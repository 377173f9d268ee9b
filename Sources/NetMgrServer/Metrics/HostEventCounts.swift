/// What the host side did that netmgrd counts per resource (`netmgr_host_connects_total`,
/// `…_rejects_total`, `…_retries_total`): on TN3270 kept by the delivery machine of each LU
/// and reported to the router as the difference since the last report; the line attachments
/// report each event as it happens (HostAttachment+Counting.swift).
struct HostEventCounts: Equatable, Sendable {
    /// Connections to the host that opened (a TN3270 connection, a link set up, a call connected).
    var connects = 0
    /// Times the host refused (a TN3270E REJECT, a session closed before it took input, a call
    /// or link the host would not take: docs/METRICS.md per line procedure).
    var rejects = 0
    /// Retries scheduled (a reconnect, asking again on the same connection, a line reopened, a redial).
    var retries = 0

    var isZero: Bool { self == HostEventCounts() }

    /// What happened since `earlier` (counts only grow; wrapping, never trapping).
    func since(_ earlier: HostEventCounts) -> HostEventCounts {
        HostEventCounts(connects: connects &- earlier.connects, rejects: rejects &- earlier.rejects, retries: retries &- earlier.retries)
    }
}
