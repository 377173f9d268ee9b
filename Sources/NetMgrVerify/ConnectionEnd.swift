/// How a TCP connection ended, as far as the capture shows.
public enum ConnectionEnd: String, Hashable, Sendable, Codable {
    /// Both sides sent FIN.
    case fin
    /// A RST.
    case reset
    /// Still open when the capture ended (a node that died without a FIN looks like this).
    case captureEnd = "capture-end"
    /// A new SYN reused the address/port pair.
    case portReused = "port-reused"
}
