/// How netmgrd talks to the modem of an `hdlc-public` line (`dial:`).
public enum DialCommandSet: String, Sendable, CaseIterable {
    /// Hayes AT commands (ATZ, ATDT, ATS0=n, ATA, ATH) and verbose result codes.
    case hayes
    /// ITU-T V.25bis: CRN/CIC/DIC from the DTE, VAL/INV/CFI/INC from the modem, in HDLC frames.
    case v25bis
}

/// Who places the call on a switched line (`call:`).
public enum CallDirection: String, Sendable, CaseIterable {
    /// netmgrd dials the resource's `host: tel:NUMBER`.
    case out
    /// The host calls the line; netmgrd answers.
    case `in`
}

/// The call settings of a switched line: the public telephone line (`hdlc-public`) and ISDN
/// (`hdlc-isdn`). The line's number is the subscriber line the line switch moves, so it is
/// the same on both nodes; an ISDN node calls from its own `isdn-number` (per node).
public struct SwitchedLineSettings: Sendable, Hashable {
    /// `hdlc-public`: the line's own subscriber number, what the host's caller id shows.
    public var number: String?
    /// `hdlc-public`: the modem's command set.
    public var dial = DialCommandSet.hayes
    public var call = CallDirection.out
    /// Call-in on `hdlc-public`: the modem answers after this many rings (0: netmgrd
    /// answers each RING itself with ATA).
    public var answerRings = SwitchedLineSettings.defaultAnswerRings
    /// Call attempts that may fail in a row before the resource gives up.
    public var redialLimit = SwitchedLineSettings.defaultRedialLimit
    /// Seconds before the first redial; the delay doubles per failure up to `maximumRedialDelaySeconds`.
    public var redialDelaySeconds = SwitchedLineSettings.defaultRedialDelaySeconds
    /// Seconds from dialling (or from the first RING) to the connection.
    public var connectTimeoutSeconds = SwitchedLineSettings.defaultConnectTimeoutSeconds

    public static let defaultAnswerRings = 1
    public static let defaultRedialLimit = 5
    public static let defaultRedialDelaySeconds = 2
    public static let maximumRedialDelaySeconds = 60
    public static let defaultConnectTimeoutSeconds = 60

    public static let answerRingsRange = 0...15
    public static let redialLimitRange = 1...100
    public static let redialDelayRange = 1...60
    public static let connectTimeoutRange = 5...600

    /// The keys only switched lines take; `number`, `dial` and `answer-rings` only `hdlc-public`.
    public static let keys = ["number", "dial", "call", "answer-rings", "redial-limit", "redial-delay", "connect-timeout"]
    public static let publicOnlyKeys = ["number", "dial", "answer-rings"]

    public init() {}

    /// The most digits a dialled number (`host: tel:`, `isdn-number`) may have: E.164's 15 and
    /// room for a prefix.
    public static let maximumDialledDigits = 20

    /// A number that is dialled or sent in a Q.931 SETUP (`host: tel:N`, `nodes.NODE.isdn-number`),
    /// as netmgrd sends it: ASCII digits 0-9 only, 1 to `maximumDialledDigits` of them; `-` may
    /// stand between digits as a visual separator and is dropped here. No `+`: the modems' dial
    /// strings and Q.931's IA5 digits do not carry it (write the number as dialled from the line;
    /// Q.931 sends it as a national number, E.164). nil when `text` is not such a number.
    public static func dialledDigits(_ text: String) -> String? {
        guard text.first != "-", text.last != "-" else { return nil }
        let digits = text.filter { $0 != "-" }
        guard (1...maximumDialledDigits).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    /// A subscriber number as written: digits, optionally with a leading + (1 to 20 of them).
    public static func isTelephoneNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (1...20).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension Procedure {
    /// The procedures that place a call before SDLC runs: public telephone line and ISDN.
    public var isSwitchedCall: Bool { self == .hdlcPublic || self == .hdlcISDN }

    /// The procedures on which netmgrd is an SDLC secondary with a station address and an XID node id.
    public var hasSDLCStation: Bool { self == .hdlcLeased || isSwitchedCall }
}
