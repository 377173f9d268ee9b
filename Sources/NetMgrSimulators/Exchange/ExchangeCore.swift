import NIOCore

/// The kind of a subscriber line at the exchange.
public enum ExchangeLineKind: String, Hashable, Sendable {
    /// A telephone line with a modem at the exchange (Hayes or V.25bis towards its DTE).
    case analogue
    /// An ISDN basic-rate interface (Q.931 network side on its D channel).
    case isdn
}

/// Why a call attempt failed, as the caller is told. Causes per Q.850.
public enum ExchangeCallFailure: String, Hashable, Sendable, CaseIterable {
    /// The called line is in a call (or ringing) or has no DTE connected.
    case busy
    /// The called line did not answer within the no-answer time.
    case noAnswer = "no-answer"
    /// The calling line is not in service.
    case noDialtone = "no-dialtone"
    /// No line has the dialled number.
    case unallocated
    /// An analogue line called an ISDN line or the reverse: the bearers do not meet.
    case incompatible
    /// The called party refused the ringing call (V.25bis DIC, ISDN release before answer).
    case rejected

    public var cause: UInt8 {
        switch self {
        case .busy: return 17
        case .noAnswer: return 19
        case .noDialtone: return 41
        case .unallocated: return 1
        case .incompatible: return 88
        case .rejected: return 21
        }
    }
}

/// One call as the exchange logs it: who called whom, how it ended and why.
public struct ExchangeCallRecord: Hashable, Sendable, CustomStringConvertible {
    public var calling: String
    public var called: String
    /// `connected` for a call that was through (then cleared), else the failure's name.
    public var result: String
    /// Q.850 cause of the clearing (16 normal clearing for a connected call).
    public var cause: UInt8
    /// Dial → connect, when the call was connected.
    public var setupTime: TimeAmount?
    /// Connect → clear, when the call was connected.
    public var duration: TimeAmount?
    /// Which side cleared a connected call (its number), or nil.
    public var clearedBy: String?

    public var description: String {
        var text = "call \(calling) → \(called): \(result), cause \(cause)"
        if let setupTime { text += ", set up in \(setupTime.nanoseconds / 1_000_000) ms" }
        if let duration { text += ", lasted \(duration.nanoseconds / 1_000_000) ms" }
        if let clearedBy { text += ", cleared by \(clearedBy)" }
        return text
    }
}

/// The exchange's call routing, as a value: which lines are in service, which calls ring,
/// train or are through. Events in (a line dialled, answered, hung up, lost its DTE; time
/// passed), actions out (ring a line, connect two lines' data paths, fail a call, clear a
/// line). The owner turns actions into modem results and Q.931 messages. One call per line.
public struct ExchangeCore: Sendable {
    public struct Settings: Hashable, Sendable {
        /// Ringing → the caller is told NO ANSWER.
        public var noAnswer: TimeAmount
        /// Answer → CONNECT on a call between analogue lines (the modems train).
        public var modemConnect: TimeAmount
        /// Answer → CONNECT on a call between ISDN lines.
        public var isdnConnect: TimeAmount

        public init(noAnswer: TimeAmount = .seconds(30), modemConnect: TimeAmount = .milliseconds(1500), isdnConnect: TimeAmount = .milliseconds(200)) {
            self.noAnswer = noAnswer
            self.modemConnect = modemConnect
            self.isdnConnect = isdnConnect
        }
    }

    public enum Action: Hashable, Sendable {
        /// Offer a call to `line` showing `callingNumber` (RING + caller id, or SETUP).
        case ring(line: String, callingNumber: String)
        /// The call offered to `line` went away before it answered (stop ringing).
        case stopRinging(line: String, cause: UInt8)
        /// Both lines are through: CONNECT to both, relay their data from now on.
        case connect(calling: String, called: String)
        /// The call `line` placed failed (BUSY, NO ANSWER, NO DIALTONE, …).
        case callFailed(line: String, ExchangeCallFailure)
        /// The other side of `line`'s call hung up (NO CARRIER, DISCONNECT).
        case clear(line: String, cause: UInt8)
        /// A call is over: log it.
        case callEnded(ExchangeCallRecord)
        case setTimer(NIODeadline)
    }

    public enum CallPhase: Hashable, Sendable {
        case ringing(until: NIODeadline)
        /// Answered; the connection is made at `at` (modem training, ISDN set-up).
        case connecting(at: NIODeadline)
        case connected(since: NIODeadline)
    }

    public struct Call: Hashable, Sendable {
        public var calling: String
        public var called: String
        public var phase: CallPhase
        public var dialled: NIODeadline
    }

    struct LineState: Hashable, Sendable {
        var kind: ExchangeLineKind
        var inService = false
        var call: Int?
    }

    public let settings: Settings
    private var lines: [String: LineState]
    public private(set) var calls: [Int: Call] = [:]
    private var nextCallID = 1

    public init(lines: [String: ExchangeLineKind], settings: Settings = Settings()) {
        self.settings = settings
        self.lines = lines.mapValues { LineState(kind: $0) }
    }

    public var numbers: [String] { lines.keys.sorted() }
    public func kind(of number: String) -> ExchangeLineKind? { lines[number]?.kind }
    public func isInService(_ number: String) -> Bool { lines[number]?.inService ?? false }
    /// The call `number` takes part in.
    public func call(of number: String) -> Call? { lines[number]?.call.flatMap { calls[$0] } }
    /// The other party of `number`'s call, once it is connected.
    public func connectedPeer(of number: String) -> String? {
        guard let call = call(of: number), case .connected = call.phase else { return nil }
        return call.calling == number ? call.called : call.calling
    }

    public var nextDeadline: NIODeadline? {
        calls.values.compactMap { call -> NIODeadline? in
            switch call.phase {
            case .ringing(let until): return until
            case .connecting(let at): return at
            case .connected: return nil
            }
        }.min()
    }

    /// The line's DTE connection came up (in service) or went away (DTR drop, layer 1 down):
    /// going out of service hangs up its call.
    public mutating func lineService(_ number: String, inService: Bool, now: NIODeadline) -> [Action] {
        guard lines[number] != nil else { return [] }
        var actions: [Action] = []
        if !inService { actions = hangUp(number, cause: 16, now: now) }
        lines[number]?.inService = inService
        return actions
    }

    /// `from` went off hook and dialled `number`.
    public mutating func dial(from: String, to number: String, now: NIODeadline) -> [Action] {
        guard let caller = lines[from] else { return [] }
        guard caller.inService, caller.call == nil else {
            return fail(from, to: number, .noDialtone, now: now)
        }
        guard let called = lines[number] else { return fail(from, to: number, .unallocated, now: now) }
        guard called.kind == caller.kind else { return fail(from, to: number, .incompatible, now: now) }
        guard number != from, called.inService, called.call == nil else { return fail(from, to: number, .busy, now: now) }
        let id = nextCallID
        nextCallID &+= 1
        calls[id] = Call(calling: from, called: number, phase: .ringing(until: now + settings.noAnswer), dialled: now)
        lines[from]?.call = id
        lines[number]?.call = id
        return [.ring(line: number, callingNumber: from)] + timer()
    }

    /// `number` went off hook to answer its ringing call.
    public mutating func answer(_ number: String, now: NIODeadline) -> [Action] {
        guard let id = lines[number]?.call, var call = calls[id], call.called == number, case .ringing = call.phase else { return [] }
        let setup = lines[number]?.kind == .isdn ? settings.isdnConnect : settings.modemConnect
        call.phase = .connecting(at: now + setup)
        calls[id] = call
        return timer()
    }

    /// `number` hung up (ATH, DTR drop, DISCONNECT, DIC): its call ends, the other side is told.
    public mutating func hangUp(_ number: String, cause: UInt8 = 16, now: NIODeadline) -> [Action] {
        guard let id = lines[number]?.call, let call = calls[id] else { return [] }
        let other = call.calling == number ? call.called : call.calling
        end(id)
        switch call.phase {
        case .ringing where number == call.calling:
            return [.stopRinging(line: call.called, cause: cause),
                    .callEnded(record(call, "abandoned", cause: cause, now: now))] + timer()
        case .ringing:
            return [.callFailed(line: call.calling, .rejected),
                    .callEnded(record(call, ExchangeCallFailure.rejected.rawValue, cause: ExchangeCallFailure.rejected.cause, now: now))] + timer()
        case .connecting:
            return [.clear(line: other, cause: cause), .callEnded(record(call, "cleared while connecting", cause: cause, now: now))] + timer()
        case .connected(let since):
            var result = record(call, "connected", cause: cause, now: now)
            result.setupTime = since - call.dialled
            result.duration = now - since
            result.clearedBy = number
            return [.clear(line: other, cause: cause), .callEnded(result)] + timer()
        }
    }

    /// Time passed: unanswered calls fail, answered calls connect.
    public mutating func tick(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        for id in calls.keys.sorted() {
            guard var call = calls[id] else { continue }
            switch call.phase {
            case .ringing(let until) where until <= now:
                end(id)
                actions += [.stopRinging(line: call.called, cause: ExchangeCallFailure.noAnswer.cause),
                            .callFailed(line: call.calling, .noAnswer),
                            .callEnded(record(call, ExchangeCallFailure.noAnswer.rawValue, cause: ExchangeCallFailure.noAnswer.cause, now: now))]
            case .connecting(let at) where at <= now:
                call.phase = .connected(since: now)
                calls[id] = call
                actions.append(.connect(calling: call.calling, called: call.called))
            default:
                break
            }
        }
        return actions + timer()
    }

    private mutating func end(_ id: Int) {
        guard let call = calls.removeValue(forKey: id) else { return }
        lines[call.calling]?.call = nil
        lines[call.called]?.call = nil
    }

    private func fail(_ from: String, to number: String, _ failure: ExchangeCallFailure, now: NIODeadline) -> [Action] {
        let record = ExchangeCallRecord(calling: from, called: number, result: failure.rawValue, cause: failure.cause)
        return [.callFailed(line: from, failure), .callEnded(record)]
    }

    private func record(_ call: Call, _ result: String, cause: UInt8, now: NIODeadline) -> ExchangeCallRecord {
        ExchangeCallRecord(calling: call.calling, called: call.called, result: result, cause: cause)
    }

    private func timer() -> [Action] {
        nextDeadline.map { [.setTimer($0)] } ?? []
    }
}
