/// Everything `netmgr verify` found in one capture; `--json` prints it as is (schema in
/// docs/VERIFY.md).
public struct VerificationReport: Hashable, Sendable, Codable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var capture: CaptureSummary
    /// The definitions directory, if given.
    public var definitions: String?
    /// `--expect`, if given.
    public var expect: String?
    public var hosts: [HostEntry]
    /// IP path: every TN3270 connection to a host, by id.
    public var connections: [ConnectionFacts]
    /// Line path: every SDLC link establishment, by index.
    public var links: [SDLCLinkFacts]
    /// X.25 path (LINKTYPE_SITA): every virtual call, by index; absent on other paths.
    public var calls: [X25CallFacts]? = nil
    public var terminals: [Terminal]
    public var summary: ReportSummary
    public var statistics: ReadStatistics
    /// Things the operator should know that belong to no one terminal.
    public var notes: [String]
    /// BDLC path (LINKTYPE_USER0): every station per host line, by index; absent on the
    /// other paths.
    public var basicModeStations: [BasicModeStationFacts]? = nil
    /// Switched path (a pcapng with a USER1 dialogue or LINUX_LAPD D-channel interface): every
    /// call, by index; absent on the other paths.
    public var switchedCalls: [SwitchedCallFacts]? = nil
}
