import NetMgrCore

/// One line's state as STATUS reports it.
public struct LineSwitchStatus: Hashable, Sendable {
    public var unit: LineSwitchUnit
    /// The node the host side is connected to (nil before the first switch).
    public var node: String?
    public var epoch: UInt64
    public var switches: Int
    public var hostConnected: Bool
    /// Node names whose port has a TCP connection now.
    public var nodesConnected: [String]
    public var nodes: [String]
    /// Frames the monitor decoded on the host side, per direction.
    public var framesFromHost: Int
    public var framesToHost: Int
    /// Bytes that arrived from a node the line was not switched to (they went nowhere).
    public var bytesDropped: Int

    /// The STATUS reply line.
    public var line: String {
        let ports = nodes.map { "\($0):\(nodesConnected.contains($0) ? "connected" : "idle")" }.joined(separator: ",")
        return "LINE \"\(unit)\" NODE \(node ?? "-") EPOCH \(epoch) SWITCHES \(switches) HOST \(hostConnected ? "connected" : "idle")"
            + " NODES \(ports) FRAMES-FROM-HOST \(framesFromHost) FRAMES-TO-HOST \(framesToHost) DROPPED-BYTES \(bytesDropped)"
    }
}
