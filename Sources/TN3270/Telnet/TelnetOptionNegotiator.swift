/// Per-option negotiation state after RFC 1143's "Q method" (without its
/// queue bits): it never answers a request for a state the option is already
/// in, which is what keeps two telnet parties from looping (RFC 854, "General
/// Considerations").
///
/// "Local" is the option on our side (we say WILL/WONT), "remote" is the
/// option on the peer's side (we say DO/DONT).
struct TelnetOptionNegotiator: Hashable, Sendable {
    enum State: UInt8, Hashable, Sendable {
        case no, yes, wantNo, wantYes
    }

    /// What a received negotiation changed.
    enum Change: Hashable, Sendable {
        case enabled(Side)
        case disabled(Side)
        /// We asked to enable and the peer refused.
        case refused(Side)
    }

    enum Side: Hashable, Sendable {
        case local, remote
    }

    struct Outcome: Hashable, Sendable {
        var reply: TelnetVerb?
        var change: Change?
    }

    private var local: [UInt8: State] = [:]
    private var remote: [UInt8: State] = [:]

    func state(_ option: TelnetOption, _ side: Side) -> State {
        switch side {
        case .local: self.local[option.rawValue] ?? .no
        case .remote: self.remote[option.rawValue] ?? .no
        }
    }

    func isEnabled(_ option: TelnetOption, _ side: Side) -> Bool {
        self.state(option, side) == .yes
    }

    /// Handles a received WILL/WONT/DO/DONT. `acceptable` says whether we
    /// agree to the option being enabled on the side the verb is about.
    mutating func receive(_ verb: TelnetVerb, _ option: TelnetOption, acceptable: Bool) -> Outcome {
        switch verb {
        case .will: self.receiveEnable(option, side: .remote, acceptable: acceptable)
        case .do: self.receiveEnable(option, side: .local, acceptable: acceptable)
        case .wont: self.receiveDisable(option, side: .remote)
        case .dont: self.receiveDisable(option, side: .local)
        }
    }

    /// Asks for the option to be enabled on `side`; returns the verb to send, if any.
    mutating func requestEnable(_ option: TelnetOption, _ side: Side) -> TelnetVerb? {
        guard self.state(option, side) == .no else { return nil }
        self.set(option, side, .wantYes)
        return side == .local ? .will : .do
    }

    /// Asks for the option to be disabled on `side`; returns the verb to send, if any.
    mutating func requestDisable(_ option: TelnetOption, _ side: Side) -> TelnetVerb? {
        guard self.state(option, side) == .yes || self.state(option, side) == .wantYes else { return nil }
        self.set(option, side, .wantNo)
        return side == .local ? .wont : .dont
    }

    private mutating func receiveEnable(_ option: TelnetOption, side: Side, acceptable: Bool) -> Outcome {
        let agree: TelnetVerb = side == .local ? .will : .do
        let refuse: TelnetVerb = side == .local ? .wont : .dont
        switch self.state(option, side) {
        case .no:
            guard acceptable else { return Outcome(reply: refuse) }
            self.set(option, side, .yes)
            return Outcome(reply: agree, change: .enabled(side))
        case .yes:
            return Outcome()
        case .wantNo:
            // RFC 1143: our disable request was answered by an enable; give up.
            self.set(option, side, .no)
            return Outcome(change: .disabled(side))
        case .wantYes:
            self.set(option, side, .yes)
            return Outcome(change: .enabled(side))
        }
    }

    private mutating func receiveDisable(_ option: TelnetOption, side: Side) -> Outcome {
        let acknowledge: TelnetVerb = side == .local ? .wont : .dont
        switch self.state(option, side) {
        case .no:
            return Outcome()
        case .yes:
            self.set(option, side, .no)
            return Outcome(reply: acknowledge, change: .disabled(side))
        case .wantNo:
            self.set(option, side, .no)
            return Outcome(change: .disabled(side))
        case .wantYes:
            self.set(option, side, .no)
            return Outcome(change: .refused(side))
        }
    }

    private mutating func set(_ option: TelnetOption, _ side: Side, _ state: State) {
        switch side {
        case .local: self.local[option.rawValue] = state
        case .remote: self.remote[option.rawValue] = state
        }
    }
}
