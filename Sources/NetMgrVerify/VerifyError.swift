import PacketCapture

/// Why a capture could not be verified at all (exit 2).
public enum VerifyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The capture file: missing, empty, not a capture, truncated, corrupt, an
    /// unsupported link type, a pcapng mixing link types... (the reader's message).
    case capture(CaptureError)

    public var description: String {
        switch self {
        case .capture(let error): return error.description
        }
    }
}
