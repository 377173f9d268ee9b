/// A stretch of a terminal's life on one connection (IP path) or one link establishment
/// (line path) during which its LU was bound / its LUs were active.
public struct Episode: Hashable, Sendable, Codable {
    /// 1-based within the terminal.
    public var index: Int
    /// The connection (IP path, `connections[].id`) or link (line path, `links[].index`).
    public var connection: Int?
    public var link: Int?
    public var address: TerminalAddress
    /// When the LU was granted (IP) or the link established / first seen (line).
    public var start: ReportTime
    public var ended: ReportTime
    /// ConnectionEnd or LinkEnd raw value.
    public var endReason: String
    /// Who ended the connection, when the capture shows it (IP path).
    public var endedBy: ConnectionSide?
    /// First and last terminal data: 3270 records (IP) or LU-LU PIUs (line).
    public var firstData: ReportTime?
    public var lastData: ReportTime?
    /// BDLC path: the station (`basicModeStations[].index`) whose stretch of activity this is.
    public var station: Int? = nil
}
