import PacketCapture

/// An IP address and port as a report shows them.
public struct EndpointFact: Hashable, Sendable, Codable, CustomStringConvertible {
    public var address: String
    public var port: Int

    public init(address: String, port: Int) {
        self.address = address
        self.port = port
    }

    init(_ endpoint: TCPEndpoint) {
        self.address = endpoint.address.description
        self.port = Int(endpoint.port)
    }

    /// "127.0.0.1:23", "[::1]:23".
    public var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
}
