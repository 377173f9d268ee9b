import NIOCore
import SDLC

/// One V.25bis message in an HDLC frame: address 0xFF, control 0x13 (UI, P/F set; 0x03, a
/// frame of a longer message, is read as a whole message too), IA5 text, CRC-16/X.25 FCS.
public enum V25bisFrame {
    public static let address: UInt8 = 0xFF
    public static let control: UInt8 = 0x13
    static let continuedControl: UInt8 = 0x03
    /// Longest text accepted (V.25bis messages are short; a CRN number is at most ~40 digits).
    public static let maximumTextLength = 128

    /// Appends the framed message (flags, transparency, FCS) to `out`.
    public static func encode(_ text: String, into out: inout ByteBuffer) {
        HDLCFrameEncoder.encode(content: [address, control] + Array(text.utf8), into: &out)
    }

    /// The framed message as a buffer.
    public static func encoded(_ text: String) -> ByteBuffer {
        var out = ByteBuffer()
        encode(text, into: &out)
        return out
    }

    /// The text of a frame's content (address, control, information; FCS removed), or nil when
    /// it is not a V.25bis message (other address or control, non-IA5 bytes, too long).
    public static func text(ofFrame content: ByteBuffer) -> String? {
        let bytes = content.readableBytesView
        guard bytes.count >= 2, bytes.count - 2 <= maximumTextLength,
              bytes[bytes.startIndex] == address,
              bytes[bytes.startIndex + 1] == control || bytes[bytes.startIndex + 1] == continuedControl
        else { return nil }
        let text = bytes.dropFirst(2)
        guard text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A V.25bis message from the DTE (command) or the DCE (indication).
public enum V25bisMessage: Hashable, Sendable {
    /// `CRN<number>`: call request with number provided.
    case callRequest(number: String)
    /// `CIC`: connect incoming call.
    case connectIncoming
    /// `DIC`: disregard incoming call.
    case disregardIncoming
    /// `VAL`: the command was valid.
    case valid
    /// `INV[xx]`: the command was invalid.
    case invalid
    /// `CFI<code>` (also `CF<code>`, the extended form): call failure.
    case callFailure(String)
    /// `INC[<calling number>]`: incoming call.
    case incoming(callingNumber: String?)
    /// `CNX`: call connecting; data mode follows.
    case connecting
    /// Any other text.
    case other(String)

    public init(text: String) {
        let upper = text.uppercased()
        switch upper {
        case "CIC": self = .connectIncoming
        case "DIC": self = .disregardIncoming
        case "VAL": self = .valid
        case "CNX": self = .connecting
        default:
            if upper.hasPrefix("CRN") {
                self = .callRequest(number: String(upper.dropFirst(3)))
            } else if upper.hasPrefix("INV") {
                self = .invalid
            } else if upper.hasPrefix("CFI") {
                self = .callFailure(String(upper.dropFirst(3)))
            } else if upper.hasPrefix("CF"), upper.count == 4 {
                self = .callFailure(String(upper.dropFirst(2)))
            } else if upper.hasPrefix("INC") {
                let digits = String(upper.dropFirst(3))
                self = .incoming(callingNumber: digits.isEmpty ? nil : digits)
            } else {
                self = .other(text)
            }
        }
    }

    public var text: String {
        switch self {
        case .callRequest(let number): return "CRN" + number
        case .connectIncoming: return "CIC"
        case .disregardIncoming: return "DIC"
        case .valid: return "VAL"
        case .invalid: return "INV"
        case .callFailure(let code): return "CFI" + code
        case .incoming(let number): return "INC" + (number ?? "")
        case .connecting: return "CNX"
        case .other(let text): return text
        }
    }

    /// The indication as a modem result (nil for DTE commands and unknown texts).
    public var result: ModemResult? {
        switch self {
        case .valid: return .v25bisValid
        case .invalid: return .v25bisInvalid
        case .callFailure(let code): return .v25bisCallFailure(code)
        case .incoming: return .v25bisIncoming
        case .connecting: return .connect(speed: nil)
        case .callRequest, .connectIncoming, .disregardIncoming, .other: return nil
        }
    }
}

extension ModemResult {
    /// The V.25bis text of an indication result.
    public var v25bisText: String {
        switch self {
        case .v25bisValid: return "VAL"
        case .v25bisInvalid: return "INV"
        case .v25bisCallFailure(let code): return "CFI" + code
        case .v25bisIncoming: return "INC"
        case .connect: return "CNX"
        default: return "CFI" + ModemResult.v25bisCallFailureCode(for: self)
        }
    }

    /// The CFI code this simulator's modem reports for a Hayes-style failure. V.25bis has no
    /// code for every Hayes result, so the mapping is this simulator's choice: busy → `ET`
    /// (engaged tone); no answer → `NT` (a real modem says `RT` when the far end rang out and
    /// `NT` when it answered without an answer tone); no dial tone → `NS` (V.25bis: number not
    /// stored, the code a CRN to an unusable line meets first here); anything else, and the far
    /// end hanging up in a call → `AB` (call aborted).
    public static func v25bisCallFailureCode(for result: ModemResult) -> String {
        switch result {
        case .busy: return "ET"
        case .noAnswer: return "NT"
        case .noDialtone: return "NS"
        case .v25bisCallFailure(let code): return code
        default: return "AB"
        }
    }

    /// What a CFI code means in ITU-T V.25bis, for logs.
    public static func v25bisCallFailureMeaning(_ code: String) -> String? {
        switch code {
        case "AB": return "call aborted on a timeout"
        case "CB": return "local DCE busy"
        case "ET": return "engaged tone, busy"
        case "FC": return "forbidden call"
        case "NS": return "number not stored"
        case "NT": return "answer tone not detected"
        case "RT": return "ring tone: the far end rang, no answer"
        default: return nil
        }
    }
}

/// Reads V.25bis messages from a byte stream with the SDLC module's HDLC decoder. Frames that
/// are not V.25bis messages, and framing errors, are counted and skipped.
public struct V25bisFrameReader: Sendable {
    var decoder = HDLCFrameDecoder(maximumFrameLength: V25bisFrame.maximumTextLength + 4)
    public private(set) var skippedFrames = 0
    public private(set) var framingErrors = 0

    public init() {}

    /// Consumes bytes from `buffer` up to the end of the next V.25bis message and returns it;
    /// nil when the buffer ran out first.
    public mutating func nextMessage(from buffer: inout ByteBuffer) -> V25bisMessage? {
        while buffer.readableBytes > 0 {
            switch decoder.decode(buffer: &buffer) {
            case .frame(let content)?:
                if let text = V25bisFrame.text(ofFrame: content) { return V25bisMessage(text: text) }
                skippedFrames += 1
            case .error?:
                framingErrors += 1
            case nil:
                return nil
            }
        }
        return nil
    }

    /// All complete messages in `bytes`.
    public mutating func messages(in bytes: ByteBuffer) -> [V25bisMessage] {
        var buffer = bytes
        var result: [V25bisMessage] = []
        while let message = nextMessage(from: &buffer) { result.append(message) }
        return result
    }
}
