// Telnet command bytes, option codes and TN3270E command / flag / sense
// values in one place (DESIGN.md §4). Typed wrappers (TelnetOption,
// TN3270EFunction, TN3270EDataType, TN3270ERejectReason) name the rest.

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
/// RFC 1091 TERMINAL-TYPE, RFC 885 END-OF-RECORD, RFC 2355 TN3270E,
/// draft-altman-telnet-starttls START_TLS).
public enum TelnetOptionCode {
    public static let binary: UInt8 = 0
    public static let echo: UInt8 = 1
    public static let suppressGoAhead: UInt8 = 3
    public static let timingMark: UInt8 = 6
    public static let terminalType: UInt8 = 24
    public static let endOfRecord: UInt8 = 25
    public static let tn3270e: UInt8 = 40
    public static let startTLS: UInt8 = 46
}

/// START_TLS sub-negotiation commands (draft-altman-telnet-starttls): both sides send
/// IAC SB START_TLS FOLLOWS IAC SE, then the TLS handshake starts on the same connection.
public enum StartTLSCode {
    public static let follows: UInt8 = 1
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

/// RESPONSE-FLAG values (RFC 2355 §8.1.3). For 3270-DATA and SCS-DATA the
/// sender asks for a response; for RESPONSE it says positive or negative.
public enum TN3270EResponseFlag {
    public static let noResponse: UInt8 = 0x00
    public static let errorResponse: UInt8 = 0x01
    public static let alwaysResponse: UInt8 = 0x02
    public static let positiveResponse: UInt8 = 0x00
    public static let negativeResponse: UInt8 = 0x01
}

/// REQUEST-FLAG values (RFC 2355 §8.1.2); only used with data-type REQUEST.
public enum TN3270ERequestFlag {
    public static let errorConditionCleared: UInt8 = 0x00
}

/// The data byte of a RESPONSE message (RFC 2355 §10.4).
public enum TN3270ESense {
    public static let deviceEnd: UInt8 = 0x00
    public static let commandReject: UInt8 = 0x00
    public static let interventionRequired: UInt8 = 0x01
    public static let operationCheck: UInt8 = 0x02
    public static let componentDisconnected: UInt8 = 0x03

    static func name(_ sense: UInt8) -> String {
        switch sense {
        case 0x00: "COMMAND-REJECT"
        case 0x01: "INTERVENTION-REQUIRED"
        case 0x02: "OPERATION-CHECK"
        case 0x03: "COMPONENT-DISCONNECTED"
        default: "0x\(String(sense, radix: 16))"
        }
    }
}
