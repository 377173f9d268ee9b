/// What one line of a Hayes modem's output is.
public enum HayesLine: Hashable, Sendable {
    /// A result code (or caller id `NMBR`).
    case result(ModemResult)
    /// The modem echoing a command line (`AT…`, `A/`).
    case echo
    /// Caller id `DATE =` / `TIME =` / `NAME =` and other lines the dialer ignores.
    case ignored
}

extension ModemResult {
    /// Classifies one line (without CR/LF) of a Hayes modem's output: verbose and numeric
    /// results, caller id, echo.
    public static func hayesLine(_ text: String) -> HayesLine {
        let line = text.trimmingSpaces()
        let upper = line.uppercased()
        if upper.hasPrefix("AT") || upper.hasPrefix("A/") { return .echo }
        switch upper {
        case "OK", "0": return .result(.ok)
        case "CONNECT", "1": return .result(.connect(speed: nil))
        case "RING", "2": return .result(.ring)
        case "NO CARRIER", "3": return .result(.noCarrier)
        case "ERROR", "4": return .result(.error)
        case "NO DIALTONE", "NO DIAL TONE", "6": return .result(.noDialtone)
        case "BUSY", "7": return .result(.busy)
        case "NO ANSWER", "8": return .result(.noAnswer)
        default: break
        }
        if upper.hasPrefix("CONNECT ") {
            // `CONNECT 9600`, `CONNECT 9600/ARQ`: the leading digits are the speed.
            let digits = upper.dropFirst("CONNECT ".count).prefix { $0.isASCII && $0.isNumber }
            return .result(.connect(speed: digits.isEmpty || digits.count > 9 ? nil : Int(digits)))
        }
        if let value = callerIDValue(upper, key: "NMBR") {
            return .result(.callerNumber(value))
        }
        return .ignored
    }

    /// The value of a caller id line `KEY = value` (spaces around `=` optional).
    static func callerIDValue(_ line: String, key: String) -> String? {
        guard line.hasPrefix(key) else { return nil }
        let rest = line.dropFirst(key.count).drop { $0 == " " }
        guard rest.first == "=" else { return nil }
        return String(rest.dropFirst()).trimmingSpaces()
    }

    /// The Hayes verbose text of a result (caller id: `NMBR = <digits>`; V.25bis results: their text).
    public var hayesVerbose: String {
        switch self {
        case .ok: return "OK"
        case .connect(let speed): return speed.map { "CONNECT \($0)" } ?? "CONNECT"
        case .ring: return "RING"
        case .noCarrier: return "NO CARRIER"
        case .error: return "ERROR"
        case .noDialtone: return "NO DIALTONE"
        case .busy: return "BUSY"
        case .noAnswer: return "NO ANSWER"
        case .callerNumber(let number): return "NMBR = \(number)"
        case .v25bisValid, .v25bisInvalid, .v25bisCallFailure, .v25bisIncoming: return v25bisText
        }
    }

    /// The Hayes numeric code (ATV0), nil for caller id and V.25bis results.
    public var hayesNumeric: Int? {
        switch self {
        case .ok: return 0
        case .connect: return 1
        case .ring: return 2
        case .noCarrier: return 3
        case .error: return 4
        case .noDialtone: return 6
        case .busy: return 7
        case .noAnswer: return 8
        default: return nil
        }
    }

    /// How a log names the result: the modem's own text, with the numeric code for Hayes.
    public var logName: String {
        if let numeric = hayesNumeric { return "\(hayesVerbose) (\(numeric))" }
        switch self {
        case .v25bisCallFailure(let code):
            let meaning = ModemResult.v25bisCallFailureMeaning(code).map { " (\($0))" } ?? ""
            return "CFI\(code)\(meaning)"
        default: return hayesVerbose
        }
    }

    /// The Hayes result with the same meaning (V.25bis `CFI` codes, `CNX`); the result itself otherwise.
    public var hayesEquivalent: ModemResult {
        switch self {
        case .v25bisCallFailure(let code):
            switch code {
            case "ET", "CB": return .busy
            case "NT", "RT", "NA": return .noAnswer
            case "NS": return .noDialtone
            default: return .noCarrier
            }
        case .v25bisInvalid: return .error
        case .v25bisValid: return .ok
        case .v25bisIncoming: return .ring
        default: return self
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
