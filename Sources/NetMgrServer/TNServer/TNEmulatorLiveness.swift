import NIOCore

/// The deadlines of one emulator connection, as a value type: the negotiation must end in
/// a bound session by `negotiationTimeout`; after that an emulator silent for
/// `probeInterval` is sent IAC DO TIMING-MARK and closed if nothing comes back (any byte
/// counts, the WILL/WONT answer included) within `probeTimeout`.
struct TNEmulatorLiveness: Equatable {
    enum Action: Equatable {
        case none
        /// Send a TIMING-MARK probe now.
        case probe
        /// Close the connection, for this reason.
        case close(String)
    }

    let negotiationTimeout: TimeAmount
    /// Nil: never probe.
    let probeInterval: TimeAmount?
    let probeTimeout: TimeAmount
    private(set) var negotiationDeadline: NIODeadline?
    private(set) var lastHeard: NIODeadline
    private(set) var probeSentAt: NIODeadline?

    init(negotiationTimeout: TimeAmount, probeInterval: TimeAmount?, probeTimeout: TimeAmount, now: NIODeadline) {
        self.negotiationTimeout = negotiationTimeout
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        self.negotiationDeadline = now + negotiationTimeout
        self.lastHeard = now
    }

    /// The emulator sent something.
    mutating func heard(now: NIODeadline) {
        lastHeard = now
        probeSentAt = nil
    }

    /// The session is bound: the negotiation deadline no longer applies.
    mutating func bound() {
        negotiationDeadline = nil
    }

    mutating func tick(now: NIODeadline) -> Action {
        if let negotiationDeadline, now >= negotiationDeadline {
            self.negotiationDeadline = nil
            return .close("no bound session within \(Self.seconds(negotiationTimeout)) s of connecting (negotiation deadline)")
        }
        guard negotiationDeadline == nil, let probeInterval else { return .none }
        if let sent = probeSentAt {
            return now >= sent + probeTimeout ? .close("no answer to TIMING-MARK within \(Self.seconds(probeTimeout)) s; the emulator is gone") : .none
        }
        guard now >= lastHeard + probeInterval else { return .none }
        probeSentAt = now
        return .probe
    }

    /// When `tick` has something to do next; nil: nothing (bound, probing off).
    var nextDeadline: NIODeadline? {
        if let negotiationDeadline { return negotiationDeadline }
        guard let probeInterval else { return nil }
        return probeSentAt.map { $0 + probeTimeout } ?? lastHeard + probeInterval
    }

    static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
    }
}
