/// Bad telnet framing from the peer. `streamOffset` is the position of the
/// offending IAC counted from the first byte the decoder ever saw.
public struct TelnetDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// IAC followed by a byte that is not a telnet command (0...238).
        case unknownCommand(UInt8)
        /// IAC SE outside a sub-negotiation.
        case unexpectedSubnegotiationEnd
        /// IAC followed by something other than IAC or SE inside IAC SB ... IAC SE.
        case commandInsideSubnegotiation(option: UInt8, command: UInt8)
        /// IAC SB IAC SE: a sub-negotiation without an option byte.
        case emptySubnegotiation
        /// A sub-negotiation longer than the decoder's limit.
        case subnegotiationTooLong(option: UInt8, limit: Int)
        /// The stream ended in the middle of a command or sub-negotiation.
        case truncated(pendingBytes: Int, inside: String)
    }

    public var kind: Kind
    public var streamOffset: Int

    public init(_ kind: Kind, streamOffset: Int) {
        self.kind = kind
        self.streamOffset = streamOffset
    }

    public var description: String {
        let what: String
        switch self.kind {
        case .unknownCommand(let byte):
            what = "unknown telnet command byte \(byte) after IAC"
        case .unexpectedSubnegotiationEnd:
            what = "IAC SE without a preceding IAC SB"
        case .commandInsideSubnegotiation(let option, let command):
            what = "IAC \(command) inside the sub-negotiation for \(TelnetOption(rawValue: option)) (only IAC IAC or IAC SE may follow IAC there)"
        case .emptySubnegotiation:
            what = "IAC SB IAC SE without an option byte"
        case .subnegotiationTooLong(let option, let limit):
            what = "sub-negotiation for \(TelnetOption(rawValue: option)) longer than \(limit) bytes without IAC SE"
        case .truncated(let pending, let inside):
            what = "stream ended inside \(inside) (\(pending) bytes pending)"
        }
        return "telnet: \(what) at stream offset \(self.streamOffset)"
    }
}
