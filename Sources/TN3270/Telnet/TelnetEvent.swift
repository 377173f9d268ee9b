import NIOCore

/// One unit of a decoded telnet stream.
public enum TelnetEvent: Hashable, Sendable {
    /// Data bytes with IAC IAC already undone. A run of data may arrive as
    /// several events; a record ends only at `.command(.endOfRecord)`.
    case data(ByteBuffer)
    /// IAC followed by a two-byte command (NOP, EOR, ...).
    case command(TelnetCommand)
    /// IAC WILL/WONT/DO/DONT option.
    case negotiation(TelnetVerb, TelnetOption)
    /// IAC SB option payload IAC SE; the payload has IAC IAC undone and
    /// does not include the option byte.
    case subnegotiation(TelnetOption, ByteBuffer)
}

extension TelnetEvent: CustomStringConvertible {
    public var description: String {
        switch self {
        case .data(let bytes): "data(\(bytes.readableBytes) bytes)"
        case .command(let command): "IAC \(command)"
        case .negotiation(let verb, let option): "IAC \(verb) \(option)"
        case .subnegotiation(let option, let payload):
            "IAC SB \(option) \(payload.readableBytesView.map { String($0) }.joined(separator: " ")) IAC SE"
        }
    }
}
