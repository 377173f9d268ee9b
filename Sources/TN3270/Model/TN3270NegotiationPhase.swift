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
    /// STARTTLS: START_TLS negotiation or the TLS handshake after it under way.
    case startTLS

    public var description: String {
        switch self {
        case .initial: "initial negotiation"
        case .tn3270eDeviceType: "TN3270E DEVICE-TYPE negotiation"
        case .tn3270eRejected(let reason): "TN3270E DEVICE-TYPE rejected (\(reason))"
        case .awaitingGrant(let request): "waiting for a grant of \(request)"
        case .tn3270eFunctions: "TN3270E FUNCTIONS negotiation"
        case .terminalType: "TERMINAL-TYPE negotiation"
        case .basicOptions: "BINARY/EOR negotiation"
        case .startTLS: "STARTTLS negotiation"
        }
    }
}
