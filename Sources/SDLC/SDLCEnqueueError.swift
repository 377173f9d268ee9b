/// Why a station's `enqueue` refused an I-field (primary and secondary alike).
public enum SDLCEnqueueError: Error, Hashable, Sendable, CustomStringConvertible {
    case linkDown
    case tooLong(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .linkDown: return "SDLC link is down, I-field not queued"
        case .tooLong(let length, let limit): return "I-field of \(length) bytes exceeds the limit of \(limit)"
        }
    }
}
