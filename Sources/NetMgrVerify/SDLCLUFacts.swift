/// One LU local address on an SDLC link: its SSCP-LU activation and LU-LU session.
public struct SDLCLUFacts: Hashable, Sendable, Codable {
    /// The LU local address (DAF' of requests to it, OAF' of its responses).
    public var address: Int
    public var activationRequested: ReportTime?
    /// +RSP(ACTLU): the PU confirmed it has this LU.
    public var activated: ReportTime?
    /// Sense code of a -RSP(ACTLU), 8 hex digits.
    public var activationSense: String?
    public var bindRequested: ReportTime?
    /// +RSP(BIND): the LU-LU session is up.
    public var bound: ReportTime?
    public var bindSense: String?
    public var unbound: ReportTime?
    public var deactivated: ReportTime?
    /// First and last LU-LU data (FMD) PIU either way.
    public var firstData: ReportTime?
    public var lastData: ReportTime?
    public var dataFrames: Int

    public init(address: Int) {
        self.address = address
        self.dataFrames = 0
    }
}
