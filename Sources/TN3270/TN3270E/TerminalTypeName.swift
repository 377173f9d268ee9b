/// A terminal type string split per RFC 1646: `IBM-3278-2@LUNAME`.
public struct TerminalTypeName: Hashable, Sendable, CustomStringConvertible {
    public var deviceType: String
    public var luName: String?

    public init(deviceType: String, luName: String?) {
        self.deviceType = deviceType
        self.luName = luName
    }

    /// Splits at the first "@"; an empty suffix means no LU.
    public init(parsing string: String) {
        if let at = string.firstIndex(of: "@") {
            self.deviceType = String(string[..<at])
            let lu = String(string[string.index(after: at)...])
            self.luName = lu.isEmpty ? nil : lu
        } else {
            self.deviceType = string
            self.luName = nil
        }
    }

    public var description: String {
        self.luName.map { "\(self.deviceType)@\($0)" } ?? self.deviceType
    }
}
