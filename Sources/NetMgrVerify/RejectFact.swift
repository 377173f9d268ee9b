/// A TN3270E DEVICE-TYPE REJECT seen on a connection.
public struct RejectFact: Hashable, Sendable, Codable {
    /// RFC 2355 name: DEVICE-IN-USE, INV-NAME, ...
    public var reason: String
    /// The REASON code byte.
    public var code: Int
    public var time: ReportTime

    public init(reason: String, code: Int, time: ReportTime) {
        self.reason = reason
        self.code = code
        self.time = time
    }
}
