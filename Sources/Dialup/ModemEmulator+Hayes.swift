import NIOCore

extension ModemEmulator {
    /// One byte from the DTE in command mode: echo, line editing, CR ends the command line.
    mutating func hayesByte(_ byte: UInt8, now: NIODeadline, into output: inout Output) {
        if phase == .dialing || phase == .answering {
            // Any character aborts dialling or answering.
            phase = .idle
            deadline = nil
            commandLine.removeAll()
            output.append(.hangUp)
            output.result(.noCarrier, settings)
            return
        }
        // A modem scans for the `AT` prefix: until `A`/`a` followed by `T`/`t` starts a command
        // line, characters are discarded (not echoed). Data-mode bytes that arrive after a call
        // dropped (SDLC frames) must not become the head of the DTE's next `ATZ` line.
        if commandLine.count < 2 {
            let isA = byte == UInt8(ascii: "A") || byte == UInt8(ascii: "a")
            let isT = byte == UInt8(ascii: "T") || byte == UInt8(ascii: "t")
            if commandLine.isEmpty || !isT {
                // `A` not followed by `T` was noise; this byte may start a new prefix. The `A`
                // is echoed only once the `T` confirms it.
                commandLine.removeAll(keepingCapacity: true)
                if isA { commandLine.append(byte) }
                return
            }
            if settings.echo, let first = commandLine.first { output.writeByte(first) }
        }
        if settings.echo { output.writeByte(byte) }
        switch byte {
        case 0x0D:
            let line = commandLine
            let overflow = commandLineOverflow
            commandLine.removeAll(keepingCapacity: true)
            commandLineOverflow = false
            if overflow {
                output.result(.error, settings)
            } else {
                commandLineEntered(line, now: now, into: &output)
            }
        case 0x0A:
            break
        case 0x08, 0x7F:
            if !commandLine.isEmpty { commandLine.removeLast() }
        default:
            if commandLine.count >= Self.maximumCommandLine {
                commandLineOverflow = true
            } else {
                commandLine.append(byte)
            }
        }
    }

    /// Executes one command line. Lines not starting with `AT` are ignored, like a modem's.
    mutating func commandLineEntered(_ line: [UInt8], now: NIODeadline, into output: inout Output) {
        let text = Array(String(decoding: line, as: UTF8.self).uppercased().unicodeScalars)
        guard text.count >= 2, text[0] == "A", text[1] == "T" else { return }
        var parser = CommandParser(text: text, index: 2)
        while let command = parser.next() {
            switch command {
            case .character(" "):
                continue
            case .character("Z"):
                settings = HayesSettings()
                if phase != .idle, phase != .ringing {
                    phase = .idle
                    deadline = nil
                    output.append(.hangUp)
                }
                return output.result(.ok, settings)
            case .character("E"):
                guard let value = parser.digit(default: 0), value <= 1 else { return output.result(.error, settings) }
                settings.echo = value == 1
            case .character("V"):
                guard let value = parser.digit(default: 0), value <= 1 else { return output.result(.error, settings) }
                settings.verbose = value == 1
            case .character("Q"), .character("X"), .character("L"), .character("M"), .character("I"):
                guard parser.digit(default: 0) != nil else { return output.result(.error, settings) }
            case .character("&"):
                guard let letter = parser.take(), "DCKFW".unicodeScalars.contains(letter),
                      parser.digit(default: 0) != nil
                else { return output.result(.error, settings) }
                if letter == "F" { settings = HayesSettings() }
            case .character("S"):
                guard let register = parser.number(), register <= 255 else { return output.result(.error, settings) }
                if parser.accept("=") {
                    guard let value = parser.number(), value <= 255 else { return output.result(.error, settings) }
                    if register == 0 { settings.autoAnswerRings = value }
                } else if parser.accept("?") {
                    let value = register == 0 ? settings.autoAnswerRings : 0
                    output.line(String(repeating: "0", count: max(0, 3 - String(value).count)) + String(value))
                } else {
                    return output.result(.error, settings)
                }
            case .character("+"), .character("#"):
                // AT+VCID=n (and the older AT#CID=n): caller id on (1, 2) or off (0).
                let name = parser.word()
                guard name == "VCID" || name == "CID", parser.accept("="), let value = parser.digit(default: nil), value <= 2
                else { return output.result(.error, settings) }
                settings.callerID = value != 0
            case .character("D"):
                let dialString = parser.rest().filter { !"TPW!@;".unicodeScalars.contains($0) }
                guard phase == .idle, let number = ModemDialer.validDialString(String(String.UnicodeScalarView(dialString)))
                else { return output.result(phase == .idle ? .error : .noCarrier, settings) }
                phase = .dialing
                output.append(.dial(number: number))
                return
            case .character("A"):
                guard phase == .ringing else { return output.result(.noCarrier, settings) }
                phase = .answering
                deadline = nil
                output.append(.answer)
                return
            case .character("H"):
                guard let value = parser.digit(default: 0), value == 0 else { return output.result(.error, settings) }
                if phase == .onlineCommand || phase == .dialing || phase == .answering {
                    phase = .idle
                    deadline = nil
                    output.append(.hangUp)
                }
            case .character("O"):
                guard parser.digit(default: 0) != nil else { return output.result(.error, settings) }
                guard phase == .onlineCommand else { return output.result(.noCarrier, settings) }
                enterDataMode(now: now)
                return output.result(.connect(speed: configuration.connectSpeed), settings)
            case .character:
                return output.result(.error, settings)
            }
        }
        output.result(.ok, settings)
    }
}

/// Walks an AT command line after `AT`.
struct CommandParser {
    enum Token { case character(Unicode.Scalar) }
    let text: [Unicode.Scalar]
    var index: Int

    mutating func next() -> Token? {
        guard let scalar = take() else { return nil }
        return .character(scalar)
    }

    mutating func take() -> Unicode.Scalar? {
        guard index < text.count else { return nil }
        defer { index += 1 }
        return text[index]
    }

    mutating func accept(_ scalar: Unicode.Scalar) -> Bool {
        guard index < text.count, text[index] == scalar else { return false }
        index += 1
        return true
    }

    /// One optional digit; `fallback` when none follows (nil fallback: a digit is required).
    mutating func digit(default fallback: Int?) -> Int? {
        guard index < text.count, let value = Self.value(of: text[index]) else { return fallback }
        index += 1
        return value
    }

    /// Up to three decimal digits (nil when none).
    mutating func number() -> Int? {
        var value = 0
        var count = 0
        while index < text.count, count < 3, let digit = Self.value(of: text[index]) {
            value = value * 10 + digit
            count += 1
            index += 1
        }
        return count == 0 ? nil : value
    }

    mutating func word() -> String {
        var result = String.UnicodeScalarView()
        while index < text.count, ("A"..."Z").contains(text[index]) {
            result.append(text[index])
            index += 1
        }
        return String(result)
    }

    mutating func rest() -> [Unicode.Scalar] {
        defer { index = text.count }
        return Array(text[min(index, text.count)...])
    }

    static func value(of scalar: Unicode.Scalar) -> Int? {
        ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : nil
    }
}
