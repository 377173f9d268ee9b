import NetMgrCore

/// The promise a terminal's boundaries are checked against, and where it came from.
public struct PromiseFact: Hashable, Sendable, Codable {
    public struct NodeAddress: Hashable, Sendable, Codable {
        public var node: String
        public var address: String
    }

    /// "same" (○) or "different" (△).
    public var expected: FailoverPromise
    public var symbol: String
    /// "definitions" or "expect".
    public var source: String
    public var resource: String?
    public var procedure: String?
    /// Why, in one sentence.
    public var reason: String
    /// What the definitions say the host sees from each node.
    public var addressByNode: [NodeAddress]?
}
