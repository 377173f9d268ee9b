// Every byte value this module puts on or reads from the wire, in one place
// (DESIGN.md §4). The typed wrappers elsewhere refer to these.

/// Telnet command bytes (RFC 854 "TELNET COMMAND STRUCTURE"; EOR from RFC 885).
public enum TelnetByte {
    public static let iac: UInt8 = 255
    public static let dont: UInt8 = 254
    public static let `do`: UInt8 = 253
    public static let wont: UInt8 = 252
    public static let will: UInt8 = 251
    public static let sb: UInt8 = 250
    public static let ga: UInt8 = 249
    public static let el: UInt8 = 248
    public static let ec: UInt8 = 247
    public static let ayt: UInt8 = 246
    public static let ao: UInt8 = 245
    public static let ip: UInt8 = 244
    public static let brk: UInt8 = 243
    public static let dm: UInt8 = 242
    public static let nop: UInt8 = 241
    public static let se: UInt8 = 240
    public static let eor: UInt8 = 239
}

/// Option codes (RFC 856 BINARY, RFC 857 ECHO, RFC 858 SGA, RFC 860 TIMING-MARK,
/// RFC 1091 TERMINAL-TYPE, RFC 885 END-OF-RECORD, RFC 2355 TN3270E).
public enum TelnetOptionCode {
    public static let binary: UInt8 = 0
    public static let echo: UInt8 = 1
    public static let suppressGoAhead: UInt8 = 3
    public static let timingMark: UInt8 = 6
    public static let terminalType: UInt8 = 24
    public static let endOfRecord: UInt8 = 25
    public static let tn3270e: UInt8 = 40
}

/// TERMINAL-TYPE sub-negotiation commands (RFC 1091).
public enum TerminalTypeCode {
    public static let `is`: UInt8 = 0
    public static let send: UInt8 = 1
}

/// TN3270E sub-negotiation command bytes (RFC 2355 §3).
public enum TN3270ECode {
    public static let associate: UInt8 = 0
    public static let connect: UInt8 = 1
    public static let deviceType: UInt8 = 2
    public static let functions: UInt8 = 3
    public static let `is`: UInt8 = 4
    public static let reason: UInt8 = 5
    public static let reject: UInt8 = 6
    public static let request: UInt8 = 7
    public static let send: UInt8 = 8
}
