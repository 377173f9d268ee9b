/// How the client asks for its LU.
public struct TN3270ClientConfiguration: Hashable, Sendable {
    /// The LU to open: CONNECT name in TN3270E, `@LU` suffix in basic
    /// TN3270 (RFC 1646). Nil asks for any LU.
    public var luName: String?
    /// TN3270E device type and basic TERMINAL-TYPE, e.g. "IBM-3278-2" or "IBM-3279-4-E".
    public var deviceType: String
    /// Functions asked for in FUNCTIONS REQUEST; also the set we agree to
    /// when the host proposes its own.
    public var requestedFunctions: [TN3270EFunction]
    /// False refuses DO TN3270E and goes straight to basic TN3270.
    public var allowsTN3270E: Bool
    /// Answer host records marked ALWAYS-RESPONSE with a positive RESPONSE.
    public var acknowledgesHostRequests: Bool
    /// Sequence number of the first record we send (tests use it to reach the wrap).
    public var firstSequenceNumber: UInt16
    public var maximumRecordLength: Int
    /// FUNCTIONS REQUEST rounds before giving up on agreement.
    public var maximumFunctionRounds: Int
    /// Telnet STARTTLS (draft-altman-telnet-starttls) is required: the host must start with
    /// IAC DO START_TLS; anything else before it closes the connection (never plaintext).
    /// False refuses START_TLS with WONT (a connection that is TLS already, or plain).
    public var requiresStartTLS = false

    public init(
        luName: String?,
        deviceType: String = "IBM-3278-2",
        requestedFunctions: [TN3270EFunction] = [.responses],
        allowsTN3270E: Bool = true,
        acknowledgesHostRequests: Bool = true,
        firstSequenceNumber: UInt16 = 0,
        maximumRecordLength: Int = 1 << 20,
        maximumFunctionRounds: Int = 4
    ) {
        self.luName = luName
        self.deviceType = deviceType
        self.requestedFunctions = requestedFunctions
        self.allowsTN3270E = allowsTN3270E
        self.acknowledgesHostRequests = acknowledgesHostRequests
        self.firstSequenceNumber = firstSequenceNumber
        self.maximumRecordLength = maximumRecordLength
        self.maximumFunctionRounds = maximumFunctionRounds
    }
}
