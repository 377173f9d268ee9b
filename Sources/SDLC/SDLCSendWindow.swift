import NIOCore

/// Send side of a modulo-8 link station, shared by primary and secondary: I-frame contents
/// queued in order, V(A) (oldest unacknowledged N(S)), V(S), and the window.
struct SDLCSendWindow: Sendable {
    let window: Int
    /// V(A): N(S) of `frames[0]`.
    private(set) var acknowledgedState: UInt8 = 0
    /// `frames[0..<nextIndex]` are in flight; `frames[nextIndex...]` wait for their turn.
    private var nextIndex = 0
    /// How many of `frames` have been sent at least once (an N(R) may acknowledge up to here
    /// even after a rewind).
    private var sentCount = 0
    private var frames = CircularBuffer<ByteBuffer>()

    init(window: Int) {
        self.window = min(7, max(1, window))
    }

    /// V(S).
    var sendState: UInt8 { UInt8(truncatingIfNeeded: Int(acknowledgedState) + nextIndex) & 0x07 }
    /// Frames queued or sent and not yet acknowledged.
    var count: Int { frames.count }
    /// Frames sent and not yet acknowledged.
    var unacknowledgedCount: Int { sentCount }
    var hasFrameToSend: Bool { nextIndex < frames.count && nextIndex < window }
    var isWindowFull: Bool { nextIndex >= window }

    mutating func enqueue(_ information: ByteBuffer) {
        frames.append(information)
    }

    /// Whether `nr` lies between V(A) and the highest N(S) sent plus one.
    func isValid(receiveSequence nr: UInt8) -> Bool {
        Int((nr &- acknowledgedState) & 0x07) <= sentCount
    }

    /// Drops the frames `nr` acknowledges. Returns how many; call only with a valid `nr`.
    @discardableResult
    mutating func acknowledge(through nr: UInt8) -> Int {
        let count = Int((nr &- acknowledgedState) & 0x07)
        guard count > 0, count <= sentCount else { return 0 }
        frames.removeFirst(count)
        sentCount -= count
        nextIndex = max(0, nextIndex - count)
        acknowledgedState = nr & 0x07
        return count
    }

    /// Next I-frame to (re)transmit with its N(S), advancing V(S).
    mutating func nextFrame() -> (ns: UInt8, information: ByteBuffer)? {
        guard hasFrameToSend else { return nil }
        let ns = sendState
        let information = frames[frames.index(frames.startIndex, offsetBy: nextIndex)]
        nextIndex += 1
        sentCount = max(sentCount, nextIndex)
        return (ns, information)
    }

    /// Go back to V(A): everything unacknowledged is sent again (REJ, checkpoint).
    mutating func rewind() {
        nextIndex = 0
    }

    /// Link reset: V(S) = V(A) = 0 and every queued frame dropped. Returns how many.
    @discardableResult
    mutating func reset() -> Int {
        let dropped = frames.count
        frames.removeAll(keepingCapacity: true)
        acknowledgedState = 0
        nextIndex = 0
        sentCount = 0
        return dropped
    }
}
