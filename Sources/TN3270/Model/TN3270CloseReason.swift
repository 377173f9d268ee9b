/// Why a state machine asks its owner to close the connection.
public enum TN3270CloseReason: Hashable, Sendable, CustomStringConvertible {
    case protocolError(TN3270ProtocolError)
    /// Server, basic TN3270: the owner rejected the LU and RFC 1646 has no
    /// reject message, so the connection is closed.
    case rejected(TN3270ERejectReason)

    public var description: String {
        switch self {
        case .protocolError(let error): "protocol error: \(error)"
        case .rejected(let reason): "LU rejected (\(reason)); basic TN3270 has no reject message"
        }
    }
}
