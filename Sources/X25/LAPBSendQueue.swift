import NIOCore

/// Send side of a LAPB station: I-fields queued in order, V(A) (N(S) of the oldest
/// unacknowledged), how many are in flight, and the window k.
struct LAPBSendQueue: Sendable {
    let window: Int
    let limit: Int
    /// V(A).
    private(set) var acknowledgedState: UInt8 = 0
    /// `fields[0..<inFlight]` were sent; later ones wait for the window.
    private(set) var inFlight = 0
    /// Sent at least once (after a rewind `inFlight` restarts from 0, this does not).
    private(set) var sentCount = 0
    private var fields = CircularBuffer<ByteBuffer>()

    init(window: Int, limit: Int) {
        self.window = min(7, max(1, window))
        self.limit = max(1, limit)
    }

    /// V(S).
    var sendState: UInt8 { (acknowledgedState &+ UInt8(truncatingIfNeeded: inFlight)) & 0x07 }
    var count: Int { fields.count }
    var isFull: Bool { fields.count >= limit }
    var hasUnacknowledged: Bool { sentCount > 0 }
    var canSend: Bool { inFlight < fields.count && inFlight < window }

    mutating func enqueue(_ field: ByteBuffer) {
        fields.append(field)
    }

    /// Whether `nr` lies between V(A) and the highest N(S) sent plus one.
    func isValid(receiveSequence nr: UInt8) -> Bool {
        Int((nr &- acknowledgedState) & 0x07) <= sentCount
    }

    /// Drops the fields `nr` acknowledges (call with a valid `nr`); returns how many.
    @discardableResult
    mutating func acknowledge(through nr: UInt8) -> Int {
        let count = Int((nr &- acknowledgedState) & 0x07)
        guard count > 0, count <= sentCount else { return 0 }
        fields.removeFirst(count)
        sentCount -= count
        inFlight = max(0, inFlight - count)
        acknowledgedState = nr & 0x07
        return count
    }

    /// The next field to (re)send with its N(S).
    mutating func next() -> (ns: UInt8, field: ByteBuffer)? {
        guard canSend else { return nil }
        let ns = sendState
        let field = fields[fields.index(fields.startIndex, offsetBy: inFlight)]
        inFlight += 1
        sentCount = max(sentCount, inFlight)
        return (ns, field)
    }

    /// Back to V(A): the unacknowledged fields go again (REJ, T1 recovery).
    mutating func rewind() {
        inFlight = 0
    }

    /// Link reset: V(S) = V(A) = 0, everything dropped; returns how many fields were dropped.
    @discardableResult
    mutating func reset() -> Int {
        let dropped = fields.count
        fields.removeAll(keepingCapacity: true)
        acknowledgedState = 0
        inFlight = 0
        sentCount = 0
        return dropped
    }
}
