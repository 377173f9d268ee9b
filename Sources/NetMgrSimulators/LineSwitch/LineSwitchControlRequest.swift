import NetMgrCore

/// One request line of the line switch's control interface (see docs/LINE-SWITCH.md):
///
///     SWITCH "COM1 Unit1 Line1" node-b EPOCH 7
///     STATUS
///     HELP
///     QUIT
///
/// Keywords are case-insensitive; the unit may be quoted or written as plain words. A
/// SWITCH may end in `TIME t NONCE n MAC m` (`LineSwitchSignature`); a switch with a key
/// requires it (`LineSwitchAuthenticator`).
public enum LineSwitchControlRequest: Hashable, Sendable {
    case switchLine(unit: LineSwitchUnit, node: String, epoch: UInt64)
    case status
    case help
    case quit

    /// Parses one line (without its line end); a SWITCH's TIME, NONCE and MAC are accepted
    /// and left out (`parseSigned` returns them).
    public static func parse(_ text: String) -> Result<LineSwitchControlRequest, LineSwitchControlError> {
        parseSigned(text).map(\.request)
    }

    /// Parses one line, with a SWITCH's authentication fields when it has any.
    public static func parseSigned(_ text: String) -> Result<(request: LineSwitchControlRequest, signature: LineSwitchSignature?), LineSwitchControlError> {
        var words: [String]
        switch tokenize(text) {
        case .success(let tokens): words = tokens
        case .failure(let error): return .failure(error)
        }
        var signature: LineSwitchSignature?
        if words.first?.uppercased() == "SWITCH" {
            switch splitSignature(&words) {
            case .success(let fields): signature = fields
            case .failure(let error): return .failure(error)
            }
        }
        return parse(words: words).map { ($0, signature) }
    }

    private static func parse(words: [String]) -> Result<LineSwitchControlRequest, LineSwitchControlError> {
        guard let verb = words.first?.uppercased() else {
            return .failure(.init(.syntax, "empty request; expected SWITCH, STATUS, HELP or QUIT"))
        }
        let arguments = Array(words.dropFirst())
        switch verb {
        case "SWITCH":
            return parseSwitch(arguments)
        case "STATUS", "HELP", "QUIT":
            guard arguments.isEmpty else {
                return .failure(.init(.syntax, "\(verb) takes no arguments, got \(arguments.joined(separator: " "))"))
            }
            return .success(verb == "STATUS" ? .status : verb == "HELP" ? .help : .quit)
        default:
            return .failure(.init(.unknownCommand, "unknown command \"\(words[0])\"; expected SWITCH, STATUS, HELP or QUIT"))
        }
    }

    static let switchUsage = "usage: SWITCH \"COMn Unitm Linek\" NODE EPOCH n"

    private static func parseSwitch(_ arguments: [String]) -> Result<LineSwitchControlRequest, LineSwitchControlError> {
        guard let epochIndex = arguments.lastIndex(where: { $0.uppercased() == "EPOCH" }) else {
            return .failure(.init(.syntax, "SWITCH needs EPOCH; \(switchUsage)"))
        }
        guard epochIndex == arguments.count - 2 else {
            return .failure(.init(.syntax, "SWITCH: EPOCH must be followed by exactly one number; \(switchUsage)"))
        }
        let epochText = arguments[epochIndex + 1]
        guard let epoch = UInt64(epochText) else {
            return .failure(.init(.syntax, "SWITCH: epoch \"\(epochText)\" is not a whole number from 0 to \(UInt64.max)"))
        }
        guard epochIndex >= 2 else { return .failure(.init(.syntax, "SWITCH needs a line and a node; \(switchUsage)")) }
        let node = arguments[epochIndex - 1]
        let unitText = arguments[0..<(epochIndex - 1)].joined(separator: " ")
        guard let unit = LineSwitchUnit(parsing: unitText) else {
            return .failure(.init(.syntax, "SWITCH: \"\(unitText)\" is not a line switch unit; expected COMn Unitm Linek, e.g. \"COM1 Unit1 Line1\""))
        }
        return .success(.switchLine(unit: unit, node: node, epoch: epoch))
    }

    static let signatureKeywords: Set<String> = ["TIME", "NONCE", "MAC"]

    /// Takes `TIME t NONCE n MAC m` (in any order, each at most once) off the end of a
    /// SWITCH. Nil when there is none of them; a signature without `mac` when only the MAC
    /// is missing (the switch refuses that as unauthenticated, not as a syntax error).
    static func splitSignature(_ words: inout [String]) -> Result<LineSwitchSignature?, LineSwitchControlError> {
        var fields: [String: String] = [:]
        while words.count >= 3, case let keyword = words[words.count - 2].uppercased(), signatureKeywords.contains(keyword) {
            guard fields[keyword] == nil else { return .failure(.init(.syntax, "SWITCH: \(keyword) is given twice")) }
            fields[keyword] = words.removeLast()
            words.removeLast()
        }
        guard !fields.isEmpty else { return .success(nil) }
        let usage = "expected SWITCH \"COMn Unitm Linek\" NODE EPOCH n TIME unix-seconds NONCE 16-hex-digits MAC 64-hex-digits"
        guard let timeText = fields["TIME"], let nonceText = fields["NONCE"] else {
            return .failure(.init(.syntax, "SWITCH: \(fields["TIME"] == nil ? "TIME" : "NONCE") is missing; \(usage)"))
        }
        guard let time = Int64(timeText), time >= 0 else {
            return .failure(.init(.syntax, "SWITCH: TIME \"\(timeText)\" is not Unix seconds (a whole number from 0)"))
        }
        guard nonceText.utf8.count == 16, nonceText.allSatisfy(\.isHexDigit), let nonce = UInt64(nonceText, radix: 16) else {
            return .failure(.init(.syntax, "SWITCH: NONCE \"\(nonceText)\" is not 16 hex digits (8 random bytes)"))
        }
        var mac: [UInt8]?
        if let macText = fields["MAC"] {
            guard let bytes = hexBytes(macText), bytes.count == 32 else {
                return .failure(.init(.syntax, "SWITCH: MAC is not 64 hex digits (HMAC-SHA256)"))
            }
            mac = bytes
        }
        return .success(LineSwitchSignature(time: time, nonce: nonce, mac: mac))
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Splits on blanks; "double quotes" group words.
    static func tokenize(_ text: String) -> Result<[String], LineSwitchControlError> {
        var tokens: [String] = []
        var current = ""
        var inQuotes = false
        var hasToken = false
        for character in text {
            if character == "\"" {
                inQuotes.toggle()
                hasToken = true
            } else if (character == " " || character == "\t") && !inQuotes {
                if hasToken { tokens.append(current) }
                current = ""
                hasToken = false
            } else {
                guard character.isASCII, !(character.asciiValue! < 0x20) else {
                    return .failure(.init(.syntax, "request contains a control or non-ASCII character"))
                }
                current.append(character)
                hasToken = true
            }
        }
        if inQuotes { return .failure(.init(.syntax, "unterminated quote in request")) }
        if hasToken { tokens.append(current) }
        return .success(tokens)
    }
}
