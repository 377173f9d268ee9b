/// How the verifier knew an endpoint was a host's TN3270 server.
public enum HostSource: String, Hashable, Sendable, Codable {
    /// A resource's `host:` in the definitions.
    case definitions
    /// `--host ADDR:PORT`.
    case option
    /// The side that sent DO TERMINAL-TYPE / DO TN3270E (or answered an LU request).
    case negotiation
}
