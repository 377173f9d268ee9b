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
