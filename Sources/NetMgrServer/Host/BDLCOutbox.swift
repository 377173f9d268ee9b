import NIOCore

/// The messages a BDLC attachment holds for the host until the host ACKs them, in the order
/// the clients sent them, and which of them the tributary station has: always a prefix of at
/// most `window` (the station's `maximumQueued`). The others wait here and are handed to the
/// station as ACKs make room, so a backlog longer than the station's queue (a slow host, or
/// the replay after a failover) is held, never refused: the router already bounds what one LU
/// may hand over (`luQueueMessages`, `luQueueBytes`, well above the client's own queue), as
/// for every other host path. A new station (the line opened again) has none of them, and
/// everything goes again, in order (at-least-once).
struct BDLCOutbox {
    struct Entry: Equatable {
        var lu: UInt8
        var tag: MessageTag
        var payload: ByteBuffer
        var since: NIODeadline
    }

    /// Messages in the station's queue at most.
    let window: Int
    private(set) var entries: [Entry] = []
    /// `entries[..<handed]` are in the station's queue.
    private(set) var handed = 0
    /// Where `entries` starts: accepted entries leave from the front (amortised O(1)).
    private var head = 0

    init(window: Int) {
        self.window = max(1, window)
    }

    var count: Int { entries.count - head }
    var isEmpty: Bool { count == 0 }
    /// Held and not in the station's queue.
    var waiting: Int { count - handed }
    var held: ArraySlice<Entry> { entries[head...] }

    mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// Hands the oldest entries the station does not have to `hand`, in order, while the
    /// window has room; stops at the first one `hand` refuses (returns false), which stays
    /// waiting.
    mutating func feed(_ hand: (Entry) -> Bool) {
        while handed < window, head + handed < entries.count {
            guard hand(entries[head + handed]) else { return }
            handed += 1
        }
    }

    /// The station reported `tag` accepted (the host ACKed it): the entry leaves. Nil when
    /// it is not held (a report about a message discarded meanwhile).
    mutating func accepted(_ tag: MessageTag) -> Entry? {
        guard let index = entries[head...].firstIndex(where: { $0.tag == tag }) else { return nil }
        let entry = entries[index]
        let wasHanded = index - head < handed
        if index == head {
            head += 1
            if head >= 64, head * 2 >= entries.count {
                entries.removeFirst(head)
                head = 0
            }
        } else {
            entries.remove(at: index)
        }
        if wasHanded { handed -= 1 }
        return entry
    }

    /// The station was replaced or stopped: it holds none of the entries any more.
    mutating func stationReset() {
        handed = 0
    }

    /// Drops `lu`'s entries the station does not have, and those it gave back (`givenBack`,
    /// from `removeQueued(lu:)`); the one it keeps on the line stays until answered.
    mutating func discard(lu: UInt8, givenBack: Set<MessageTag>) {
        var kept: [Entry] = []
        var keptHanded = 0
        for (offset, entry) in entries[head...].enumerated() {
            let inStation = offset < handed
            let drop = entry.lu == lu && (!inStation || givenBack.contains(entry.tag))
            if drop { continue }
            kept.append(entry)
            if inStation { keptHanded += 1 }
        }
        entries = kept
        head = 0
        handed = keptHanded
    }
}
