import NIOCore

/// The messages a BDLC attachment holds for the host until the host ACKs them, per LU in the
/// order the client sent them, and which of them the tributary station has: per LU always a
/// prefix, at most `window` in all (the station's `maximumQueued`). The others wait here and
/// are handed to the station as ACKs make room, so a backlog longer than the station's queue
/// (a slow host, or the replay after a failover) is held, never refused: the router already
/// bounds what one LU may hand over (`luQueueMessages`, `luQueueBytes`, well above the
/// client's own queue), as for every other host path. The station is fed round-robin over
/// the LUs, so one LU's long backlog (a client replays one session's ledger after another)
/// does not hold the other LUs of the station back. A new station (the line opened again) has
/// none of them, and everything goes again, in order per LU (at-least-once).
struct BDLCOutbox {
    struct Entry: Equatable {
        var lu: UInt8
        var tag: MessageTag
        var payload: ByteBuffer
        var since: NIODeadline
    }

    struct Queue {
        var entries: [Entry] = []
        /// `entries[head..<head + handed]` are in the station's queue.
        var handed = 0
        /// Where `entries` starts: accepted entries leave from the front (amortised O(1)).
        var head = 0
        var count: Int { entries.count - head }
        var held: ArraySlice<Entry> { entries[head...] }
    }

    /// Messages in the station's queue at most.
    let window: Int
    private(set) var queues: [UInt8: Queue] = [:]
    /// LUs in the order they first had a message: the round-robin order.
    private var order: [UInt8] = []
    /// Where the next round-robin pass starts in `order`.
    private var cursor = 0
    /// Entries in the station's queue, over all LUs.
    private(set) var handed = 0
    private(set) var count = 0

    init(window: Int) {
        self.window = max(1, window)
    }

    var isEmpty: Bool { count == 0 }
    /// Held and not in the station's queue.
    var waiting: Int { count - handed }
    /// `lu`'s held messages, oldest first.
    func held(lu: UInt8) -> ArraySlice<Entry> { queues[lu]?.held ?? [] }
    /// `lu`'s messages in the station's queue, oldest first.
    func handed(lu: UInt8) -> ArraySlice<Entry> { queues[lu].map { $0.held.prefix($0.handed) } ?? [] }

    mutating func append(_ entry: Entry) {
        if queues[entry.lu] == nil { order.append(entry.lu) }
        queues[entry.lu, default: Queue()].entries.append(entry)
        count += 1
    }

    /// Hands entries the station does not have to `hand`, each LU's oldest first, taking the
    /// LUs in turn, while the window has room; stops at the first one `hand` refuses (returns
    /// false), which stays waiting.
    mutating func feed(_ hand: (Entry) -> Bool) {
        var idle = 0  // LUs in a row with nothing to hand
        while handed < window, waiting > 0, idle < order.count {
            if cursor >= order.count { cursor = 0 }
            let lu = order[cursor]
            cursor += 1
            guard var queue = queues[lu], queue.handed < queue.count else {
                idle += 1
                continue
            }
            guard hand(queue.entries[queue.head + queue.handed]) else { return }
            queue.handed += 1
            queues[lu] = queue
            handed += 1
            idle = 0
        }
    }

    /// The station reported `tag` accepted (the host ACKed it): the entry leaves. Nil when it
    /// is not held (a report about a message discarded meanwhile).
    mutating func accepted(_ tag: MessageTag) -> Entry? {
        for lu in order {
            guard var queue = queues[lu], let index = queue.entries[queue.head...].firstIndex(where: { $0.tag == tag }) else { continue }
            let entry = queue.entries[index]
            let wasHanded = index - queue.head < queue.handed
            if index == queue.head {
                queue.head += 1
                if queue.head >= 64, queue.head * 2 >= queue.entries.count {
                    queue.entries.removeFirst(queue.head)
                    queue.head = 0
                }
            } else {
                queue.entries.remove(at: index)
            }
            if wasHanded {
                queue.handed -= 1
                handed -= 1
            }
            queues[lu] = queue
            count -= 1
            return entry
        }
        return nil
    }

    /// The station was replaced or stopped: it holds none of the entries any more.
    mutating func stationReset() {
        for lu in order { queues[lu]?.handed = 0 }
        handed = 0
    }

    /// Drops `lu`'s entries the station does not have, and those it gave back (`givenBack`,
    /// from `removeQueued(lu:)`); the one it keeps on the line stays until answered.
    mutating func discard(lu: UInt8, givenBack: Set<MessageTag>) {
        guard let queue = queues[lu] else { return }
        var kept = Queue()
        for (offset, entry) in queue.held.enumerated() {
            let inStation = offset < queue.handed
            guard inStation, !givenBack.contains(entry.tag) else { continue }
            kept.entries.append(entry)
            kept.handed += 1
        }
        handed += kept.handed - queue.handed
        count += kept.count - queue.count
        queues[lu] = kept
    }
}
