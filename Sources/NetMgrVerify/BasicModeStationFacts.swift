/// One tributary station on one line of a BDLC (basic-mode) capture, as the host's control
/// station saw it: how often it was polled and selected, what it answered, the text blocks
/// each way and the LU local addresses their headings named.
public struct BasicModeStationFacts: Hashable, Sendable, Codable {
    /// 1-based, in order of first appearance in the capture.
    public var index: Int
    /// The host's line number from the record's direction byte.
    public var line: Int
    /// "ascii" or "ebcdic": the coding the line's elements decoded in.
    public var coding: String
    /// The station address, "0x41" (the poll character; select = address | 0x20).
    public var station: String
    public var stationAddress: Int
    /// From the definitions: the bdlc line, the node whose `bdlc-address` this is, the resource.
    public var definedLine: String?
    public var node: String?
    public var resource: String?
    public var polls: Int = 0
    public var selects: Int = 0
    /// Polls and selections the station left without any answer.
    public var unansweredPolls: Int = 0
    /// Elements the station sent (EOT, ACK, blocks, ...).
    public var answers: Int = 0
    /// Text blocks from the station to the host, and from the host to it, with a good block
    /// check; and those whose block check did not match.
    public var blocksFromStation: Int = 0
    public var blocksToStation: Int = 0
    public var badBlocksFromStation: Int = 0
    public var badBlocksToStation: Int = 0
    /// NAKs the host sent to it and it sent to the host.
    public var naksFromHost: Int = 0
    public var naksFromStation: Int = 0
    /// LU local addresses in the headings of its blocks, either way.
    public var lus: [Int] = []
    public var firstPoll: ReportTime?
    public var lastPoll: ReportTime?
    /// The station's activity: its first and last element.
    public var firstAnswer: ReportTime?
    public var lastAnswer: ReportTime?
    /// Text blocks either way: the resource's traffic.
    public var firstText: ReportTime?
    public var lastText: ReportTime?
    /// Stretches of activity; a stretch ends when the station leaves polls unanswered
    /// (`BasicModeLineTracker.unansweredLimit` in a row), is silent for `--link-silence`,
    /// or its line falls quiet.
    public var activities: [BasicModeActivity] = []

    public init(index: Int, line: Int, coding: String, stationAddress: Int) {
        self.index = index
        self.line = line
        self.coding = coding
        self.stationAddress = stationAddress
        self.station = BasicModeStationFacts.hex(stationAddress)
    }

    static func hex(_ value: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return "0x" + (text.count < 2 ? "0" : "") + text
    }
}

/// One stretch of a station's activity.
public struct BasicModeActivity: Hashable, Sendable, Codable {
    /// The station's first and last element in the stretch.
    public var start: ReportTime
    public var ended: ReportTime
    /// "unanswered-polls", "silence", "line-quiet" (nothing more to or from the station,
    /// while the capture went on), "capture-end".
    public var endReason: String
    public var answers: Int
    /// Text blocks either way in the stretch (good block check).
    public var blocks: Int
    public var firstText: ReportTime?
    public var lastText: ReportTime?
    /// LU local addresses in the stretch's block headings.
    public var lus: [Int]
}
