import NIOCore

/// Notices a silent peer connection (a peer that lost power leaves a half-open TCP
/// connection that never closes). Value type: time is an input, and each tick says
/// whether to ping, or to give up on the connection so the watcher reconnects.
/// Any frame from the peer counts as a sign of life; a PONG is only the cheapest one.
struct PeerKeepalive: Sendable, Equatable {
    struct Timing: Sendable, Equatable {
        /// Ping after this long without a frame from the peer.
        var interval: TimeAmount
        /// Give up after this long without a frame.
        var deadline: TimeAmount

        static let standard = Timing(interval: .seconds(1), deadline: .seconds(3))
    }

    enum Action: Sendable, Equatable {
        case none
        case ping(token: UInt64)
        case giveUp(silentFor: TimeAmount)
    }

    let timing: Timing
    private var lastHeard: NIODeadline
    private var lastPing: NIODeadline?
    private var nextToken: UInt64 = 1

    init(timing: Timing, now: NIODeadline) {
        self.timing = timing
        self.lastHeard = now
    }

    mutating func heard(now: NIODeadline) {
        lastHeard = max(lastHeard, now)
    }

    mutating func tick(now: NIODeadline) -> Action {
        let silence = now - lastHeard
        if silence >= timing.deadline { return .giveUp(silentFor: silence) }
        guard silence >= timing.interval else { return .none }
        // One ping per interval of silence, not one per tick.
        if let lastPing, now - lastPing < timing.interval { return .none }
        lastPing = now
        defer { nextToken &+= 1 }
        return .ping(token: nextToken)
    }
}
