import NIOCore

/// Send side of a modulo-8 HDLC-family link station: I-frame contents queued in order,
/// V(A) (oldest unacknowledged N(S)), V(S), and the window. Shared by the SDLC primary and
/// secondary and by LAPB (X25 module), whose numbering is the same.
public struct SDLCSendWindow: Sendable {
    public let window: Int
    /// V(A): N(S) of `frames[0]`.
    public private(set) var acknowledgedState: UInt8 = 0
    /// `frames[0..<nextIndex]` are in flight; `frames[nextIndex...]` wait for their turn.
    private var nextIndex = 0
    /// How many of `frames` have been sent at least once (an N(R) may acknowledge up to here
    /// even after a rewind).
    private var sentCount = 0
    private var frames = CircularBuffer<ByteBuffer>()

    public init(window: Int) {
        self.window = min(7, max(1, window))
    }

    /// V(S).
    public var sendState: UInt8 { UInt8(truncatingIfNeeded: Int(acknowledgedState) + nextIndex) & 0x07 }
    /// Frames queued or sent and not yet acknowledged.
    public var count: Int { frames.count }
    /// Frames sent and not yet acknowledged.
    public var unacknowledgedCount: Int { sentCount }
    public var hasFrameToSend: Bool { nextIndex < frames.count && nextIndex < window }
    public var isWindowFull: Bool { nextIndex >= window }

    public mutating func enqueue(_ information: ByteBuffer) {
        frames.append(information)
    }

    /// Whether `nr` lies between V(A) and the highest N(S) sent plus one.
    public func isValid(receiveSequence nr: UInt8) -> Bool {
        Int((nr &- acknowledgedState) & 0x07) <= sentCount
    }

    /// Drops the frames `nr` acknowledges. Returns how many; call only with a valid `nr`.
    @discardableResult
    public mutating func acknowledge(through nr: UInt8) -> Int {
        let count = Int((nr &- acknowledgedState) & 0x07)
        guard count > 0, count <= sentCount else { return 0 }
        frames.removeFirst(count)
        sentCount -= count
        nextIndex = max(0, nextIndex - count)
        acknowledgedState = nr & 0x07
        return count
    }

    /// Next I-frame to (re)transmit with its N(S), advancing V(S).
    public mutating func nextFrame() -> (ns: UInt8, information: ByteBuffer)? {
        guard hasFrameToSend else { return nil }
        let ns = sendState
        let information = frames[frames.index(frames.startIndex, offsetBy: nextIndex)]
        nextIndex += 1
        sentCount = max(sentCount, nextIndex)
        return (ns, information)
    }

    /// Go back to V(A): everything unacknowledged is sent again (REJ, checkpoint).
    public mutating func rewind() {
        nextIndex = 0
    }

    /// Link reset: V(S) = V(A) = 0 and every queued frame dropped. Returns how many.
    @discardableResult
    public mutating func reset() -> Int {
        let dropped = frames.count
        frames.removeAll(keepingCapacity: true)
        acknowledgedState = 0
        nextIndex = 0
        sentCount = 0
        return dropped
    }
}
