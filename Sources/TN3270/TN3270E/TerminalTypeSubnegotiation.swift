import NIOCore

/// TERMINAL-TYPE sub-negotiation (RFC 1091) with the RFC 1646 LU suffix:
/// a basic TN3270 client asks for LU X by sending `IBM-3278-2@X`.
public enum TerminalTypeSubnegotiation: Hashable, Sendable {
    /// SEND: the server asks for the terminal type.
    case send
    /// IS <type>: the client's answer, NVT ASCII.
    case `is`(String)

    public init(payload: ByteBuffer) throws(SubnegotiationParseError) {
        let bytes = Array(payload.readableBytesView)
        guard let command = bytes.first else {
            throw SubnegotiationParseError(option: .terminalType, offset: 0, reason: "empty TERMINAL-TYPE sub-negotiation")
        }
        switch command {
        case TerminalTypeCode.send:
            guard bytes.count == 1 else {
                throw SubnegotiationParseError(option: .terminalType, offset: 1, reason: "TERMINAL-TYPE SEND followed by \(bytes.count - 1) bytes")
            }
            self = .send
        case TerminalTypeCode.is:
            if let bad = bytes.dropFirst().firstIndex(where: { $0 < 0x20 || $0 >= 0x7F }) {
                throw SubnegotiationParseError(option: .terminalType, offset: bad, reason: "byte \(bytes[bad]) is not printable ASCII in TERMINAL-TYPE IS")
            }
            self = .is(String(decoding: bytes.dropFirst(), as: UTF8.self))
        default:
            throw SubnegotiationParseError(option: .terminalType, offset: 0, reason: "TERMINAL-TYPE command \(command) is neither IS (0) nor SEND (1)")
        }
    }

    public var payload: ByteBuffer {
        var buffer = ByteBuffer()
        switch self {
        case .send:
            buffer.writeInteger(TerminalTypeCode.send)
        case .is(let type):
            buffer.writeInteger(TerminalTypeCode.is)
            buffer.writeString(type)
        }
        return buffer
    }

    public var bytes: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeTelnetSubnegotiation(.terminalType, payload: self.payload)
        return buffer
    }
}
