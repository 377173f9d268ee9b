/// Why the host refused a terminal on a connection: a TN3270E DEVICE-TYPE REJECT, or a
/// session it closed without taking input.
public struct RejectFact: Hashable, Sendable, Codable {
    /// RFC 2355 name (DEVICE-IN-USE, INV-NAME, ...), or `CLOSED-WITHOUT-INPUT`.
    public var reason: String
    /// The REASON code byte; absent for a close.
    public var code: Int?
    public var time: ReportTime

    /// The host negotiated (often painting a screen such as "no available 3270 devices")
    /// and closed before it took any record from the terminal.
    public static let closedWithoutInput = "CLOSED-WITHOUT-INPUT"

    public init(reason: String, code: Int?, time: ReportTime) {
        self.reason = reason
        self.code = code
        self.time = time
    }
}
