/// Rebuilds the two byte streams of every TCP connection in a capture, in one pass.
///
///     let reassembler = TCPReassembler()
///     while let packet = try reader.nextPacket() {
///         reassembler.process(packet, consumer: &consumer)
///     }
///     reassembler.finish(at: lastTime, consumer: &consumer)
///
/// In-order payload is handed to the consumer straight from the packet buffer; only
/// out-of-order segments are copied (and not even those for directions whose payload the
/// consumer declined). Memory per connection is bounded by the configuration; a closed
/// connection keeps only a small tombstone for `closedConnectionLinger`.
public final class TCPReassembler {
    public let configuration: Configuration
    // Unchecked exclusivity: the reassembler is used from one thread and consumers never
    // call back into it (they get the events, not the reassembler); the dynamic checks
    // were a tenth of the per-packet time.
    @exclusivity(unchecked) public private(set) var statistics = Statistics()

    @exclusivity(unchecked) private var table: [FlowKey: Int] = [:]
    /// The last flow looked up and its slot: packets of one conversation mostly come in
    /// runs (data, its ACK, the answer, its ACK), and this spares them the hash lookup.
    private var lastKey: FlowKey?
    private var lastIndex = 0
    @exclusivity(unchecked) private var slots: ContiguousArray<ConnectionSlot> = []
    private var freeSlots: [Int] = []
    private var nextID: UInt64 = 1
    private var packetsSinceSweep = 0
    private var lastTime = CaptureTime(nanosecondsSinceEpoch: 0)

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Connections currently open (not counting closed tuples remembered for linger).
    public var openConnectionCount: Int { table.count - tombstones }
    private var tombstones = 0

    /// Decodes and processes one captured packet.
    @inline(__always)
    public func process<C: TCPStreamConsumer>(_ packet: CapturedPacket, consumer: inout C) {
        process(PacketDecoder.decode(packet), at: packet.timestamp, consumer: &consumer)
    }

    /// Processes one decoded packet captured at `time`.
    public func process<C: TCPStreamConsumer>(_ packet: DecodedPacket, at time: CaptureTime, consumer: inout C) {
        statistics.packets += 1
        lastTime = time
        packetsSinceSweep += 1
        if packetsSinceSweep >= 65_536 { sweepTombstones(now: time) }
        guard let ip = packet.ip, let tcp = packet.tcp else {
            if let ip = packet.ip, ip.transportProtocol == 6 {
                if ip.isFragment {
                    statistics.fragmentsSkipped += 1
                } else {
                    statistics.unreadableTCPHeaders += 1  // cut short or malformed: its bytes become a gap
                }
            } else {
                statistics.notTCP += 1
            }
            return
        }
        if ip.isFragment {
            statistics.fragmentsSkipped += 1
            return
        }
        statistics.tcpSegments += 1
        let source = TCPEndpoint(address: ip.source, port: tcp.sourcePort)
        let destination = TCPEndpoint(address: ip.destination, port: tcp.destinationPort)
        let key = source < destination ? FlowKey(low: source, high: destination) : FlowKey(low: destination, high: source)
        let flags = tcp.flags
        let isSYN = flags.contains(.syn) && !flags.contains(.ack)

        var index: Int
        if let found = key == lastKey ? lastIndex : lookUp(key) {
            index = found
            if slots[index].closed {
                guard isSYN else {
                    statistics.strayPackets += 1
                    slots[index].lastSeen = time
                    return
                }
                release(key: key, index: index)
                index = open(key: key, sender: source, receiver: destination, flags: flags, time: time, consumer: &consumer)
            } else if isSYN, isNewConnection(slots[index], sender: source, seq: tcp.sequenceNumber) {
                close(index: index, key: key, reason: .portReused, time: time, consumer: &consumer)
                release(key: key, index: index)
                index = open(key: key, sender: source, receiver: destination, flags: flags, time: time, consumer: &consumer)
            }
        } else {
            if flags.contains(.rst) {
                statistics.strayPackets += 1
                return
            }
            index = open(key: key, sender: source, receiver: destination, flags: flags, time: time, consumer: &consumer)
        }
        slots[index].lastSeen = time
        let direction: TCPDirection = source == slots[index].connection.client ? .clientToServer : .serverToClient

        if flags.contains(.rst) {
            close(index: index, key: key, reason: .reset, time: time, consumer: &consumer)
            return
        }

        var seq = tcp.sequenceNumber
        if flags.contains(.syn) {
            // The SYN takes one sequence number; data (rare) starts after it.
            seq &+= 1
            if !stream(index, direction).initialized { startStream(index, direction, at: seq) }
            if flags.contains(.ack) && !stream(index, direction.reversed).initialized {
                // SYN-ACK without the SYN: the ACK tells where the client's stream starts.
                startStream(index, direction.reversed, at: tcp.acknowledgmentNumber)
            }
        } else if !stream(index, direction).initialized {
            startStream(index, direction, at: seq)  // missed SYN: start at the first byte seen
        }

        let context = StreamContext<C>(
            connection: slots[index].connection, direction: direction,
            maxBytes: configuration.maxBufferedBytesPerDirection, maxSegments: configuration.maxBufferedSegmentsPerDirection)
        let fin = flags.contains(.fin)
        if direction == .clientToServer {
            slots[index].c2s.segment(
                seq: seq, payload: packet.payload, length: packet.payloadLength, fin: fin, time: time,
                context: context, consumer: &consumer, stats: &statistics)
        } else {
            slots[index].s2c.segment(
                seq: seq, payload: packet.payload, length: packet.payloadLength, fin: fin, time: time,
                context: context, consumer: &consumer, stats: &statistics)
        }
        if slots[index].c2s.finished && slots[index].s2c.finished {
            close(index: index, key: key, reason: .fin, time: time, consumer: &consumer)
        }
    }

    /// Ends the capture: every open connection has its holes gapped and is closed with
    /// `.captureEnd`, in the order the connections were opened.
    public func finish<C: TCPStreamConsumer>(at time: CaptureTime? = nil, consumer: inout C) {
        let end = time ?? lastTime
        let open = table.filter { !slots[$0.value].closed }.sorted { slots[$0.value].connection.id < slots[$1.value].connection.id }
        for (key, index) in open {
            close(index: index, key: key, reason: .captureEnd, time: end, consumer: &consumer)
        }
        table.removeAll()
        lastKey = nil
        slots.removeAll()
        freeSlots.removeAll()
        tombstones = 0
    }

    @inline(__always)
    private func lookUp(_ key: FlowKey) -> Int? {
        guard let index = table[key] else { return nil }
        lastKey = key
        lastIndex = index
        return index
    }

    /// Changes which directions' payload bytes `connection` delivers from now on.
    public func setPayloadInterest(_ interest: TCPPayloadInterest, for connection: TCPConnection) {
        let key = connection.client < connection.server
            ? FlowKey(low: connection.client, high: connection.server) : FlowKey(low: connection.server, high: connection.client)
        guard let index = table[key], slots[index].connection.id == connection.id else { return }
        slots[index].c2s.wantPayload = interest.contains(.clientToServer)
        slots[index].s2c.wantPayload = interest.contains(.serverToClient)
    }

    // MARK: Connection table

    private func open<C: TCPStreamConsumer>(
        key: FlowKey, sender: TCPEndpoint, receiver: TCPEndpoint, flags: TCPFlags, time: CaptureTime, consumer: inout C
    ) -> Int {
        let senderIsClient: Bool
        if flags.contains(.syn) {
            senderIsClient = !flags.contains(.ack)
        } else {
            senderIsClient = guessSenderIsClient(sender: sender, receiver: receiver)
        }
        let connection = TCPConnection(
            id: nextID, client: senderIsClient ? sender : receiver, server: senderIsClient ? receiver : sender)
        nextID += 1
        statistics.connectionsOpened += 1
        let interest = consumer.connectionOpened(connection, at: time, sawHandshake: flags.contains(.syn))
        var slot = ConnectionSlot(connection: connection, lastSeen: time)
        slot.c2s.wantPayload = interest.contains(.clientToServer)
        slot.s2c.wantPayload = interest.contains(.serverToClient)
        let index: Int
        if let free = freeSlots.popLast() {
            slots[free] = slot
            index = free
        } else {
            slots.append(slot)
            index = slots.count - 1
        }
        table[key] = index
        lastKey = key
        lastIndex = index
        return index
    }

    private func guessSenderIsClient(sender: TCPEndpoint, receiver: TCPEndpoint) -> Bool {
        switch configuration.roleHint?(sender, receiver) ?? .unknown {
        case .senderIsClient: return true
        case .senderIsServer: return false
        case .unknown: break
        }
        let senderKnown = configuration.serverPorts.contains(sender.port)
        let receiverKnown = configuration.serverPorts.contains(receiver.port)
        if senderKnown != receiverKnown { return receiverKnown }
        if sender.port != receiver.port { return receiver.port < sender.port }
        return true
    }

    /// A SYN on an open tuple is a new connection unless it repeats the client's SYN.
    private func isNewConnection(_ slot: ConnectionSlot, sender: TCPEndpoint, seq: UInt32) -> Bool {
        guard sender == slot.connection.client, slot.c2s.initialized else { return true }
        return slot.c2s.baseSeq != seq &+ 1 || slot.c2s.finished
    }

    private func close<C: TCPStreamConsumer>(index: Int, key: FlowKey, reason: TCPCloseReason, time: CaptureTime, consumer: inout C) {
        let connection = slots[index].connection
        if reason != .fin {
            let c2s = StreamContext<C>(
                connection: connection, direction: .clientToServer,
                maxBytes: configuration.maxBufferedBytesPerDirection, maxSegments: configuration.maxBufferedSegmentsPerDirection)
            slots[index].c2s.flush(time: time, context: c2s, consumer: &consumer, stats: &statistics)
            var s2c = c2s
            s2c.direction = .serverToClient
            slots[index].s2c.flush(time: time, context: s2c, consumer: &consumer, stats: &statistics)
        }
        statistics.connectionsClosed += 1
        consumer.connectionClosed(connection, reason: reason, at: time)
        // Keep a tombstone: the tuple's late ACKs and retransmissions are ignored.
        slots[index].closed = true
        slots[index].c2s.pending = []
        slots[index].s2c.pending = []
        tombstones += 1
    }

    private func release(key: FlowKey, index: Int) {
        table[key] = nil
        if lastKey == key { lastKey = nil }
        if slots[index].closed { tombstones -= 1 }
        slots[index] = ConnectionSlot(connection: slots[index].connection, lastSeen: slots[index].lastSeen)
        freeSlots.append(index)
    }

    private func sweepTombstones(now: CaptureTime) {
        packetsSinceSweep = 0
        guard tombstones > 0 else { return }
        let expired = table.filter { slots[$0.value].closed && now - slots[$0.value].lastSeen > configuration.closedConnectionLinger }
        for (key, index) in expired { release(key: key, index: index) }
    }

    @inline(__always)
    private func stream(_ index: Int, _ direction: TCPDirection) -> StreamState {
        direction == .clientToServer ? slots[index].c2s : slots[index].s2c
    }

    private func startStream(_ index: Int, _ direction: TCPDirection, at seq: UInt32) {
        if direction == .clientToServer {
            slots[index].c2s.start(atSequence: seq)
        } else {
            slots[index].s2c.start(atSequence: seq)
        }
    }
}

/// The 4-tuple with the lower endpoint first, so both directions find the same entry.
struct FlowKey: Hashable {
    var low: TCPEndpoint
    var high: TCPEndpoint

    /// One word into the hasher instead of every field and enum tag (a lookup per packet).
    func hash(into hasher: inout Hasher) {
        hasher.combine(low.folded &* 0x9E37_79B9_7F4A_7C15 ^ high.folded)
    }
}

extension TCPEndpoint {
    /// Address and port in one word (IPv6 halves folded in); equal endpoints fold equal.
    @inline(__always)
    var folded: UInt64 {
        switch address {
        case .v4(let a): return UInt64(a) << 16 | UInt64(port)
        case .v6(let hi, let lo): return (hi ^ (lo &* 0xC2B2_AE3D_27D4_EB4F)) &+ UInt64(port) &+ 1 << 63
        }
    }
}

struct ConnectionSlot {
    var connection: TCPConnection
    var lastSeen: CaptureTime
    var closed = false
    var c2s = StreamState()
    var s2c = StreamState()

    init(connection: TCPConnection, lastSeen: CaptureTime) {
        self.connection = connection
        self.lastSeen = lastSeen
    }
}
