/// How the host side negotiates.
public struct TN3270ServerConfiguration: Hashable, Sendable {
    /// False makes a "basic-only host": it never offers TN3270E, starts with
    /// DO TERMINAL-TYPE and refuses WILL TN3270E.
    public var offersTN3270E: Bool
    /// Functions the server agrees to; anything else a client asks for is
    /// countered with FUNCTIONS REQUEST of this subset (RFC 2355 §7.2).
    public var supportedFunctions: [TN3270EFunction]
    /// Sequence number of the first record the host sends.
    public var firstSequenceNumber: UInt16
    public var maximumRecordLength: Int
    public var maximumFunctionRounds: Int
    /// Start with IAC DO START_TLS (draft-altman-telnet-starttls) before the 3270 dialogue;
    /// a client that refuses (WONT) goes on in plaintext.
    public var offersStartTLS = false

    public init(
        offersTN3270E: Bool = true,
        supportedFunctions: [TN3270EFunction] = [.responses],
        firstSequenceNumber: UInt16 = 0,
        maximumRecordLength: Int = 1 << 20,
        maximumFunctionRounds: Int = 4
    ) {
        self.offersTN3270E = offersTN3270E
        self.supportedFunctions = supportedFunctions
        self.firstSequenceNumber = firstSequenceNumber
        self.maximumRecordLength = maximumRecordLength
        self.maximumFunctionRounds = maximumFunctionRounds
    }

    /// A host that speaks only basic TN3270 (RFC 1576 + RFC 1646).
    public static let basicOnly = TN3270ServerConfiguration(offersTN3270E: false, supportedFunctions: [])
}
