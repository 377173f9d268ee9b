import NIOCore

extension ModemEmulator {
    /// Longest AT command line (after which the line is answered with ERROR).
    public static let maximumCommandLine = 256

    /// Bytes from the DTE in command mode (in data mode they are handed to `fromDTEInDataMode`).
    public mutating func fromDTE(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        if phase == .data { return fromDTEInDataMode(bytes, now: now) }
        var output = Output()
        switch self.protocol {
        case .hayes:
            for byte in bytes.readableBytesView {
                guard phase != .data else { break }  // after ATO: the rest is data the exchange did not pass
                hayesByte(byte, now: now, into: &output)
            }
        case .v25bis:
            var buffer = bytes
            while phase != .data, let message = frames.nextMessage(from: &buffer) {
                v25bis(message, now: now, into: &output)
            }
        }
        return output.actions()
    }

    /// Data-mode bytes, shown only for the Hayes `+++` escape (guard time of silence, three
    /// `+` within the guard time, guard time of silence: then `OK` and online command mode).
    /// The exchange passes the bytes on itself. Cheap: one pass, no copies.
    public mutating func fromDTEInDataMode(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        guard self.protocol == .hayes, phase == .data, bytes.readableBytes > 0 else { return [] }
        let guardTime = configuration.escapeGuardTime
        var first = true
        for byte in bytes.readableBytesView {
            if byte == UInt8(ascii: "+") {
                if escapePluses == 0 {
                    if first, now - lastDataTime >= guardTime {
                        escapePluses = 1
                        firstPlusTime = now
                    }
                } else if escapePluses < 3, now - firstPlusTime < guardTime {
                    escapePluses += 1
                } else {
                    escapePluses = 0
                }
            } else {
                escapePluses = 0
            }
            first = false
        }
        lastDataTime = now
        if escapePluses == 3 {
            deadline = now + guardTime
            return [.setTimer(now + guardTime)]
        }
        deadline = nil
        return []
    }

    /// A call for this modem's line: RING (+ caller id after the first when `AT+VCID=1`),
    /// auto-answer after S0 rings; V.25bis `INC<number>`, repeated at the ring cadence. Ignored
    /// unless idle (the exchange checks `isIdle` and signals busy).
    public mutating func incomingCall(from number: String?, now: NIODeadline) -> [Action] {
        guard phase == .idle else { return [] }
        phase = .ringing
        ringCount = 0
        callingNumber = number
        var output = Output()
        ring(now: now, into: &output)
        return output.actions()
    }

    /// The outcome of `.dial` or `.answer`: `.connect` → `CONNECT <speed>`/`CNX` and data mode;
    /// `.busy`, `.noAnswer`, `.noDialtone`, `.noCarrier`, `.error` → that result (V.25bis: `CFI`
    /// ET/NT/NS/AB) and command mode. Ignored in other phases.
    public mutating func callProgress(_ result: ModemResult, now: NIODeadline) -> [Action] {
        guard phase == .dialing || phase == .answering else { return [] }
        var output = Output()
        if case .connect(let speed) = result {
            enterDataMode(now: now)
            switch self.protocol {
            case .hayes: output.result(.connect(speed: speed ?? configuration.connectSpeed), settings)
            case .v25bis: output.frame(.connecting)
            }
            return output.actions()
        }
        let answering = phase == .answering
        phase = .idle
        deadline = nil
        switch self.protocol {
        case .hayes:
            output.result(answering ? .noCarrier : Self.dialFailure(result), settings)
        case .v25bis:
            output.frame(.callFailure(ModemResult.v25bisCallFailureCode(for: answering ? .noCarrier : result)))
        }
        return output.actions()
    }

    /// The other party hung up: `NO CARRIER` (V.25bis, simulated: `CFIAB`) in a call, back to
    /// command mode; a ringing call stops ringing silently.
    public mutating func remoteHungUp(now: NIODeadline) -> [Action] {
        let before = phase
        phase = .idle
        deadline = nil
        escapePluses = 0
        // Whatever the DTE sent around the hang-up is not the start of its next command.
        commandLine.removeAll()
        commandLineOverflow = false
        frames = V25bisFrameReader()
        var output = Output()
        switch before {
        case .idle, .ringing:
            return []
        case .dialing, .answering, .data, .onlineCommand:
            switch self.protocol {
            case .hayes: output.result(.noCarrier, settings)
            case .v25bis: output.frame(.callFailure("AB"))
            }
        }
        return output.actions()
    }

    /// The DTE dropped DTR (its connection closed): with &D2 the modem hangs up any call and
    /// returns to command mode; a half-typed command line is forgotten. A ringing call keeps ringing.
    public mutating func dtrDropped(now: NIODeadline) -> [Action] {
        commandLine.removeAll()
        commandLineOverflow = false
        frames = V25bisFrameReader()
        escapePluses = 0
        switch phase {
        case .idle, .ringing:
            return []
        case .dialing, .answering, .data, .onlineCommand:
            phase = .idle
            deadline = nil
            return [.hangUp]
        }
    }

    /// The ring cadence and the escape guard time.
    public mutating func tick(now: NIODeadline) -> [Action] {
        guard let due = deadline, now >= due else { return [] }
        deadline = nil
        var output = Output()
        switch phase {
        case .ringing:
            ring(now: now, into: &output)
        case .data where escapePluses == 3:
            escapePluses = 0
            phase = .onlineCommand
            output.result(.ok, settings)
        default:
            break
        }
        return output.actions()
    }

    // MARK: - Shared

    /// The result a failed dial shows: BUSY, NO ANSWER, NO DIALTONE, ERROR, else NO CARRIER.
    static func dialFailure(_ result: ModemResult) -> ModemResult {
        switch result.hayesEquivalent {
        case .busy, .noAnswer, .noDialtone, .error: return result.hayesEquivalent
        default: return .noCarrier
        }
    }

    mutating func enterDataMode(now: NIODeadline) {
        phase = .data
        deadline = nil
        escapePluses = 0
        lastDataTime = now
    }

    mutating func ring(now: NIODeadline, into output: inout Output) {
        ringCount = ringCount < Int(UInt16.max) ? ringCount + 1 : ringCount
        switch self.protocol {
        case .hayes:
            output.result(.ring, settings)
            if ringCount == 1, settings.callerID {
                output.line("DATE = \(configuration.callerIDDate)")
                output.line("TIME = \(configuration.callerIDTime)")
                if let number = callingNumber { output.line("NMBR = \(number)") }
            }
            if settings.autoAnswerRings > 0, ringCount >= settings.autoAnswerRings {
                phase = .answering
                deadline = nil
                output.append(.answer)
                return
            }
        case .v25bis:
            output.frame(.incoming(callingNumber: callingNumber.flatMap(ModemDialer.validDialString)))
        }
        deadline = now + configuration.ringInterval
        output.append(.setTimer(now + configuration.ringInterval))
    }

    // MARK: - V.25bis

    mutating func v25bis(_ message: V25bisMessage, now: NIODeadline, into output: inout Output) {
        switch message {
        case .callRequest(let number):
            guard phase == .idle, let dial = ModemDialer.validDialString(number) else { return output.frame(.invalid) }
            phase = .dialing
            output.frame(.valid)
            output.append(.dial(number: dial))
        case .connectIncoming:
            guard phase == .ringing else { return output.frame(.invalid) }
            phase = .answering
            deadline = nil
            output.frame(.valid)
            output.append(.answer)
        case .disregardIncoming:
            guard phase == .ringing else { return output.frame(.invalid) }
            phase = .idle
            deadline = nil
            output.frame(.valid)
            output.append(.hangUp)
        default:
            output.frame(.invalid)
        }
    }
}

/// Collects the bytes to the DTE in order with the other actions.
struct Output {
    var bytes = ByteBuffer()
    var list: [ModemEmulator.Action] = []

    mutating func write(_ text: String) { bytes.writeString(text) }
    mutating func writeByte(_ byte: UInt8) { bytes.writeInteger(byte) }

    /// A result as the settings say: verbose `\r\nTEXT\r\n` or numeric `N\r`.
    mutating func result(_ result: ModemResult, _ settings: HayesSettings) {
        if !settings.verbose, let numeric = result.hayesNumeric {
            write("\(numeric)\r")
        } else {
            line(result.hayesVerbose)
        }
    }

    mutating func line(_ text: String) { write("\r\n\(text)\r\n") }

    mutating func frame(_ message: V25bisMessage) { V25bisFrame.encode(message.text, into: &bytes) }

    mutating func append(_ action: ModemEmulator.Action) {
        flush()
        list.append(action)
    }

    mutating func flush() {
        guard bytes.readableBytes > 0 else { return }
        list.append(.toDTE(bytes))
        bytes = ByteBuffer()
    }

    mutating func actions() -> [ModemEmulator.Action] {
        flush()
        return list
    }
}
