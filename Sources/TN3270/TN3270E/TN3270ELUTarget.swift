/// What a DEVICE-TYPE REQUEST asks for beyond the device type.
public enum TN3270ELUTarget: Hashable, Sendable {
    /// No CONNECT: any LU (the server picks from its pool).
    case any
    /// CONNECT <name>: a specific LU, or a pool name.
    case connect(String)
    /// ASSOCIATE <name>: the printer associated with terminal <name>.
    case associate(String)

    public var connectName: String? {
        if case .connect(let name) = self { return name }
        return nil
    }
}
