import NIOCore

extension ModemDialer {
    /// The command after ATZ: echo off, verbose results, DTR drop (&D2) hangs up and returns
    /// to command mode.
    public static let hayesInitialisation = "ATE0V1&D2"

    /// Begins one attempt: Hayes `ATZ` … `ATDT`/`ATS0`, or V.25bis `CRN` (call-out) / waiting for
    /// `INC`. Calling it again abandons the current attempt and starts over.
    public mutating func start(now: NIODeadline) -> [Action] {
        state = .idle
        deadline = nil
        lines = HayesLineAssembler()
        frames = V25bisFrameReader()
        callingNumber = nil
        dialString = ""
        if configuration.direction == .callOut {
            guard let number = configuration.number, let valid = Self.validDialString(number) else {
                return fail(nil, "no valid number to dial (\(configuration.number.map { "\"\($0)\"" } ?? "none"));"
                    + " digits, *, #, and , only")
            }
            dialString = valid
        }
        switch configuration.protocol {
        case .hayes:
            return sendCommand("ATZ", state: .command(.reset), timeout: configuration.commandTimeout, now: now)
        case .v25bis:
            if configuration.direction == .callOut {
                return sendFrame(.callRequest(number: dialString), now: now)
            }
            state = .waitingForCall
            return []
        }
    }

    /// Call-in, after a call ended (carrier lost) or was refused: waits for the next RING/CONNECT
    /// (Hayes) or INC (V.25bis) without setting the modem up again, as a host DTE does: the modem
    /// keeps ATS0/AT+VCID across calls, and a reset would race a call arriving meanwhile (it could
    /// be answered before caller id is on again). Call `start` instead at first, and after a
    /// modem error or timeout. Call-out has nothing to wait for: this is `start` there.
    public mutating func waitForNextCall(now: NIODeadline) -> [Action] {
        guard configuration.direction == .callIn else { return start(now: now) }
        lines = HayesLineAssembler()
        frames = V25bisFrameReader()
        callingNumber = nil
        dialString = ""
        state = .waitingForCall
        deadline = nil
        return []
    }

    /// Bytes from the modem (command mode). Ignored once connected or failed.
    public mutating func receive(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        var buffer = bytes
        var actions: [Action] = []
        switch configuration.protocol {
        case .hayes:
            while isInProgress, let line = lines.nextLine(from: &buffer) {
                guard case .result(let result) = ModemResult.hayesLine(line) else { continue }
                actions += hayes(result, now: now)
            }
        case .v25bis:
            while isInProgress, let message = frames.nextMessage(from: &buffer) {
                actions += v25bis(message, now: now)
            }
            // The CNX frame's closing flag may also have opened the first data frame.
            if state == .connected, buffer.readableBytes > 0 {
                var data = ByteBuffer(integer: UInt8(0x7E))
                data.writeImmutableBuffer(buffer)
                buffer = data
            }
        }
        if state == .connected, buffer.readableBytes > 0, case .connected? = actions.last {
            actions.append(.dataModeBytes(buffer))
        }
        return actions
    }

    /// Fails the attempt when its deadline has passed.
    public mutating func tick(now: NIODeadline) -> [Action] {
        guard let due = deadline, now >= due else { return [] }
        let commandTimeout = Self.describe(configuration.commandTimeout)
        let connectTimeout = Self.describe(configuration.connectTimeout)
        switch state {
        case .command(let command):
            return fail(nil, "no reply to \(text(of: command)) within \(commandTimeout)")
        case .dialing:
            return fail(nil, "no CONNECT to ATDT\(dialString) within \(connectTimeout)")
        case .answering:
            return fail(nil, "no CONNECT within \(connectTimeout) after RING")
        case .awaitingValid(let command):
            return fail(nil, "no reply to \(command) within \(commandTimeout)")
        case .awaitingConnect(let command):
            return fail(nil, "no CNX within \(connectTimeout) after VAL to \(command)")
        case .idle, .waitingForCall, .connected, .failed:
            deadline = nil
            return []
        }
    }

    /// DCD dropped, or the owner's `CarrierLossScanner` found the modem's NO CARRIER in data mode.
    public mutating func carrierLost(now: NIODeadline) -> [Action] {
        switch state {
        case .idle, .failed:
            return []
        case .connected:
            return fail(.noCarrier, "carrier lost in data mode (DCD dropped or the modem reported NO CARRIER)")
        default:
            return fail(.noCarrier, "carrier lost before the call was connected")
        }
    }

    // MARK: - Hayes

    mutating func hayes(_ result: ModemResult, now: NIODeadline) -> [Action] {
        if case .callerNumber(let number) = result {
            callingNumber = number
            return []
        }
        switch state {
        case .command(let command):
            switch result {
            case .ok:
                return advance(after: command, now: now)
            case .error where command == .callerID:
                // A modem without caller id: answer calls anyway.
                return advance(after: command, now: now)
            case .ring, .noCarrier:
                return []  // a call arriving (or giving up) while we set the modem up
            default:
                return fail(result, "modem answered \(result.logName) to \(text(of: command))")
            }
        case .dialing:
            switch result {
            case .connect:
                return connect()
            case .ring, .ok:
                return []
            default:
                return fail(result, "modem answered \(result.logName) to ATDT\(dialString)")
            }
        case .waitingForCall:
            switch result {
            case .ring:
                if configuration.answerAfterRings <= 0 {
                    return sendCommand("ATA", state: .answering, timeout: configuration.connectTimeout, now: now)
                }
                state = .answering
                return setDeadline(now + configuration.connectTimeout)
            case .connect:
                return connect()
            default:
                return []
            }
        case .answering:
            switch result {
            case .connect:
                return connect()
            case .ring, .ok:
                return []
            default:
                return fail(result, "modem answered \(result.logName) while answering the call")
            }
        case .idle, .awaitingValid, .awaitingConnect, .connected, .failed:
            return []
        }
    }

    mutating func advance(after command: HayesSetupCommand, now: NIODeadline) -> [Action] {
        let timeout = configuration.commandTimeout
        switch (command, configuration.direction) {
        case (.reset, _):
            return sendCommand(Self.hayesInitialisation, state: .command(.initialise), timeout: timeout, now: now)
        case (.initialise, .callOut):
            return sendCommand("ATDT\(dialString)", state: .dialing, timeout: configuration.connectTimeout, now: now)
        case (.initialise, .callIn) where configuration.callerID:
            return sendCommand("AT+VCID=1", state: .command(.callerID), timeout: timeout, now: now)
        case (.initialise, .callIn), (.callerID, _):
            return sendCommand(autoAnswerCommand, state: .command(.autoAnswer), timeout: timeout, now: now)
        case (.autoAnswer, _):
            state = .waitingForCall
            deadline = nil
            return []
        }
    }

    var autoAnswerCommand: String { "ATS0=\(min(max(configuration.answerAfterRings, 0), 255))" }

    func text(of command: HayesSetupCommand) -> String {
        switch command {
        case .reset: return "ATZ"
        case .initialise: return Self.hayesInitialisation
        case .callerID: return "AT+VCID=1"
        case .autoAnswer: return autoAnswerCommand
        }
    }

    mutating func sendCommand(_ command: String, state next: DialerState, timeout: TimeAmount, now: NIODeadline) -> [Action] {
        state = next
        return [.send(ByteBuffer(string: command + "\r"))] + setDeadline(now + timeout)
    }

    // MARK: - V.25bis

    mutating func v25bis(_ message: V25bisMessage, now: NIODeadline) -> [Action] {
        switch (state, message) {
        case (.waitingForCall, .incoming(let number)):
            callingNumber = number
            return sendFrame(.connectIncoming, now: now)
        case (.awaitingValid(let command), .valid):
            state = .awaitingConnect(command: command)
            return setDeadline(now + configuration.connectTimeout)
        case (.awaitingValid, .connecting), (.awaitingConnect, .connecting), (.waitingForCall, .connecting):
            return connect()
        case (.awaitingValid(let command), .invalid), (.awaitingConnect(let command), .invalid):
            return fail(.v25bisInvalid, "modem answered INV to \(command)")
        case (.awaitingValid(let command), .callFailure(let code)), (.awaitingConnect(let command), .callFailure(let code)):
            let result = ModemResult.v25bisCallFailure(code)
            return fail(result, "modem reported \(result.logName) to \(command)")
        default:
            return []
        }
    }

    mutating func sendFrame(_ message: V25bisMessage, now: NIODeadline) -> [Action] {
        state = .awaitingValid(command: message.text)
        return [.send(V25bisFrame.encoded(message.text))] + setDeadline(now + configuration.commandTimeout)
    }

    // MARK: - Common

    var isInProgress: Bool {
        switch state {
        case .idle, .connected, .failed: return false
        default: return true
        }
    }

    mutating func connect() -> [Action] {
        state = .connected
        deadline = nil
        return [.connected(callingNumber: callingNumber)]
    }

    mutating func fail(_ result: ModemResult?, _ reason: String) -> [Action] {
        state = .failed
        deadline = nil
        return [.failed(result, reason: reason)]
    }

    mutating func setDeadline(_ due: NIODeadline) -> [Action] {
        deadline = due
        return [.setTimer(due)]
    }

    /// The number as `ATD`/`CRN` carry it: digits, `*`, `#`, `,` (pause); spaces, `-`, `(`, `)`
    /// are dropped; nil when empty, longer than 40, or anything else appears.
    public static func validDialString(_ number: String) -> String? {
        var result = ""
        for character in number.unicodeScalars {
            switch character {
            case "0"..."9", "*", "#", ",": result.unicodeScalars.append(character)
            case " ", "-", "(", ")": continue
            default: return nil
            }
        }
        return result.isEmpty || result.count > 40 ? nil : result
    }

    static func describe(_ amount: TimeAmount) -> String {
        let nanoseconds = amount.nanoseconds
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000) s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000) ms" }
        return "\(nanoseconds) ns"
    }
}
