/// A run of in-order stream bytes. `bytes` is BORROWED (valid during the callback only)
/// and empty when the consumer declined payload for this direction; `length` is always
/// the real number of bytes.
public struct TCPStreamChunk {
    /// Offset of the first byte in the direction's stream (0 = first byte after the SYN,
    /// or the first byte seen when the capture missed the SYN).
    public var streamOffset: UInt64
    public var length: Int
    public var bytes: UnsafeRawBufferPointer

    public var hasBytes: Bool { bytes.count == length }
}

/// Receives reassembly events. Generic (inout) so calls are specialised and inlined.
/// Within one direction, data and gap events are in stream order and never overlap.
public protocol TCPStreamConsumer {
    /// A new connection. `sawHandshake`: its SYN or SYN-ACK was captured, so stream
    /// offsets count from the true first byte (otherwise from the first byte seen).
    /// Returns which directions' payload bytes are wanted.
    mutating func connectionOpened(_ connection: TCPConnection, at time: CaptureTime, sawHandshake: Bool) -> TCPPayloadInterest
    /// In-order bytes; `time` is when the segment carrying them was captured. Return
    /// false to stop receiving payload bytes in this direction (lengths still come).
    mutating func streamData(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) -> Bool
    /// `length` bytes at `streamOffset` that the capture does not have.
    mutating func streamGap(_ connection: TCPConnection, _ direction: TCPDirection, length: Int, streamOffset: UInt64, at time: CaptureTime)
    /// The last event for the connection.
    mutating func connectionClosed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime)
}

extension TCPStreamConsumer {
    public mutating func connectionOpened(_ connection: TCPConnection, at time: CaptureTime, sawHandshake: Bool) -> TCPPayloadInterest { .both }
    public mutating func streamData(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) -> Bool { true }
    public mutating func streamGap(_ connection: TCPConnection, _ direction: TCPDirection, length: Int, streamOffset: UInt64, at time: CaptureTime) {}
    public mutating func connectionClosed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime) {}
}

/// The events as one enum, for closure-based consumers.
public enum TCPStreamEvent {
    case opened(TCPConnection, time: CaptureTime, sawHandshake: Bool)
    case data(TCPConnection, TCPDirection, TCPStreamChunk, time: CaptureTime)
    case gap(TCPConnection, TCPDirection, length: Int, streamOffset: UInt64, time: CaptureTime)
    case closed(TCPConnection, TCPCloseReason, time: CaptureTime)
}

/// Adapts a closure to `TCPStreamConsumer`, with a fixed payload interest.
public struct TCPStreamEventHandler: TCPStreamConsumer {
    public var payloadInterest: TCPPayloadInterest
    public var handler: (TCPStreamEvent) -> Void

    public init(payloadInterest: TCPPayloadInterest = .both, _ handler: @escaping (TCPStreamEvent) -> Void) {
        self.payloadInterest = payloadInterest
        self.handler = handler
    }

    public mutating func connectionOpened(_ connection: TCPConnection, at time: CaptureTime, sawHandshake: Bool) -> TCPPayloadInterest {
        handler(.opened(connection, time: time, sawHandshake: sawHandshake))
        return payloadInterest
    }

    public mutating func streamData(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) -> Bool {
        handler(.data(connection, direction, chunk, time: time))
        return payloadInterest.contains(direction)
    }

    public mutating func streamGap(_ connection: TCPConnection, _ direction: TCPDirection, length: Int, streamOffset: UInt64, at time: CaptureTime) {
        handler(.gap(connection, direction, length: length, streamOffset: streamOffset, time: time))
    }

    public mutating func connectionClosed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime) {
        handler(.closed(connection, reason, time: time))
    }
}
