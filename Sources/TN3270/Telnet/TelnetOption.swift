/// A telnet option code. Open set: any byte is a valid option number, the
/// named ones are those this module negotiates or recognises.
public struct TelnetOption: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let binary = TelnetOption(rawValue: TelnetOptionCode.binary)
    public static let echo = TelnetOption(rawValue: TelnetOptionCode.echo)
    public static let suppressGoAhead = TelnetOption(rawValue: TelnetOptionCode.suppressGoAhead)
    public static let timingMark = TelnetOption(rawValue: TelnetOptionCode.timingMark)
    public static let terminalType = TelnetOption(rawValue: TelnetOptionCode.terminalType)
    public static let endOfRecord = TelnetOption(rawValue: TelnetOptionCode.endOfRecord)
    public static let tn3270e = TelnetOption(rawValue: TelnetOptionCode.tn3270e)
    public static let startTLS = TelnetOption(rawValue: TelnetOptionCode.startTLS)

    public var description: String {
        switch self.rawValue {
        case TelnetOptionCode.binary: "BINARY"
        case TelnetOptionCode.echo: "ECHO"
        case TelnetOptionCode.suppressGoAhead: "SUPPRESS-GO-AHEAD"
        case TelnetOptionCode.timingMark: "TIMING-MARK"
        case TelnetOptionCode.terminalType: "TERMINAL-TYPE"
        case TelnetOptionCode.endOfRecord: "END-OF-RECORD"
        case TelnetOptionCode.tn3270e: "TN3270E"
        case TelnetOptionCode.startTLS: "START-TLS"
        default: "option \(self.rawValue)"
        }
    }
}
