/// One side of a terminal connection: the terminal (TCP client) or the host.
public enum ConnectionSide: String, Hashable, Sendable, Codable {
    case client
    case host
}
