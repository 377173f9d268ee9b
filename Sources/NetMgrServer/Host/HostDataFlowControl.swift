/// Host-to-client flow control: an attachment that can stop reading an LU's host
/// connection while the client's buffer is full (TCP backpressure to the host) and
/// resume when it drains.
protocol HostDataFlowControl: AnyObject {
    /// Stop (`true`) or resume (`false`) reading host data for `lu`.
    func setHostDataPaused(_ paused: Bool, lu: String)
}
