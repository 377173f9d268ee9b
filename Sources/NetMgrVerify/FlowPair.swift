import PacketCapture

/// A connection's two endpoints, lower first, so both directions find the same entry.
struct FlowPair: Hashable {
    var low: TCPEndpoint
    var high: TCPEndpoint

    init(_ a: TCPEndpoint, _ b: TCPEndpoint) {
        if a < b {
            low = a
            high = b
        } else {
            low = b
            high = a
        }
    }
}
