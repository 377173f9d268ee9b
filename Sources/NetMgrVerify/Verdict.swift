/// Whether a failover boundary kept the promise.
public enum Verdict: String, Hashable, Sendable, Codable {
    /// The host saw what was promised (○ the same address, △ a different one).
    case kept
    /// It did not.
    case broken
    /// The capture lacks a fact the comparison needs (e.g. no XID after the boundary).
    case undetermined
    /// Not a failover: the same node reconnected (own address `none`, both sides from one
    /// node's real address), so a △ promise does not apply.
    case notFailover = "not-a-failover"
    /// No promise to check: neither the definitions nor `--expect` describe the terminal.
    case unchecked
}
