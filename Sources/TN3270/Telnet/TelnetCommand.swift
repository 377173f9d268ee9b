/// The four negotiation verbs of RFC 854 / RFC 855.
public enum TelnetVerb: UInt8, Hashable, Sendable, CustomStringConvertible {
    case will = 251
    case wont = 252
    case `do` = 253
    case dont = 254

    public var description: String {
        switch self {
        case .will: "WILL"
        case .wont: "WONT"
        case .do: "DO"
        case .dont: "DONT"
        }
    }
}

/// Two-byte telnet commands (IAC + command) other than negotiation and
/// sub-negotiation. EOR (RFC 885) marks the end of a 3270 record.
public enum TelnetCommand: UInt8, Hashable, Sendable, CustomStringConvertible {
    case endOfRecord = 239
    case noOperation = 241
    case dataMark = 242
    case `break` = 243
    case interruptProcess = 244
    case abortOutput = 245
    case areYouThere = 246
    case eraseCharacter = 247
    case eraseLine = 248
    case goAhead = 249

    public var description: String {
        switch self {
        case .endOfRecord: "EOR"
        case .noOperation: "NOP"
        case .dataMark: "DM"
        case .break: "BRK"
        case .interruptProcess: "IP"
        case .abortOutput: "AO"
        case .areYouThere: "AYT"
        case .eraseCharacter: "EC"
        case .eraseLine: "EL"
        case .goAhead: "GA"
        }
    }
}
