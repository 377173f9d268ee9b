import NIOCore

/// Splits a telnet byte stream into `TelnetEvent`s (RFC 854, RFC 855).
///
/// Works on any split of the input: when an event is incomplete it returns
/// nil without consuming, and remembers how far it already scanned a pending
/// sub-negotiation so byte-by-byte input stays linear.
public struct TelnetDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = TelnetEvent

    /// Sub-negotiations longer than this are a peer error. TN3270E and
    /// TERMINAL-TYPE payloads are tens of bytes.
    public var maximumSubnegotiationLength: Int

    /// Bytes consumed so far; error offsets are counted from the same origin.
    public private(set) var streamOffset: Int = 0

    /// Bytes after IAC SB (relative to the reader index) already known to
    /// hold no IAC SE.
    private var subnegotiationScanned: Int = 0
    private var subnegotiationHasEscapes = false

    public init(maximumSubnegotiationLength: Int = 4096) {
        self.maximumSubnegotiationLength = maximumSubnegotiationLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> TelnetEvent? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { return nil }

        if first != TelnetByte.iac {
            let view = buffer.readableBytesView
            let end = view.firstIndex(of: TelnetByte.iac) ?? view.endIndex
            return .data(self.consumeSlice(&buffer, length: end - start))
        }

        guard let second = buffer.getInteger(at: start + 1, as: UInt8.self) else { return nil }
        switch second {
        case TelnetByte.iac:
            buffer.moveReaderIndex(forwardBy: 1)
            self.streamOffset += 1
            return .data(self.consumeSlice(&buffer, length: 1))
        case TelnetByte.will...TelnetByte.dont:
            guard let option = buffer.getInteger(at: start + 2, as: UInt8.self) else { return nil }
            buffer.moveReaderIndex(forwardBy: 3)
            self.streamOffset += 3
            return .negotiation(TelnetVerb(rawValue: second)!, TelnetOption(rawValue: option))
        case TelnetByte.sb:
            return try self.decodeSubnegotiation(&buffer)
        case TelnetByte.se:
            throw TelnetDecodingError(.unexpectedSubnegotiationEnd, streamOffset: self.streamOffset)
        default:
            guard let command = TelnetCommand(rawValue: second) else {
                throw TelnetDecodingError(.unknownCommand(second), streamOffset: self.streamOffset)
            }
            buffer.moveReaderIndex(forwardBy: 2)
            self.streamOffset += 2
            return .command(command)
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> TelnetEvent? {
        if let event = try self.decode(buffer: &buffer) {
            return event
        }
        guard buffer.readableBytes > 0 else { return nil }
        let inside: String
        switch buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) {
        case .some(TelnetByte.sb):
            let option = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt8.self)
            inside = "a sub-negotiation\(option.map { " for \(TelnetOption(rawValue: $0))" } ?? "") without IAC SE"
        case .some(TelnetByte.will...TelnetByte.dont):
            inside = "an option negotiation"
        default:
            inside = "a telnet command"
        }
        throw TelnetDecodingError(
            .truncated(pendingBytes: buffer.readableBytes, inside: inside),
            streamOffset: self.streamOffset
        )
    }

    private mutating func consumeSlice(_ buffer: inout ByteBuffer, length: Int) -> ByteBuffer {
        self.streamOffset += length
        return buffer.readSlice(length: length)!
    }

    /// `buffer` starts with IAC SB.
    private mutating func decodeSubnegotiation(_ buffer: inout ByteBuffer) throws -> TelnetEvent? {
        let payloadStart = buffer.readerIndex + 2
        var index = payloadStart + self.subnegotiationScanned
        let end = buffer.writerIndex
        let option = buffer.getInteger(at: payloadStart, as: UInt8.self)

        while index < end {
            let byte = buffer.getInteger(at: index, as: UInt8.self)!
            if byte != TelnetByte.iac {
                index += 1
                continue
            }
            guard let next = buffer.getInteger(at: index + 1, as: UInt8.self) else { break }
            if next == TelnetByte.iac {
                self.subnegotiationHasEscapes = true
                index += 2
                continue
            }
            guard next == TelnetByte.se else {
                throw TelnetDecodingError(
                    .commandInsideSubnegotiation(option: option ?? 0, command: next),
                    streamOffset: self.streamOffset + (index - buffer.readerIndex)
                )
            }
            return try self.finishSubnegotiation(&buffer, payloadEnd: index)
        }

        self.subnegotiationScanned = index - payloadStart
        if self.subnegotiationScanned > self.maximumSubnegotiationLength {
            throw TelnetDecodingError(
                .subnegotiationTooLong(option: option ?? 0, limit: self.maximumSubnegotiationLength),
                streamOffset: self.streamOffset
            )
        }
        return nil
    }

    private mutating func finishSubnegotiation(_ buffer: inout ByteBuffer, payloadEnd: Int) throws -> TelnetEvent {
        let payloadStart = buffer.readerIndex + 2
        let hasEscapes = self.subnegotiationHasEscapes
        self.subnegotiationScanned = 0
        self.subnegotiationHasEscapes = false

        guard payloadEnd > payloadStart else {
            throw TelnetDecodingError(.emptySubnegotiation, streamOffset: self.streamOffset)
        }
        if payloadEnd - payloadStart > self.maximumSubnegotiationLength {
            let option = buffer.getInteger(at: payloadStart, as: UInt8.self)!
            throw TelnetDecodingError(
                .subnegotiationTooLong(option: option, limit: self.maximumSubnegotiationLength),
                streamOffset: self.streamOffset
            )
        }

        buffer.moveReaderIndex(forwardBy: 2)  // IAC SB
        let option = TelnetOption(rawValue: buffer.readInteger(as: UInt8.self)!)
        var payload = buffer.readSlice(length: payloadEnd - payloadStart - 1)!
        buffer.moveReaderIndex(forwardBy: 2)  // IAC SE
        self.streamOffset += payloadEnd - payloadStart + 4

        if hasEscapes {
            payload = Self.unescape(payload)
        }
        return .subnegotiation(option, payload)
    }

    private static func unescape(_ escaped: ByteBuffer) -> ByteBuffer {
        var result = ByteBuffer()
        result.reserveCapacity(escaped.readableBytes)
        var previousWasIAC = false
        for byte in escaped.readableBytesView {
            if byte == TelnetByte.iac && !previousWasIAC {
                previousWasIAC = true
                continue
            }
            previousWasIAC = false
            result.writeInteger(byte)
        }
        return result
    }
}
