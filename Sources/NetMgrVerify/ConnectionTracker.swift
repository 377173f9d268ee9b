import PacketCapture

/// The reassembler's consumer on the IP path. Tracks connections to known hosts from the
/// first packet; with discovery on, also watches every other connection's first bytes
/// for a telnet 3270 negotiation and drops it (payload declined, state freed) once
/// `discoveryLimit` bytes went by without one.
struct ConnectionTracker: TCPStreamConsumer {
    let knownHosts: [TCPEndpoint: HostSource]
    let discover: Bool
    let discoveryLimit: Int

    private var slotByID: [UInt64: Int] = [:]
    private var slots: [ConnectionState?] = []
    private var freeSlots: [Int] = []
    private var slotByFlow: [FlowPair: Int] = [:]
    /// The last connection looked up by id and its slot (segments come in runs per connection).
    private var lastID: UInt64 = 0
    private var lastSlot = 0

    /// The time of the packet being processed. Facts are dated by it rather than by the
    /// segment that carried the bytes: a segment held out of order only tells anything
    /// once the hole before it is filled.
    var now = CaptureTime(nanosecondsSinceEpoch: 0)

    private(set) var finished: [ConnectionFacts] = []
    /// Candidates dropped because they never looked like TN3270, and connections never
    /// tracked because discovery was off.
    private(set) var ignoredConnections = 0

    /// For progress: LU names seen so far (requested or granted), open and closed.
    var terminalsSeen: Int {
        var names = Set(finished.compactMap { $0.luName?.uppercased() })
        for case let state? in slots {
            let facts = state.observer.facts
            if let name = facts.grant?.luName ?? facts.lastRequest?.luName { names.insert(name.uppercased()) }
        }
        return names.count
    }

    init(knownHosts: [TCPEndpoint: HostSource], discover: Bool, discoveryLimit: Int = 64 * 1024) {
        self.knownHosts = knownHosts
        self.discover = discover
        self.discoveryLimit = discoveryLimit
    }

    mutating func connectionOpened(_ connection: TCPConnection, at time: CaptureTime, sawHandshake: Bool) -> TCPPayloadInterest {
        let source: HostSource?
        let swapped: Bool
        if let known = knownHosts[connection.server] {
            source = known
            swapped = false
        } else if let known = knownHosts[connection.client] {
            source = known
            swapped = true
        } else if discover {
            source = nil
            swapped = false
        } else {
            ignoredConnections += 1
            return .none
        }
        let state = ConnectionState(
            connection: connection, opened: time, sawHandshake: sawHandshake, hostSource: source, hostIsTCPClient: swapped)
        let slot: Int
        if let free = freeSlots.popLast() {
            slots[free] = state
            slot = free
        } else {
            slots.append(state)
            slot = slots.count - 1
        }
        slotByID[connection.id] = slot
        slotByFlow[FlowPair(connection.client, connection.server)] = slot
        return .both
    }

    @inline(__always)
    mutating func streamData(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) -> Bool {
        let slot: Int
        if connection.id == lastID {
            slot = lastSlot
        } else {
            guard let found = slotByID[connection.id] else { return false }
            slot = found
            lastID = connection.id
            lastSlot = found
        }
        // One in-place call: reading the state's fields through `slots[slot]!` copied it.
        guard slots[slot]!.data(direction, chunk, at: now, discoveryLimit: discoveryLimit) else {
            release(slot, connection)
            ignoredConnections += 1
            return false
        }
        return true
    }

    mutating func streamGap(_ connection: TCPConnection, _ direction: TCPDirection, length: Int, streamOffset: UInt64, at time: CaptureTime) {
        guard let slot = slotByID[connection.id] else { return }
        slots[slot]!.gapBytes += length
    }

    mutating func connectionClosed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime) {
        guard let slot = slotByID[connection.id] else { return }
        if let facts = slots[slot]!.finished(reason: reason, at: time) {
            finished.append(facts)
        } else {
            ignoredConnections += 1
        }
        release(slot, connection)
    }

    /// A FIN or RST about to be processed: remember who sent it, for "ended by".
    mutating func noteControl(from source: TCPEndpoint, to destination: TCPEndpoint, flags: TCPFlags) {
        guard let slot = slotByFlow[FlowPair(source, destination)] else { return }
        if flags.contains(.rst) {
            if slots[slot]!.resetSender == nil { slots[slot]!.resetSender = source }
        } else if slots[slot]!.firstFINSender == nil {
            slots[slot]!.firstFINSender = source
        }
    }

    private mutating func release(_ slot: Int, _ connection: TCPConnection) {
        slotByID[connection.id] = nil
        if lastID == connection.id { lastID = 0 }
        let flow = FlowPair(connection.client, connection.server)
        if slotByFlow[flow] == slot { slotByFlow[flow] = nil }
        slots[slot] = nil
        freeSlots.append(slot)
    }
}
