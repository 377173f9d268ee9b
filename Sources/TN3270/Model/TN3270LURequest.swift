/// What a client asked the server for, surfaced to the server's owner, who
/// answers with `grant(luName:)` or `reject(_:)`.
public struct TN3270LURequest: Hashable, Sendable, CustomStringConvertible {
    public var dialect: TN3270Dialect
    public var deviceType: String
    /// `.any` for a generic request (no CONNECT, no `@`).
    public var target: TN3270ELUTarget

    public init(dialect: TN3270Dialect, deviceType: String, target: TN3270ELUTarget) {
        self.dialect = dialect
        self.deviceType = deviceType
        self.target = target
    }

    /// The specific LU asked for, if any.
    public var luName: String? { self.target.connectName }

    public var description: String {
        switch self.target {
        case .any: "\(self.dialect) \(self.deviceType) any LU"
        case .connect(let name): "\(self.dialect) \(self.deviceType) LU \(name)"
        case .associate(let name): "\(self.dialect) \(self.deviceType) associated with \(name)"
        }
    }
}
