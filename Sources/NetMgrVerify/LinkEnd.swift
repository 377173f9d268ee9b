/// How an SDLC link (one SNRM/UA establishment) ended, as far as the capture shows.
public enum LinkEnd: String, Hashable, Sendable, Codable {
    /// DISC answered by UA (or RD).
    case disconnected = "disc"
    /// The station answered DM: it is in disconnected mode.
    case disconnectedMode = "dm"
    /// The primary contacted the station again (XID or SNRM) without a DISC: it had
    /// declared the link down, typically after unanswered polls.
    case recontacted = "re-contacted"
    /// No frame for the station for longer than the silence limit (`--link-silence`).
    case silence
    /// Still up when the capture ended.
    case captureEnd = "capture-end"
}
