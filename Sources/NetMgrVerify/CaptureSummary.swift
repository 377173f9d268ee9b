/// The capture file as read.
public struct CaptureSummary: Hashable, Sendable, Codable {
    public struct LinkTypeFact: Hashable, Sendable, Codable {
        /// The DLT number libpcap reports (LINKTYPE_RAW 101 reads back as 12).
        public var number: Int
        /// libpcap's name ("EN10MB", "SDLC"), nil when it has none.
        public var name: String?
    }

    public var path: String
    public var linkType: LinkTypeFact
    /// "ip" (TCP over IP: TN3270/TN3270E) or "line" (LINKTYPE_SDLC).
    public var kind: String
    public var packets: Int
    /// Captured bytes of all packets (record headers not counted).
    public var bytes: Int
    /// Size of the file, nil for a pipe.
    public var fileBytes: Int?
    public var firstPacket: ReportTime?
    public var lastPacket: ReportTime?
    /// Set when `--accept-truncated` let a truncated file through: what was wrong.
    public var truncated: String?
}
