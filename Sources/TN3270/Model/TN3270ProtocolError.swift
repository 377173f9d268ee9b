/// Something the peer did that the protocol does not allow. Carries where in
/// the received stream it happened, so a log line can point at the capture.
public struct TN3270ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case telnet(TelnetDecodingError)
        case subnegotiation(SubnegotiationParseError)
        case header(TN3270EHeaderError)
        /// A record longer than the configured limit without IAC EOR.
        case recordTooLong(limit: Int)
        /// The peer refused an option the dialect needs (e.g. WONT BINARY).
        case optionRefused(TelnetOption)
        /// The peer turned off an option the bound session depends on.
        case optionDisabled(TelnetOption)
        /// FUNCTIONS IS listed functions nobody requested (RFC 2355 §7.2).
        case functionsAdded([TN3270EFunction])
        /// FUNCTIONS REQUEST went back and forth without agreement.
        case functionsDidNotConverge(rounds: Int)
        /// A well-formed message at a point in the negotiation where it makes no sense.
        case unexpected(String)
        /// The configuration requires STARTTLS and the host went on without offering it
        /// (IAC DO START_TLS): what it sent instead. Never a fall back to plaintext.
        case startTLSNotOffered(String)
        /// The host answered our WILL START_TLS with DONT START_TLS, or its START_TLS
        /// sub-negotiation was not FOLLOWS.
        case startTLSRefused(String)
    }

    /// The peer did not give the TLS the configuration requires (not a garbled stream).
    public var isTLSPolicyFailure: Bool {
        switch self.kind {
        case .startTLSNotOffered, .startTLSRefused: true
        default: false
        }
    }

    public var kind: Kind
    /// Offset in the received stream where the offending event starts.
    public var streamOffset: Int

    public init(_ kind: Kind, streamOffset: Int) {
        self.kind = kind
        self.streamOffset = streamOffset
    }

    public var description: String {
        switch self.kind {
        case .telnet(let error):
            return error.description
        case .subnegotiation(let error):
            return "\(error) (stream offset \(self.streamOffset))"
        case .header(let error):
            return "\(error) (IAC EOR at stream offset \(self.streamOffset))"
        case .recordTooLong(let limit):
            return "record longer than \(limit) bytes without IAC EOR (data from stream offset \(self.streamOffset))"
        case .optionRefused(let option):
            return "peer refused \(option) at stream offset \(self.streamOffset)"
        case .optionDisabled(let option):
            return "peer turned \(option) off after the session was bound, at stream offset \(self.streamOffset)"
        case .functionsAdded(let functions):
            return "FUNCTIONS IS added functions never requested (\(functions.map(\.description).joined(separator: ", "))) at stream offset \(self.streamOffset)"
        case .functionsDidNotConverge(let rounds):
            return "FUNCTIONS negotiation did not converge after \(rounds) rounds at stream offset \(self.streamOffset)"
        case .unexpected(let what):
            return "\(what) at stream offset \(self.streamOffset)"
        case .startTLSNotOffered(let instead):
            return "STARTTLS is required but the host did not offer it (IAC DO START-TLS); it sent \(instead) at stream offset \(self.streamOffset)"
        case .startTLSRefused(let what):
            return "STARTTLS is required but the host \(what) at stream offset \(self.streamOffset)"
        }
    }
}
