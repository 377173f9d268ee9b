import NetMgrCore

/// One request line of the line switch's control interface (see docs/LINE-SWITCH.md):
///
///     SWITCH "COM1 Unit1 Line1" node-b EPOCH 7
///     STATUS
///     HELP
///     QUIT
///
/// Keywords are case-insensitive; the unit may be quoted or written as plain words.
public enum LineSwitchControlRequest: Hashable, Sendable {
    case switchLine(unit: LineSwitchUnit, node: String, epoch: UInt64)
    case status
    case help
    case quit

    /// Parses one line (without its line end).
    public static func parse(_ text: String) -> Result<LineSwitchControlRequest, LineSwitchControlError> {
        let words: [String]
        switch tokenize(text) {
        case .success(let tokens): words = tokens
        case .failure(let error): return .failure(error)
        }
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
