/// A count per direction of a connection.
public struct DirectionCounts: Hashable, Sendable, Codable {
    public var fromClient: Int
    public var fromHost: Int

    public init(fromClient: Int = 0, fromHost: Int = 0) {
        self.fromClient = fromClient
        self.fromHost = fromHost
    }

    public var total: Int { fromClient + fromHost }
}
