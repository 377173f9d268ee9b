/// A host TN3270 endpoint the verifier looked at, and how it learned of it.
public struct HostEntry: Hashable, Sendable, Codable {
    public var endpoint: EndpointFact
    public var source: HostSource
    /// Connections to it in the capture.
    public var connections: Int
}
