import Logging
import NIOCore
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import TN3270

/// `LUDeliveryMachine` wired to a real `TN3270ServerStateMachine` as the host, without
/// sockets: the test picks what the host does next, the world moves the bytes and time,
/// and it records every violation of the delivery rules it sees.
struct LUDeliveryWorld {
    /// What the host does, one step at a time.
    enum HostStep: Int, CaseIterable {
        case submit, restoreKeyboard, paintScreen, query, respondPositive, respondNegative, closeConnection
        case fireTimer, grantSlot, completeConnect, failConnect, rejectNextRequest, refuseNextRequestPermanently, advanceTime
        /// A first screen other than the refusal, without the keyboard (Hercules' device screen with no OS).
        case paintOtherScreen
    }

    private(set) var machine: LUDeliveryMachine
    let hostConfiguration: TN3270ServerConfiguration
    private(set) var host: TN3270ServerStateMachine?
    private(set) var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private(set) var timers: [LUDeliveryMachine.Timer: NIODeadline] = [:]
    private var slotRequested = false
    private var connectPending = false
    private(set) var slotsHeld = 0
    private var closeRequested = false
    private var nextRequestAnswer: TN3270ERejectReason?
    private var toHost: [ByteBuffer] = []
    private var toTerminal: [ByteBuffer] = []

    private var nextSequence: UInt64 = 1
    private(set) var submitted: [UInt64] = []
    private(set) var accepted: [UInt64] = []
    private(set) var failed: [UInt64] = []
    /// Messages the host took as input: answered positively, or followed by a keyboard-restoring Write (no RESPONSES).
    private(set) var taken: Set<UInt64> = []
    private(set) var stopped = false
    private(set) var violations: [String] = []
    private(set) var records = 0
    private(set) var queryReplies = 0
    private(set) var logs: [(level: Logger.Level, message: String)] = []
    private(set) var noDefiniteResponseWarnings: [String] = []
    /// Every `.state` the machine reported, in order.
    private(set) var states: [(state: SessionState, detail: String)] = []
    /// The host refused a session at screen level (closed it bound, before taking input), with
    /// that session's last screen (nil: blank). Until a later connection shows that the host
    /// took the LU (the keyboard, or another screen), `bound` would be a lie (issue 16).
    private var refusal: String??
    /// On this connection: the host gave the keyboard back; the text it painted last.
    private var keyboardGiven = false
    private var painted: String?

    // The host's view of the terminal.
    private var bound: TN3270Binding?
    private var keyboardUnlocked = false
    private var queryPending = false
    private var unanswered: [(record: TN3270Record, sequence: UInt64)] = []
    private var lastReceivedOnConnection: UInt64 = 0
    /// Host records sent on the current connection (a basic TN3270 bind keeps its connect
    /// slot until the first of them).
    private var hostRecordsOnConnection = 0

    /// The host's dialect: basic TN3270, TN3270E with RESPONSES, or TN3270E that refuses RESPONSES.
    enum HostKind: Int, CaseIterable {
        case basic, tn3270e, tn3270eWithoutResponses
    }

    init(basicHost: Bool, refusalLimit: Int = 3) {
        self.init(host: basicHost ? .basic : .tn3270e, refusalLimit: refusalLimit)
    }

    init(host kind: HostKind, refusalLimit: Int = 3) {
        var client = TN3270ClientConfiguration(luName: "LU01", deviceType: "IBM-3278-2-E", allowsTN3270E: true)
        client.maximumRecordLength = 4096
        var configuration = LUDeliveryMachine.Configuration(client: client, retry: RetryPolicy())
        configuration.refusalLimit = refusalLimit
        machine = LUDeliveryMachine(configuration: configuration)
        switch kind {
        case .basic: hostConfiguration = .basicOnly
        case .tn3270e: hostConfiguration = TN3270ServerConfiguration()
        case .tn3270eWithoutResponses: hostConfiguration = TN3270ServerConfiguration(supportedFunctions: [])
        }
        apply(machine.start(now: now))
    }

    var responsesEnabled: Bool { bound?.responsesEnabled ?? false }
    var isBound: Bool { bound != nil }

    // MARK: - Steps

    mutating func step(_ step: HostStep) {
        switch step {
        case .submit:
            let sequence = nextSequence
            nextSequence += 1
            submitted.append(sequence)
            apply(machine.submit(MessageTag(generation: 1, sequence: sequence), Self.payload(sequence), now: now))
        case .restoreKeyboard:
            guard bound != nil else { return }
            if !responsesEnabled {
                // The host answers what it received with the keyboard back: it took it.
                for entry in unanswered { taken.insert(entry.sequence) }
                unanswered.removeAll()
            }
            keyboardUnlocked = true
            queryPending = false
            keyboardGiven = true
            hostSends(TN3270DataStream.record(.write, control: [.keyboardRestore]))
        case .paintScreen:
            guard bound != nil else { return }
            painted = "NO AVAILABLE 3270 DEVICES"
            hostSends(TN3270DataStream.record(.eraseWrite, control: [], orders: [0x1D, 0x60] + EBCDIC.encode("NO AVAILABLE 3270 DEVICES")))
        case .paintOtherScreen:
            guard bound != nil else { return }
            painted = "HERCULES DEVICE 0010"
            hostSends(TN3270DataStream.record(.eraseWrite, control: [], orders: [0x1D, 0x60] + EBCDIC.encode("HERCULES DEVICE 0010")))
        case .query:
            guard bound != nil else { return }
            queryPending = true
            keyboardUnlocked = false
            // Without RESPONSES the terminal sends again what the query crossed.
            if !responsesEnabled, let first = unanswered.first { lastReceivedOnConnection = first.sequence - 1 }
            hostSends(ByteBuffer(bytes: [0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02]))
        case .respondPositive, .respondNegative:
            guard responsesEnabled, !unanswered.isEmpty, let host else { return }
            let entry = unanswered.removeFirst()
            if step == .respondPositive { taken.insert(entry.sequence) }
            if let bytes = try? host.respond(to: entry.record, step == .respondPositive ? .positive : .negative(sense: 0x08)) {
                toTerminal.append(bytes)
            }
        case .closeConnection:
            guard host != nil else { return }
            closeConnection()
        case .fireTimer:
            guard let (timer, deadline) = timers.min(by: { $0.value < $1.value }) else { return }
            timers[timer] = nil
            if deadline > now { now = deadline }
            apply(machine.timerFired(timer, now: now))
        case .grantSlot:
            guard slotRequested else { return }
            slotRequested = false
            slotsHeld += 1
            apply(machine.slotGranted(now: now))
        case .completeConnect:
            guard connectPending else { return }
            connectPending = false
            var server = TN3270ServerStateMachine(configuration: hostConfiguration)
            let opening = server.start()
            host = server
            lastReceivedOnConnection = 0
            hostRecordsOnConnection = 0
            apply(machine.connected(now: now))
            hostActions(opening)
        case .failConnect:
            guard connectPending else { return }
            connectPending = false
            apply(machine.connectFailed("connection refused", now: now))
        case .rejectNextRequest:
            nextRequestAnswer = .deviceInUse
        case .refuseNextRequestPermanently:
            nextRequestAnswer = .invalidDeviceType
        case .advanceTime:
            now = now + .seconds(1)
        }
        run()
    }

    /// A host that behaves from now on: it grants the LU, gives the keyboard back, answers
    /// every record and every query; the world lets time pass until every message is
    /// acked or failed (false if that never happens within `limit` steps).
    mutating func behave(limit: Int = 2_000) -> Bool {
        nextRequestAnswer = nil
        for _ in 0..<limit {
            if machine.unackedCount == 0 { return true }
            if slotRequested {
                step(.grantSlot)
            } else if connectPending {
                step(.completeConnect)
            } else if bound != nil, !unanswered.isEmpty {
                step(responsesEnabled ? .respondPositive : .restoreKeyboard)
            } else if bound != nil, !keyboardUnlocked {
                step(.restoreKeyboard)
            } else {
                step(.fireTimer)
            }
        }
        return machine.unackedCount == 0
    }

    /// Moves the clock on and fires the timers that are due by then, without jumping ahead.
    mutating func advance(by amount: TimeAmount) {
        now = now + amount
        while let (timer, deadline) = timers.min(by: { $0.value < $1.value }), deadline <= now {
            timers[timer] = nil
            apply(machine.timerFired(timer, now: now))
            run()
        }
    }

    /// Lets time pass until the machine asks for a connection, then connects it.
    mutating func reconnect() {
        for _ in 0..<10 where !slotRequested { step(.fireTimer) }
        step(.grantSlot)
        step(.completeConnect)
    }

    /// Stops the machine and lets pending connects finish; true once it reported `stopped`.
    mutating func stopAndSettle() -> Bool {
        apply(machine.stop(now: now))
        run()
        for _ in 0..<10 where !stopped {
            if slotRequested { step(.grantSlot) } else if connectPending { step(.completeConnect) } else { break }
        }
        return stopped
    }

    // MARK: - Wiring

    private mutating func hostSends(_ data: ByteBuffer) {
        guard var host, let bytes = try? host.sendRecord(data).bytes else { return }
        self.host = host
        hostRecordsOnConnection += 1
        toTerminal.append(bytes)
    }

    private mutating func closeConnection() {
        if machine.phase == .bound, !keyboardGiven, !machine.configuration.isPrinter { refusal = .some(painted) }
        keyboardGiven = false
        painted = nil
        host = nil
        bound = nil
        keyboardUnlocked = false
        queryPending = false
        unanswered.removeAll()
        toHost.removeAll()
        toTerminal.removeAll()
        apply(machine.closed(now: now))
    }

    /// Moves bytes both ways until the wire is quiet.
    private mutating func run() {
        while true {
            if closeRequested {
                closeRequested = false
                if host != nil { closeConnection() }
                continue
            }
            if !toHost.isEmpty {
                let bytes = toHost.removeFirst()
                guard var host else { continue }
                let actions = host.receive(bytes)
                self.host = host
                hostActions(actions)
            } else if !toTerminal.isEmpty {
                let bytes = toTerminal.removeFirst()
                guard host != nil else { continue }
                apply(machine.received(bytes, now: now))
            } else {
                break
            }
        }
        checkSlots()
    }

    private mutating func hostActions(_ actions: [TN3270ServerStateMachine.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                toTerminal.append(bytes)
            case .luRequested:
                guard var host else { return }
                let answer = nextRequestAnswer
                nextRequestAnswer = nil
                let more = (try? answer.map { try host.reject($0) } ?? host.grant(luName: "LU01")) ?? []
                self.host = host
                hostActions(more)
            case .bound(let binding):
                bound = binding
            case .record(let record):
                hostReceived(record)
            case .response, .probeAnswered, .closed:
                break
            case .close:
                closeRequested = true
            case .startTLS:
                violations.append("the host started STARTTLS it was not configured to offer")
            }
        }
    }

    private mutating func hostReceived(_ record: TN3270Record) {
        if TN3270DataStream.isQueryReply(record.data) {
            queryReplies += 1
            if !queryPending { violations.append("a Query Reply the host did not ask for") }
            queryPending = false
            return
        }
        guard let sequence = Self.sequence(of: record.data) else {
            violations.append("a record the host cannot read")
            return
        }
        records += 1
        if !keyboardUnlocked { violations.append("message \(sequence) sent while the keyboard was locked") }
        if queryPending { violations.append("message \(sequence) sent while a query was outstanding") }
        if sequence <= lastReceivedOnConnection { violations.append("message \(sequence) after \(lastReceivedOnConnection) on one connection") }
        lastReceivedOnConnection = sequence
        if !responsesEnabled { keyboardUnlocked = false }  // a terminal locks its keyboard on input
        unanswered.append((record, sequence))
    }

    private mutating func apply(_ actions: [LUDeliveryMachine.Action]) {
        for action in actions {
            switch action {
            case .requestConnectSlot:
                if slotRequested { violations.append("a second slot request while one waits") }
                slotRequested = true
            case .releaseConnectSlot:
                slotsHeld -= 1
                if slotsHeld < 0 { violations.append("released a connect slot it did not hold") }
            case .connect:
                connectPending = true
            case .send(let bytes):
                if host != nil { toHost.append(bytes) }
            case .close:
                closeRequested = true
            case .schedule(let timer, let deadline):
                timers[timer] = deadline
            case .cancel(let timer):
                timers[timer] = nil
            case .accepted(let tag):
                if !taken.contains(tag.sequence) { violations.append("message \(tag.sequence) acked before the host took it") }
                if let last = accepted.last, tag.sequence <= last { violations.append("message \(tag.sequence) acked after \(last)") }
                if failed.contains(tag.sequence) { violations.append("message \(tag.sequence) acked after it failed") }
                accepted.append(tag.sequence)
            case .failed(let tag, _):
                if accepted.contains(tag.sequence) { violations.append("message \(tag.sequence) failed after it was acked") }
                failed.append(tag.sequence)
            case .stopped:
                if stopped { violations.append("stopped twice") }
                stopped = true
            case .log(let level, let message):
                logs.append((level, message))
            case .noDefiniteResponses(let text):
                noDefiniteResponseWarnings.append(text)
            case .state(let state, let detail):
                states.append((state, detail))
                if state == .bound {
                    if let refused = refusal, !keyboardGiven, painted == nil || painted == refused {
                        violations.append("reported bound (\(detail)) while the host refuses the LU at screen level (\(refused ?? "blank screen"))")
                    }
                    refusal = nil
                }
            case .connectionUp, .connectionDown, .hostData:
                break
            case .startTLS:
                violations.append("STARTTLS on a connection that does not ask for it")
            }
        }
    }

    private mutating func checkSlots() {
        switch machine.phase {
        case .bound:
            // Basic TN3270 keeps the slot until the host's first screen or the negotiation deadline.
            let waitingForScreen = bound?.dialect == .tn3270 && hostRecordsOnConnection == 0 && timers[.negotiation] != nil
            if slotsHeld != 0 && !waitingForScreen { violations.append("holds a connect slot while bound") }
        case .retryWait, .idle, .waitingForSlot:
            if slotsHeld != 0 { violations.append("holds a connect slot while \(machine.phase)") }
        case .connecting, .negotiating, .stopped:
            break
        }
    }

    static func payload(_ sequence: UInt64) -> ByteBuffer {
        var buffer = ByteBuffer(bytes: [TN3270DataStream.enterAID, 0x40, 0x40])
        buffer.writeInteger(sequence)
        return buffer
    }

    static func sequence(of data: ByteBuffer) -> UInt64? {
        guard data.readableBytes == 11, data.getInteger(at: data.readerIndex, as: UInt8.self) == TN3270DataStream.enterAID else { return nil }
        return data.getInteger(at: data.readerIndex + 3, as: UInt64.self)
    }
}
