import NIOCore

/// Value-type buffering around `TelnetDecoder` for the state machines:
/// append whatever arrived, then pull events until it needs more bytes.
/// (NIOSingleStepByteToMessageProcessor does the same but is a class.)
struct TelnetStreamParser: Sendable {
    private var decoder: TelnetDecoder
    private var buffer: ByteBuffer?

    init(maximumSubnegotiationLength: Int = 4096) {
        self.decoder = TelnetDecoder(maximumSubnegotiationLength: maximumSubnegotiationLength)
    }

    var streamOffset: Int { self.decoder.streamOffset }

    /// Where the event last returned by `next()` started in the stream.
    private(set) var eventOffset = 0

    mutating func append(_ bytes: ByteBuffer) {
        if var existing = self.buffer, existing.readableBytes > 0 {
            self.buffer = nil  // keep `existing` uniquely referenced
            var bytes = bytes
            existing.writeBuffer(&bytes)
            self.buffer = existing
        } else {
            self.buffer = bytes
        }
    }

    /// Everything appended and not yet decoded, which leaves the parser empty: the bytes
    /// after START_TLS FOLLOWS belong to the TLS layer, not to telnet.
    mutating func takeRemaining() -> ByteBuffer {
        defer { self.buffer = nil }
        return self.buffer ?? ByteBuffer()
    }

    /// The next complete event, nil when more bytes are needed.
    mutating func next() throws(TelnetDecodingError) -> TelnetEvent? {
        guard var buffer = self.buffer else { return nil }
        self.buffer = nil
        defer {
            if buffer.readableBytes > 0 {
                if buffer.readerIndex > 4096 { buffer.discardReadBytes() }
                self.buffer = buffer
            }
        }
        self.eventOffset = self.decoder.streamOffset
        do {
            return try self.decoder.decode(buffer: &buffer)
        } catch let error as TelnetDecodingError {
            buffer.clear()
            throw error
        } catch {
            // decode only throws TelnetDecodingError
            throw TelnetDecodingError(.truncated(pendingBytes: buffer.readableBytes, inside: "\(error)"), streamOffset: self.decoder.streamOffset)
        }
    }
}
