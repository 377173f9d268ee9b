/// A variable-length Q.931 information element of codeset 0: identifier and contents
/// (without the length octet). Single-octet elements are skipped when decoding.
public struct Q931InformationElement: Hashable, Sendable {
    public var identifier: UInt8
    public var contents: [UInt8]

    public init(identifier: UInt8, contents: [UInt8]) {
        self.identifier = identifier
        self.contents = contents
    }

    public static let bearerCapabilityIdentifier: UInt8 = 0x04
    public static let causeIdentifier: UInt8 = 0x08
    public static let channelIdentificationIdentifier: UInt8 = 0x18
    public static let progressIndicatorIdentifier: UInt8 = 0x1E
    public static let displayIdentifier: UInt8 = 0x28
    public static let connectedNumberIdentifier: UInt8 = 0x4C
    public static let callingPartyNumberIdentifier: UInt8 = 0x6C
    public static let calledPartyNumberIdentifier: UInt8 = 0x70

    /// Bearer capability for a data call: ITU-T coding, unrestricted digital information
    /// (0x88), circuit mode 64 kbit/s (0x90).
    public static let unrestrictedDigitalBearer = Q931InformationElement(identifier: bearerCapabilityIdentifier, contents: [0x88, 0x90])

    /// Channel identification on a basic-rate interface: B1 or B2, preferred or exclusive;
    /// `nil` asks for any channel (0x83).
    public static func channelIdentification(_ channel: ISDNChannel?, exclusive: Bool) -> Q931InformationElement {
        let selection: UInt8
        switch channel {
        case .b1: selection = 0x01
        case .b2: selection = 0x02
        case .d: selection = 0x04  // D-channel indicator, no B channel
        case nil: selection = 0x03
        }
        return Q931InformationElement(identifier: channelIdentificationIdentifier, contents: [0x80 | (exclusive ? 0x08 : 0) | selection])
    }

    /// Cause: ITU-T coding, location (0 user, 2 public network serving the local user), value.
    public static func cause(_ value: UInt8, location: UInt8 = 0) -> Q931InformationElement {
        Q931InformationElement(identifier: causeIdentifier, contents: [0x80 | (location & 0x0F), 0x80 | (value & 0x7F)])
    }

    /// Calling party number: type national number, ISDN/telephony numbering plan E.164 (0x21),
    /// octet 3a presentation allowed, user-provided not screened (0x80), then the IA5 digits.
    public static func callingPartyNumber(_ digits: String) throws(Q931NumberError) -> Q931InformationElement {
        Q931InformationElement(identifier: callingPartyNumberIdentifier, contents: [0x21, 0x80] + (try Self.digitBytes(digits)))
    }

    /// Called party number: type unknown, ISDN/telephony numbering plan (0x81), IA5 digits.
    public static func calledPartyNumber(_ digits: String) throws(Q931NumberError) -> Q931InformationElement {
        Q931InformationElement(identifier: calledPartyNumberIdentifier, contents: [0x81] + (try Self.digitBytes(digits)))
    }

    /// Connected number: coded like the calling party number.
    public static func connectedNumber(_ digits: String) throws(Q931NumberError) -> Q931InformationElement {
        Q931InformationElement(identifier: connectedNumberIdentifier, contents: [0x21, 0x80] + (try Self.digitBytes(digits)))
    }

    /// The most digits a number element is built with here (the definitions allow as many).
    public static let maximumNumberDigits = 20

    /// The IA5 digits of a number, unchanged: 1 to `maximumNumberDigits` of 0-9, * and #;
    /// anything else is refused rather than sent as a different number.
    static func digitBytes(_ digits: String) throws(Q931NumberError) -> [UInt8] {
        let bytes = Array(digits.utf8)
        guard (1...maximumNumberDigits).contains(bytes.count), bytes.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2A || $0 == 0x23 }) else {
            throw Q931NumberError(number: digits)
        }
        return bytes
    }

    /// The digits of a number element (calling, called, connected): after octet 3 (and 3a
    /// when octet 3's extension bit is 0; the called number has no 3a).
    public var numberDigits: String? {
        guard let octet3 = contents.first else { return nil }
        var start = 1
        if identifier != Self.calledPartyNumberIdentifier, octet3 & 0x80 == 0 { start = 2 }
        guard start <= contents.count else { return nil }
        let digits = contents[start...].map { Character(Unicode.Scalar($0 & 0x7F)) }
        return String(digits)
    }

    /// The cause value (Q.850) of a cause element.
    public var causeValue: UInt8? {
        guard identifier == Self.causeIdentifier, let octet3 = contents.first else { return nil }
        // Octet 3a (recommendation) follows when octet 3's extension bit is 0.
        let index = octet3 & 0x80 == 0 ? 2 : 1
        guard index < contents.count else { return nil }
        return contents[index] & 0x7F
    }

    /// The B channel a channel identification element names (basic-rate coding).
    public var channelValue: ISDNChannel? {
        guard identifier == Self.channelIdentificationIdentifier, let octet3 = contents.first else { return nil }
        switch octet3 & 0x03 {
        case 0x01: return .b1
        case 0x02: return .b2
        default: return nil
        }
    }

    /// Whether a channel identification element says the channel is exclusive.
    public var channelExclusive: Bool {
        guard identifier == Self.channelIdentificationIdentifier, let octet3 = contents.first else { return false }
        return octet3 & 0x08 != 0
    }
}

/// A number that a Q.931 number element cannot carry unchanged.
public struct Q931NumberError: Error, Hashable, Sendable, CustomStringConvertible {
    public var number: String
    public init(number: String) { self.number = number }
    public var description: String {
        "\"\(number)\" cannot be sent as a Q.931 number: 1 to \(Q931InformationElement.maximumNumberDigits) digits 0-9, * or # expected"
    }
}
