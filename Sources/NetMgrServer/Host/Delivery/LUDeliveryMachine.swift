import Logging
import NIOCore
import NetMgrProtocol
import TN3270

/// Every decision about one LU's TN3270(E) connection and the delivery of its messages, as
/// a value type: the link feeds it events (with the time) and performs the actions it
/// returns. It owns the connection's protocol machine, the message queue, the 3270
/// keyboard, query handling, the response window, the ack rule, refusal counting, retry and
/// backoff, the negotiation deadline and the connect slot.
///
/// The ack rule (docs/PROTOCOL.md, "When the host accepted a message"): a message is acked
/// only once the host provably took it as input. With TN3270E RESPONSES that is the
/// host's positive response to its record. Otherwise (basic TN3270, or TN3270E without
/// RESPONSES) it is the host's first keyboard-restoring Write after the record, and never
/// a Write that answered a Query Reply. Application data goes out only while the keyboard
/// is unlocked and no query is outstanding; the keyboard is locked from connect until the
/// host's first keyboard-restoring Write (nothing unlocks it by itself).
struct LUDeliveryMachine {
    struct Configuration {
        var client: TN3270ClientConfiguration
        var retry: RetryPolicy
        /// Printers (3287) never get the keyboard back; a bound printer session counts as taken.
        var isPrinter = false
        /// How many records may await a TN3270E response at once.
        var responseWindow = 16
        /// A message the host refused this many times (it closed the connection while the
        /// message was the oldest in flight) is failed to the client as host-rejected.
        var refusalLimit = 3
        /// Backoff after a session the host closed without taking input (a screen-level
        /// rejection): doubles from `rejectionInitial` up to `rejectionMaximum`.
        var rejectionInitial: TimeAmount = .milliseconds(500)
        var rejectionMaximum: TimeAmount = .seconds(30)
        /// Backoff after a permanent TN3270E REJECT (a configuration error).
        var permanentRejectInitial: TimeAmount = .seconds(30)
        var permanentRejectMaximum: TimeAmount = .minutes(5)
        /// Warn once when no message was acked for this long while some wait.
        var stallWarning: TimeAmount = .milliseconds(AdminResponse.LUStatus.stalledAfterMilliseconds)
        /// The host as log lines name it, e.g. "host 10.1.1.1:992".
        var hostDescription = "the host"

        var negotiationTimeout: TimeAmount { .milliseconds(retry.negotiationTimeoutMilliseconds) }
    }

    enum Timer: Hashable, Sendable, CaseIterable {
        /// Connect again after a failure or a lost session.
        case reconnect
        /// Ask again on the same connection after a DEVICE-TYPE REJECT such as DEVICE-IN-USE.
        case renegotiate
        /// The host must finish negotiating by then.
        case negotiation
        /// Check whether acks stalled.
        case stall
    }

    enum Action {
        case requestConnectSlot
        case releaseConnectSlot
        /// Open a TCP connection; answer with `connected` or `connectFailed`.
        case connect
        case send(ByteBuffer)
        /// Close the current connection; `closed` follows.
        case close
        case schedule(Timer, at: NIODeadline)
        case cancel(Timer)
        case accepted(MessageTag)
        case failed(MessageTag, reason: String)
        case state(SessionState, String)
        case log(Logger.Level, String)
        /// Once per resource is enough: the host speaks a dialect without definite responses.
        case noDefiniteResponses(String)
        /// The connection now carries the LU (announce it), or no longer does.
        case connectionUp
        case connectionDown
        case hostData(ByteBuffer)
        /// After `stop`: nothing is left open.
        case stopped
        /// STARTTLS: put the TLS client handler in front of the connection, hand it these
        /// bytes, and call `tlsEstablished` when its handshake completed.
        case startTLS(ByteBuffer)
    }

    enum Phase: Equatable {
        case idle, waitingForSlot, connecting, negotiating, bound, retryWait, stopped
    }

    /// Why the host is not being used, for status.
    enum Rejection: Equatable {
        /// TN3270E REJECT with a reason that retrying soon will not change.
        case permanent(TN3270ERejectReason)
        /// Bound, then closed by the host before it ever took input; its screen's first line.
        case closedWithoutInput(screen: String?)
        /// TN3270E REJECT with a reason that retrying will change (DEVICE-IN-USE: the host still
        /// holds the LU for another connection, a frozen node's say); until the host grants it.
        case refused(TN3270ERejectReason)

        var description: String {
            switch self {
            case .permanent(let reason): "rejected by host: \(reason)"
            case .closedWithoutInput(let screen?): "host closed the session without taking input: \(screen)"
            case .closedWithoutInput(nil): "host closed the session without taking input"
            case .refused(.deviceInUse): "refused by host: DEVICE-IN-USE (it holds the LU for another connection); retrying"
            case .refused(let reason): "refused by host: \(reason); retrying"
            }
        }
    }

    struct Message {
        var tag: MessageTag
        var payload: ByteBuffer
        var submittedAt: NIODeadline
        var refusals = 0
        /// The TN3270E sequence number awaiting a response, while in flight with RESPONSES.
        var tnSequence: UInt16?
    }

    /// What exists only while a TCP connection does.
    struct Connection {
        var protocolMachine: TN3270ClientStateMachine
        var binding: TN3270Binding?
        var keyboardLocked = true
        /// We answered a query; the host's next keyboard-restoring Write answers that, not a message.
        var queryOutstanding = false
        /// The host restored the keyboard or answered a record positively on this connection.
        var tookInput = false
        var negotiationTimedOut = false
        /// `connectionUp` was reported for it.
        var announced = false
        /// The first line of this connection's screen, before the host took input.
        var screenLine: String?
        /// We closed it (the host broke the protocol): not a refusal of what was in flight.
        var closedByUs = false
        /// A DEVICE-TYPE REJECT to retry on this connection.
        var rejectedWith: TN3270ERejectReason?
        /// The host's last DEVICE-TYPE REJECT on this connection (kept across the retries).
        var refusedWith: TN3270ERejectReason?
        /// Why we gave up on this connection (a TLS failure), for the retry's state detail.
        var failure: String?
        /// The negotiated session, as status details name it ("TN3270E CONNECT LU01").
        var boundDetail = ""
        /// `.state(.bound)` was reported for this connection: the host took the LU (see `bound`).
        var confirmed = false
    }

    let configuration: Configuration
    private(set) var phase: Phase = .idle
    private(set) var connection: Connection?
    /// Messages in order; the first `inFlightCount` were written on the current connection.
    private(set) var queue = CircularBuffer<Message>()
    private(set) var inFlightCount = 0
    private var holdsSlot = false
    /// Failed attempts since the host last took input; grows the backoff.
    private(set) var attempt = 0
    /// Connections opened, host refusals and retries, for metrics (they only grow).
    private(set) var hostEvents = HostEventCounts()
    private var permanentRejects = 0
    /// A session was confirmed bound once (a later loss is `hostLost`, not `waitingForHost`).
    private var everBound = false
    /// A permanent REJECT closed the connection; its `closed` schedules the slow retry.
    private var permanentRejectPending = false
    private(set) var rejection: Rejection?
    /// The host closed a bound session before it took input (a screen-level refusal), with
    /// that session's screen line; kept, whatever `rejection` shows meanwhile, until the host
    /// shows on a later session that it took the LU (see `confirmIfTaken`).
    private(set) var screenRefusal: ScreenRefusal?

    struct ScreenRefusal: Equatable {
        var screen: String?
    }
    private(set) var lastScreenLine: String?
    /// The TN3270E data type of the last host record (SCS-DATA for most printer output), for the TN server's printers.
    private(set) var lastHostDataType: TN3270EDataType = .data3270
    private var bindRequestedAt: NIODeadline?
    private(set) var timeToBind: TimeAmount?
    private var lastProgress: NIODeadline?
    /// When the scheduled stall check fires.
    private var stallCheckAt: NIODeadline?
    private var stallWarned = false
    /// The last connection failure logged at error level: the same one again, on every
    /// retry of a misconfigured host, is logged at debug level until something else happens.
    private var loggedFailure: String?

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    var unackedCount: Int { queue.count }
    var holdsConnectSlot: Bool { holdsSlot }
    func oldestUnackedAge(now: NIODeadline) -> TimeAmount? { queue.first.map { now - $0.submittedAt } }
    var keyboardLocked: Bool { connection?.keyboardLocked ?? true }
    var queryOutstanding: Bool { connection?.queryOutstanding ?? false }

    // MARK: - Lifecycle

    mutating func start(now: NIODeadline) -> [Action] {
        guard phase == .idle else { return [] }
        phase = .waitingForSlot
        bindRequestedAt = now
        return [.requestConnectSlot]
    }

    mutating func slotGranted(now: NIODeadline) -> [Action] {
        guard phase == .waitingForSlot else { return [.releaseConnectSlot] }
        holdsSlot = true
        phase = .connecting
        return [.connect]
    }

    mutating func connectFailed(_ reason: String, now: NIODeadline) -> [Action] {
        guard phase == .connecting || phase == .stopped else { return [] }
        if case .refused = rejection { rejection = nil }  // the host is not reached: its refusal is old news
        var actions = releaseSlot()
        if phase == .stopped { return actions + [.stopped] }
        actions += retry(after: reason, delay: .milliseconds(configuration.retry.delay(attempt: attempt + 1)), now: now)
        return actions
    }

    mutating func connected(now: NIODeadline) -> [Action] {
        guard phase == .connecting else {
            return phase == .stopped ? releaseSlot() + [.close, .stopped] : [.close]
        }
        phase = .negotiating
        hostEvents.connects &+= 1
        connection = Connection(protocolMachine: TN3270ClientStateMachine(configuration: configuration.client))
        // A host that accepted the connection but never finishes negotiating (or never saw
        // it: an overflowed accept queue) must not keep the LU waiting forever.
        return [.schedule(.negotiation, at: now + configuration.negotiationTimeout)]
    }

    mutating func stop(now: NIODeadline) -> [Action] {
        let previous = phase
        phase = .stopped
        stallCheckAt = nil
        var actions: [Action] = Timer.allCases.map { .cancel($0) }
        switch previous {
        case .connecting:
            break  // `connected` or `connectFailed` finishes the stop
        case .negotiating, .bound:
            actions.append(.close)  // `closed` finishes the stop
        case .stopped:
            return []
        case .idle, .waitingForSlot, .retryWait:
            // A slot granted later is handed straight back (`slotGranted`).
            actions.append(.stopped)
        }
        return actions
    }

    // MARK: - Timers

    mutating func timerFired(_ timer: Timer, now: NIODeadline) -> [Action] {
        switch timer {
        case .reconnect:
            guard phase == .retryWait else { return [] }
            phase = .waitingForSlot
            return [.requestConnectSlot]
        case .negotiation:
            if phase == .bound { return releaseSlot() }  // a basic host that painted no screen in time
            guard phase == .negotiating, connection != nil else { return [] }
            connection?.negotiationTimedOut = true
            if let refusal = connection?.refusedWith {
                // The host answers, it only refuses: not a hung host, though a new connection is tried all the same.
                return [.log(.info, "the host still refuses \(configuration.client.luName ?? "the LU request") (\(refusal)) after \(milliseconds(configuration.negotiationTimeout)) ms on this connection; reconnecting"), .close]
            }
            return [.log(.warning, "the host did not complete negotiation within \(milliseconds(configuration.negotiationTimeout)) ms; reconnecting"), .close]
        case .renegotiate:
            guard phase == .negotiating, var connection, connection.rejectedWith != nil else { return [] }
            connection.rejectedWith = nil
            do {
                let actions = try connection.protocolMachine.retry(luName: configuration.client.luName)
                self.connection = connection
                return handle(actions, now: now)
            } catch {
                self.connection = connection
                return [.close]
            }
        case .stall:
            stallCheckAt = nil
            guard let since = lastProgress, !queue.isEmpty, !stallWarned, now - since >= configuration.stallWarning else {
                return scheduleStallCheck()
            }
            stallWarned = true
            let why: String
            if phase != .bound {
                why = "the LU is not bound (\(phase))"
            } else if queryOutstanding {
                why = "the host has not answered our Query Reply"
            } else if keyboardLocked && inFlightCount == 0 {
                why = "the host keeps the keyboard locked"
            } else {
                why = "the host has not taken the oldest record"
            }
            return [.log(.warning, "no message acked for \(milliseconds(now - since) / 1000) s; \(queue.count) unacked: \(why)")]
        }
    }

    // MARK: - The connection

    mutating func received(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        guard connection != nil else { return [] }
        // In place: a copy of the connection would share its machine's buffers (so the
        // machine's appends would copy them) and cost a retain and release per field.
        let actions = connection!.protocolMachine.receive(bytes)
        return handle(actions, now: now)
    }

    /// The TLS handshake (direct, or after STARTTLS) completed.
    mutating func tlsEstablished(now: NIODeadline) -> [Action] {
        guard var connection, phase == .negotiating else { return [] }
        guard connection.protocolMachine.phase == .startTLS else { return [] }  // direct TLS: the host speaks next
        do {
            let actions = try connection.protocolMachine.tlsEstablished()
            self.connection = connection
            return handle(actions, now: now)
        } catch {
            self.connection = connection
            return failConnection("\(error)")
        }
    }

    /// The connection failed in a way the protocol machine cannot see (a TLS handshake that
    /// failed): log it, close it, and say why in the retry that follows.
    mutating func failConnection(_ reason: String) -> [Action] {
        guard connection != nil else { return [] }
        connection?.closedByUs = true
        if connection?.failure == nil { connection?.failure = reason }
        return [failureLog(reason), .close]
    }

    /// Error level the first time, debug level while the same failure repeats.
    private mutating func failureLog(_ reason: String) -> Action {
        defer { loggedFailure = reason }
        return loggedFailure == reason ? .log(.debug, "\(reason) (again)") : .log(.error, reason)
    }

    mutating func closed(now: NIODeadline) -> [Action] {
        // A connection opened after `stop` was never ours; `connected` finished the stop.
        guard let connection else { return [] }
        self.connection = nil
        let wasPhase = phase
        var actions: [Action] = [.cancel(.negotiation), .cancel(.renegotiate)]
        actions += releaseSlot()
        if connection.announced { actions.append(.connectionDown) }
        // The oldest record in flight when the host closed is the one it may be refusing;
        // a close of ours (a stop, a protocol error) refuses nothing.
        var refused: String?
        if inFlightCount > 0, wasPhase != .stopped, !connection.closedByUs {
            queue[queue.startIndex].refusals += 1
            let oldest = queue[queue.startIndex]
            if oldest.refusals >= configuration.refusalLimit {
                queue.removeFirst()
                inFlightCount -= 1
                refused = "the host closed the session \(oldest.refusals) times while message \(oldest.tag.sequence) was in flight"
                actions.append(.failed(oldest.tag, reason: refused!))
                actions.append(.log(.error, "message \(oldest.tag.sequence) failed: \(refused!); going on with the next"))
                noteProgress(now)
            }
        }
        // What the host did not accept goes out again, first, after the next bind.
        for index in queue.indices.prefix(inFlightCount) { queue[index].tnSequence = nil }
        inFlightCount = 0
        if wasPhase == .stopped {
            return actions + [.stopped]
        }
        switch wasPhase {
        case .bound:
            bindRequestedAt = now
            if connection.tookInput || configuration.isPrinter {
                return actions + retry(after: "host closed the session", delay: .milliseconds(configuration.retry.delay(attempt: attempt + 1)), now: now)
            }
            let screen = connection.screenLine
            rejection = .closedWithoutInput(screen: screen)
            screenRefusal = ScreenRefusal(screen: screen)
            hostEvents.rejects &+= 1
            let delay = backoff(attempt: attempt + 1, initial: configuration.rejectionInitial, maximum: configuration.rejectionMaximum)
            actions.append(.log(.warning, "the host closed the session without taking input" + (screen.map { "; its screen said: \($0)" } ?? " (blank screen)")))
            return actions + retry(after: rejection!.description, delay: delay, now: now)
        case .negotiating:
            if permanentRejectPending {
                permanentRejectPending = false
                let delay = backoff(attempt: permanentRejects, initial: configuration.permanentRejectInitial, maximum: configuration.permanentRejectMaximum)
                return actions + retry(after: rejection!.description, delay: delay, now: now)
            }
            let reason = connection.failure
                ?? connection.refusedWith.map { "host still refuses \(configuration.client.luName ?? "the LU request"): \($0)" }
                ?? (connection.negotiationTimedOut ? "host did not complete negotiation in time" : "host closed the connection during negotiation")
            return actions + retry(after: reason, delay: .milliseconds(configuration.retry.delay(attempt: attempt + 1)), now: now)
        default:
            return actions
        }
    }

    // MARK: - Messages

    mutating func submit(_ tag: MessageTag, _ payload: ByteBuffer, now: NIODeadline) -> [Action] {
        if queue.isEmpty { noteProgress(now) }
        queue.append(Message(tag: tag, payload: payload, submittedAt: now))
        return pump() + scheduleStallCheck()
    }

    /// Forgets the messages not written yet (a new client session starts afresh).
    mutating func discardUnsent() {
        while queue.count > inFlightCount { queue.removeLast() }
    }

    // MARK: - Protocol machine actions

    private mutating func handle(_ protocolActions: [TN3270ClientStateMachine.Action], now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        for action in protocolActions {
            guard connection != nil else { break }
            switch action {
            case .send(let bytes):
                actions.append(.send(bytes))
            case .bound(let binding):
                actions += bound(binding, now: now)
            case .rejected(let reason):
                actions += rejected(reason, now: now)
            case .record(let record):
                actions += hostRecord(record, now: now)
            case .response(let response):
                actions += hostResponse(response, now: now)
            case .close(.protocolError(let error)) where error.isTLSPolicyFailure:
                // The definitions ask for STARTTLS: never a plaintext session instead.
                connection?.closedByUs = true
                connection?.failure = "\(configuration.hostDescription): \(error)"
                actions += [failureLog("\(configuration.hostDescription): \(error); closing (the resource's tls mode is starttls)"), .close]
            case .close(let reason):
                connection?.closedByUs = true
                actions += [.log(.warning, "closing: \(reason)"), .close]
            case .closed:
                break
            case .startTLS(let bytes):
                actions.append(.startTLS(bytes))
            }
        }
        return actions
    }

    private mutating func bound(_ binding: TN3270Binding, now: NIODeadline) -> [Action] {
        guard phase == .negotiating, connection != nil else { return [] }
        phase = .bound
        connection!.binding = binding
        connection!.announced = true
        loggedFailure = nil
        permanentRejects = 0
        if case .permanent = rejection { rejection = nil }
        // A basic TN3270 host may still be handing out the device until it paints its first
        // screen (Hercules 3.13 mishandles a connection accepted meanwhile and stalls for
        // seconds), so the connect slot is held until then, or until the negotiation deadline.
        let holdSlotForScreen = binding.dialect == .tn3270 && !configuration.isPrinter
        var actions: [Action] = holdSlotForScreen ? [.connectionUp] : [.cancel(.negotiation)] + releaseSlot() + [.connectionUp]
        let detail = binding.dialect == .tn3270e
            ? "TN3270E CONNECT \(binding.luName ?? configuration.client.luName ?? "any")"
            : "TN3270 \(binding.deviceType)@\(binding.luName ?? configuration.client.luName ?? "any")"
        connection!.boundDetail = detail
        if let screenRefusal, !configuration.isPrinter {
            // The host refused the last session at screen level (Hercules paints "no available
            // 3270 devices" and closes seconds later, e.g. while a frozen node still holds the
            // device): a negotiation is no proof that it gives the LU this time. Not bound
            // until it takes input or shows another screen (`confirmIfTaken`).
            actions.append(.state(everBound ? .hostLost : .waitingForHost,
                                  "\(detail) negotiated; not bound until the host takes the LU: it refused the last session (\(Rejection.closedWithoutInput(screen: screenRefusal.screen).description))"))
        } else {
            actions += confirm(now: now)
        }
        if configuration.client.allowsTN3270E, !binding.responsesEnabled {
            actions.append(.noDefiniteResponses(binding.dialect == .tn3270
                ? "the host speaks only basic TN3270: definite responses are not available, so acks come from the host's keyboard restores"
                : "the host did not agree to the TN3270E RESPONSES function: acks come from the host's keyboard restores"))
        }
        if configuration.isPrinter {
            connection!.tookInput = true
            attempt = 0
        }
        return actions + pump()
    }

    /// The host took the LU on this connection: say `bound` (once per connection).
    private mutating func confirm(now: NIODeadline) -> [Action] {
        guard connection != nil, connection?.confirmed == false else { return [] }
        connection!.confirmed = true
        everBound = true
        if case .refused = rejection { rejection = nil }
        if let bindRequestedAt { timeToBind = now - bindRequestedAt }
        return [.state(.bound, connection!.boundDetail)]
    }

    /// A session negotiated after a screen-level refusal is bound once the host shows it took
    /// the LU: it gave the keyboard back (that ended the refusal already), or it painted a
    /// first screen other than the refusal's (a host without an application, such as Hercules
    /// with no operating system, never gives the keyboard back on a device it granted).
    private mutating func confirmIfTaken(_ connection: Connection, now: NIODeadline) -> [Action] {
        guard !connection.confirmed else { return [] }
        if let screenRefusal {
            guard let line = connection.screenLine, line != screenRefusal.screen else { return [] }
            self.screenRefusal = nil
            if case .closedWithoutInput = rejection { rejection = nil }
        }
        return confirm(now: now)
    }

    private mutating func rejected(_ reason: TN3270ERejectReason, now: NIODeadline) -> [Action] {
        var actions = releaseSlot()
        hostEvents.rejects &+= 1
        switch reason {
        case .invalidDeviceType, .invalidName, .typeNameError, .unsupportedRequest:
            // A configuration error, not a busy LU: say so loudly and ask rarely.
            permanentRejects += 1
            rejection = .permanent(reason)
            permanentRejectPending = true
            let delay = backoff(attempt: permanentRejects, initial: configuration.permanentRejectInitial, maximum: configuration.permanentRejectMaximum)
            actions.append(.log(.error, "the host rejected \(configuration.client.luName ?? "the LU request") as \(configuration.client.deviceType): \(reason); check the definitions (next try in \(milliseconds(delay) / 1000) s)"))
            actions.append(.close)
        default:
            // DEVICE-IN-USE: the host still holds the LU for an older connection (ours, from
            // before the failover); it frees it when it notices. Ask again on this connection.
            attempt += 1
            hostEvents.retries &+= 1
            let delay = configuration.retry.delay(attempt: attempt)
            connection?.rejectedWith = reason
            connection?.refusedWith = reason
            switch rejection {
            case nil, .refused?: rejection = .refused(reason)
            case .permanent?, .closedWithoutInput?: break  // the more telling one stays
            }
            actions.append(.state(everBound ? .hostLost : .waitingForHost, "host rejected \(configuration.client.luName ?? "the LU request"): \(reason); retry \(attempt) in \(delay) ms"))
            actions.append(.schedule(.renegotiate, at: now + .milliseconds(delay)))
        }
        return actions
    }

    private mutating func hostRecord(_ record: TN3270Record, now: NIODeadline) -> [Action] {
        guard var connection, let binding = connection.binding else { return [] }
        self.connection = nil  // `connection` is the only copy until it is put back below
        let is3270 = record.header == nil || record.header?.dataType == .data3270
        var actions: [Action] = holdsSlot ? [.cancel(.negotiation)] + releaseSlot() : []
        if is3270, let query = TN3270DataStream.query(in: record.data) {
            // Answered by the terminal, not the application; input waits for the host's next
            // keyboard-restoring Write, which answers the reply and acks nothing.
            let reply = TN3270DataStream.queryReply(to: query, deviceType: binding.deviceType)
            do {
                let outbound = try connection.protocolMachine.sendRecord(reply, requestsResponse: false)
                connection.queryOutstanding = true
                connection.keyboardLocked = true
                actions.append(.send(outbound.bytes))
                actions.append(.log(.debug, "answered the host's Read Partition Query for \(binding.deviceType)"))
                if !binding.responsesEnabled, inFlightCount > 0 {
                    // The query crossed our record: the host may have taken that record as
                    // its reply, and its next keyboard restore answers the query. Nothing
                    // proves the record was taken, so it goes out again once the host is ready.
                    for index in queue.indices.prefix(inFlightCount) { queue[index].tnSequence = nil }
                    actions.append(.log(.info, "the host's query crossed message \(queue[queue.startIndex].tag.sequence); sending it again after the query is answered"))
                    inFlightCount = 0
                }
            } catch {
                actions.append(.log(.error, "cannot answer the host's query: \(error)"))
            }
            self.connection = connection
            return actions
        }
        if is3270, !connection.tookInput, let line = TN3270DataStream.firstScreenLine(record.data, size: TN3270ScreenSize(deviceType: binding.deviceType)) {
            lastScreenLine = line
            connection.screenLine = line
        }
        if is3270, record.restoresKeyboard {
            connection.keyboardLocked = false
            if !connection.tookInput {
                connection.tookInput = true
                attempt = 0
                screenRefusal = nil
                if case .closedWithoutInput = rejection { rejection = nil }
            }
            if connection.queryOutstanding {
                connection.queryOutstanding = false
            } else if !binding.responsesEnabled, inFlightCount > 0 {
                let accepted = queue.removeFirst()
                inFlightCount -= 1
                actions.append(.accepted(accepted.tag))
                noteProgress(now)
            }
        }
        self.connection = connection
        if is3270, !connection.confirmed { actions += confirmIfTaken(connection, now: now) }
        lastHostDataType = record.header?.dataType ?? .data3270
        if record.data.readableBytes > 0 { actions.append(.hostData(record.data)) }
        return actions + pump() + scheduleStallCheck()
    }

    private mutating func hostResponse(_ response: TN3270Response, now: NIODeadline) -> [Action] {
        guard let index = queue.indices.prefix(inFlightCount).first(where: { queue[$0].tnSequence == response.sequenceNumber }) else {
            return [.log(.debug, "response for unknown record \(response.sequenceNumber)")]
        }
        let message = queue.remove(at: index)
        inFlightCount -= 1
        noteProgress(now)
        var actions: [Action]
        switch response.outcome {
        case .positive:
            actions = [.accepted(message.tag)]
            if connection?.tookInput == false {
                connection?.tookInput = true
                attempt = 0
                screenRefusal = nil
                if case .closedWithoutInput = rejection { rejection = nil }
                actions += confirm(now: now)
            }
        case .negative:
            actions = [.failed(message.tag, reason: "host answered \(response)")]
        }
        return actions + pump() + scheduleStallCheck()
    }

    /// Writes what the keyboard (basic) or the response window (TN3270E RESPONSES) allows.
    private mutating func pump() -> [Action] {
        // The connection is changed in place (see `received`); with nothing to send, not at all.
        guard phase == .bound, inFlightCount < queue.count, let binding = connection?.binding else { return [] }
        var actions: [Action] = []
        while inFlightCount < queue.count {
            guard !connection!.keyboardLocked, !connection!.queryOutstanding else { break }
            if binding.responsesEnabled {
                guard inFlightCount < configuration.responseWindow else { break }
            } else {
                guard inFlightCount == 0 else { break }
            }
            let index = queue.index(queue.startIndex, offsetBy: inFlightCount)
            do {
                let record = try connection!.protocolMachine.sendRecord(queue[index].payload)
                queue[index].tnSequence = record.expectsResponse ? record.sequenceNumber : nil
                inFlightCount += 1
                if !record.expectsResponse { connection!.keyboardLocked = true }
                actions.append(.send(record.bytes))
            } catch {
                actions.append(.log(.error, "cannot send: \(error)"))
                break
            }
        }
        return actions
    }

    // MARK: - Helpers

    private mutating func retry(after reason: String, delay: TimeAmount, now: NIODeadline) -> [Action] {
        attempt += 1
        hostEvents.retries &+= 1
        phase = .retryWait
        let state: SessionState = everBound ? .hostLost : .waitingForHost
        return [.state(state, "\(reason); retry \(attempt) in \(milliseconds(delay)) ms"), .schedule(.reconnect, at: now + delay)]
    }

    private mutating func releaseSlot() -> [Action] {
        guard holdsSlot else { return [] }
        holdsSlot = false
        return [.releaseConnectSlot]
    }

    private mutating func noteProgress(_ now: NIODeadline) {
        lastProgress = now
        stallWarned = false
    }

    private mutating func scheduleStallCheck() -> [Action] {
        guard phase != .stopped, !queue.isEmpty, !stallWarned, let lastProgress else { return [] }
        // One timer at a time: progress moves the deadline on every ack, and a timer per
        // message would cost more than the relay itself. A check that fires before the
        // (moved) deadline schedules the next one for the time that is left.
        guard stallCheckAt == nil else { return [] }
        let deadline = lastProgress + configuration.stallWarning
        stallCheckAt = deadline
        return [.schedule(.stall, at: deadline)]
    }

    /// `initial` doubled per attempt up to `maximum`, with ±20 % jitter.
    private func backoff(attempt: Int, initial: TimeAmount, maximum: TimeAmount) -> TimeAmount {
        let doublings = min(max(0, attempt - 1), 30)
        let base = min(Double(initial.nanoseconds) * Double(1 << doublings), Double(maximum.nanoseconds))
        return .nanoseconds(Int64(base * Double.random(in: 0.8...1.2)))
    }

    private func milliseconds(_ amount: TimeAmount) -> Int64 { amount.nanoseconds / 1_000_000 }
}
