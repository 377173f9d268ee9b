/// Where a connection stood before it was bound.
public enum TN3270NegotiationPhase: Hashable, Sendable, CustomStringConvertible {
    /// Nothing decisive yet (client: no DO TN3270E / DO TERMINAL-TYPE seen;
    /// server: not started or waiting for the first answer).
    case initial
    /// TN3270E device-type exchange under way.
    case tn3270eDeviceType
    /// The last DEVICE-TYPE REQUEST was rejected; nothing retried since.
    case tn3270eRejected(TN3270ERejectReason)
    /// Waiting for the server's owner to grant or reject an LU.
    case awaitingGrant(TN3270LURequest)
    /// TN3270E FUNCTIONS exchange under way.
    case tn3270eFunctions
    /// Basic TN3270: TERMINAL-TYPE exchange under way.
    case terminalType
    /// Basic TN3270: BINARY / EOR negotiation under way.
    case basicOptions

    public var description: String {
        switch self {
        case .initial: "initial negotiation"
        case .tn3270eDeviceType: "TN3270E DEVICE-TYPE negotiation"
        case .tn3270eRejected(let reason): "TN3270E DEVICE-TYPE rejected (\(reason))"
        case .awaitingGrant(let request): "waiting for a grant of \(request)"
        case .tn3270eFunctions: "TN3270E FUNCTIONS negotiation"
        case .terminalType: "TERMINAL-TYPE negotiation"
        case .basicOptions: "BINARY/EOR negotiation"
        }
    }
}

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

/// What `connectionClosed()` reports: how far the connection got.
public enum TN3270ConnectionOutcome: Hashable, Sendable, CustomStringConvertible {
    case closedBeforeBound(TN3270NegotiationPhase)
    case closedAfterBound(TN3270Binding)
    /// The machine had already asked to close for this reason.
    case closedAfter(TN3270CloseReason)

    public var description: String {
        switch self {
        case .closedBeforeBound(let phase): "closed before bound, during \(phase)"
        case .closedAfterBound(let binding): "closed after bound (\(binding))"
        case .closedAfter(let reason): "closed after \(reason)"
        }
    }
}
