import NIOCore

/// Finds dead connections the way hosts do: a link that was cut sends no FIN, so after
/// `interval` without hearing from the client the host asks IAC DO TIMING-MARK, and when
/// nothing arrives within `timeout` it declares the connection dead. Any bytes from the
/// client count as an answer. The clock is passed in.
public struct TN3270HostLiveness: Sendable, Hashable {
    public enum Action: Hashable, Sendable {
        case none
        /// Send a probe now.
        case probe
        /// The probe went unanswered: close the connection and free its LU.
        case timedOut
    }

    public let interval: TimeAmount
    public let timeout: TimeAmount
    public private(set) var lastHeard: NIODeadline
    public private(set) var probeSentAt: NIODeadline?

    public init(interval: TimeAmount, timeout: TimeAmount, now: NIODeadline) {
        self.interval = interval
        self.timeout = timeout
        self.lastHeard = now
    }

    /// The client sent something (data, negotiation, a probe answer).
    public mutating func heard(now: NIODeadline) {
        lastHeard = now
        probeSentAt = nil
    }

    public mutating func tick(now: NIODeadline) -> Action {
        if let sent = probeSentAt {
            return now >= sent + timeout ? .timedOut : .none
        }
        guard now >= lastHeard + interval else { return .none }
        probeSentAt = now
        return .probe
    }

    /// When `tick` has something to do next.
    public var nextDeadline: NIODeadline {
        probeSentAt.map { $0 + timeout } ?? lastHeard + interval
    }
}
