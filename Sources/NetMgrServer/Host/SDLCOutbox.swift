import NIOCore

/// The messages an SDLC attachment holds per LU until the host accepts them, in order.
/// An entry with a sequence number is on the LU-LU session (submitted, response awaited);
/// without one it waits for the LU to be bound. When a session ends before the host
/// answered, its entries lose their numbers and go again, in order, after the next BIND
/// (at-least-once: the host may see a message twice, never zero times).
struct SDLCOutbox {
    struct Entry {
        var tag: MessageTag
        var payload: ByteBuffer
        var sequenceNumber: UInt16?
    }

    private(set) var queues: [UInt8: [Entry]] = [:]

    mutating func add(lu: UInt8, tag: MessageTag, payload: ByteBuffer) {
        queues[lu, default: []].append(Entry(tag: tag, payload: payload, sequenceNumber: nil))
    }

    /// Submits every unsent entry of `lu` through `submit` (which returns the PU's sequence
    /// number, or nil when the session cannot take it now), in order; stops at the first nil.
    mutating func flush(lu: UInt8, submit: (ByteBuffer) -> UInt16?) {
        guard var queue = queues[lu] else { return }
        for index in queue.indices where queue[index].sequenceNumber == nil {
            guard let number = submit(queue[index].payload) else { break }
            queue[index].sequenceNumber = number
        }
        queues[lu] = queue
    }

    /// The host answered the request `sequenceNumber`: the entry leaves the outbox.
    mutating func answered(lu: UInt8, sequenceNumber: UInt16) -> MessageTag? {
        guard let index = queues[lu]?.firstIndex(where: { $0.sequenceNumber == sequenceNumber }) else { return nil }
        return queues[lu]!.remove(at: index).tag
    }

    /// The session ended: everything in flight on `lu` goes again after the next BIND.
    mutating func sessionEnded(lu: UInt8) {
        guard var queue = queues[lu] else { return }
        for index in queue.indices { queue[index].sequenceNumber = nil }
        queues[lu] = queue
    }

    /// Drops what was not submitted yet (a new client session starts afresh).
    mutating func discardUnsent(lu: UInt8) {
        queues[lu]?.removeAll { $0.sequenceNumber == nil }
    }

    func count(lu: UInt8) -> Int { queues[lu]?.count ?? 0 }
    var count: Int { queues.values.reduce(0) { $0 + $1.count } }
}
