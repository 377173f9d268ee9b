/// The outcome of a successful negotiation: the session is bound to an LU
/// and 3270 records can flow.
public struct TN3270Binding: Hashable, Sendable, CustomStringConvertible {
    public var dialect: TN3270Dialect
    /// The LU the session is on: DEVICE-TYPE IS ... CONNECT name in TN3270E;
    /// in basic TN3270 the requested `@LU` (the host does not echo it), or
    /// the owner's grant on the server side. Nil when nobody named one.
    public var luName: String?
    /// What the client asked for (CONNECT name or `@LU`); nil for a generic request.
    public var requestedLUName: String?
    public var deviceType: String
    /// TN3270E functions both sides agreed; empty in basic TN3270.
    public var functions: Set<TN3270EFunction>

    public init(
        dialect: TN3270Dialect,
        luName: String?,
        requestedLUName: String?,
        deviceType: String,
        functions: Set<TN3270EFunction> = []
    ) {
        self.dialect = dialect
        self.luName = luName
        self.requestedLUName = requestedLUName
        self.deviceType = deviceType
        self.functions = functions
    }

    /// Whether record responses (RFC 2355 RESPONSES) are in use.
    public var responsesEnabled: Bool {
        self.dialect == .tn3270e && self.functions.contains(.responses)
    }

    public var description: String {
        let functions = self.functions.sorted().map(\.description).joined(separator: ",")
        return "\(self.dialect) LU \(self.luName ?? "(unnamed)") type \(self.deviceType)"
            + (self.dialect == .tn3270e ? " functions [\(functions)]" : "")
    }
}
