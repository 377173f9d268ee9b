/// One terminal as the host knows it, across the capture: on the IP path an LU at a host
/// endpoint, on the line path a station address. Its episodes, the attempts between
/// them, the failover boundaries and the promise they were checked against.
public struct Terminal: Hashable, Sendable, Codable {
    /// "ip" or "sdlc".
    public var kind: String
    /// "VIPLU01 at 127.0.0.100:2323", "station 0xC1".
    public var name: String
    public var host: EndpointFact?
    /// Nil when the LU was never named on the wire (basic TN3270 without `@LU`).
    public var lu: String?
    public var station: String?
    public var promise: PromiseFact?
    public var episodes: [Episode]
    public var attempts: [Attempt]
    public var boundaries: [FailoverBoundary]
    public var notes: [String]
}
