import PacketCapture

/// Records reassembly events with copied bytes, for comparisons.
struct Recorder: TCPStreamConsumer {
    enum Event: Equatable, CustomStringConvertible {
        case opened(UInt64, client: String, server: String, handshake: Bool)
        case data(UInt64, TCPDirection, String)
        /// Data reported without bytes (payload declined).
        case length(UInt64, TCPDirection, Int)
        case gap(UInt64, TCPDirection, Int, at: UInt64)
        case closed(UInt64, TCPCloseReason)

        var description: String {
            switch self {
            case let .opened(id, c, s, h): return "opened #\(id) \(c)->\(s) handshake=\(h)"
            case let .data(id, d, text): return "data #\(id) \(d) \"\(text)\""
            case let .length(id, d, n): return "length #\(id) \(d) \(n)"
            case let .gap(id, d, n, at): return "gap #\(id) \(d) \(n)@\(at)"
            case let .closed(id, r): return "closed #\(id) \(r)"
            }
        }
    }

    var events: [Event] = []
    var interest: TCPPayloadInterest = .both
    /// Offsets must be contiguous per direction: checked on every event.
    var nextOffset: [UInt64: [TCPDirection: UInt64]] = [:]
    var offsetErrors: [String] = []

    mutating func connectionOpened(_ connection: TCPConnection, at time: CaptureTime, sawHandshake: Bool) -> TCPPayloadInterest {
        events.append(.opened(connection.id, client: connection.client.description, server: connection.server.description, handshake: sawHandshake))
        return interest
    }

    mutating func check(_ id: UInt64, _ d: TCPDirection, _ offset: UInt64, _ length: Int) {
        let expected = nextOffset[id, default: [:]][d, default: offset]
        if expected != offset { offsetErrors.append("#\(id) \(d): offset \(offset), expected \(expected)") }
        nextOffset[id, default: [:]][d] = offset + UInt64(length)
    }

    mutating func streamData(_ connection: TCPConnection, _ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) -> Bool {
        check(connection.id, direction, chunk.streamOffset, chunk.length)
        if chunk.hasBytes {
            events.append(.data(connection.id, direction, String(decoding: chunk.bytes, as: UTF8.self)))
        } else {
            events.append(.length(connection.id, direction, chunk.length))
        }
        return interest.contains(direction)
    }

    mutating func streamGap(_ connection: TCPConnection, _ direction: TCPDirection, length: Int, streamOffset: UInt64, at time: CaptureTime) {
        check(connection.id, direction, streamOffset, length)
        events.append(.gap(connection.id, direction, length, at: streamOffset))
    }

    mutating func connectionClosed(_ connection: TCPConnection, reason: TCPCloseReason, at time: CaptureTime) {
        events.append(.closed(connection.id, reason))
    }

    /// One direction's stream with adjacent data merged ("?" x n for gaps).
    func stream(_ id: UInt64, _ direction: TCPDirection) -> String {
        events.reduce(into: "") { text, event in
            switch event {
            case let .data(i, d, s) where i == id && d == direction: text += s
            case let .gap(i, d, n, _) where i == id && d == direction: text += String(repeating: "?", count: n)
            default: break
            }
        }
    }
}

/// Builds the packets of one TCP conversation as raw IPv4 (or IPv6).
struct Flow {
    var client = (address: "127.0.0.11", port: UInt16(40000))
    var server = (address: "127.0.0.100", port: UInt16(23))
    var ipv6 = false

    func packet(fromClient: Bool, seq: UInt32, ack: UInt32, flags: TCPFlags, window: UInt16, payload: [UInt8]) -> [UInt8] {
        let (a, b) = fromClient ? (client, server) : (server, client)
        let segment = Build.tcp(sourcePort: a.port, destinationPort: b.port, seq: seq, ack: ack, flags: flags, window: window, payload: payload)
        if ipv6 { return Build.ipv6(source: a.address, destination: b.address, payload: segment) }
        return Build.ipv4(source: a.address, destination: b.address, payload: segment)
    }

    func c(_ seq: UInt32, _ text: String = "", _ flags: TCPFlags = [.ack, .psh], ack: UInt32 = 1, window: UInt16 = 65535) -> [UInt8] {
        packet(fromClient: true, seq: seq, ack: ack, flags: flags, window: window, payload: Array(text.utf8))
    }

    func s(_ seq: UInt32, _ text: String = "", _ flags: TCPFlags = [.ack, .psh], ack: UInt32 = 1, window: UInt16 = 65535) -> [UInt8] {
        packet(fromClient: false, seq: seq, ack: ack, flags: flags, window: window, payload: Array(text.utf8))
    }
}

/// A packet to feed, optionally cut to `captured` bytes as a snapshot length would.
struct Feed {
    var bytes: [UInt8]
    var captured: Int?

    init(_ bytes: [UInt8], captured: Int? = nil) {
        self.bytes = bytes
        self.captured = captured
    }
}

func reassemble(
    _ packets: [Feed], configuration: TCPReassembler.Configuration = .init(), interest: TCPPayloadInterest = .both, finish: Bool = true
) -> (Recorder, TCPReassembler.Statistics) {
    let reassembler = TCPReassembler(configuration: configuration)
    var recorder = Recorder()
    recorder.interest = interest
    for (i, feed) in packets.enumerated() {
        let captured = Array(feed.bytes.prefix(feed.captured ?? feed.bytes.count))
        captured.withUnsafeBytes { b in
            let decoded = PacketDecoder.decode(b, linkType: .raw, originalLength: feed.bytes.count)
            reassembler.process(decoded, at: CaptureTime(seconds: Int64(i)), consumer: &recorder)
        }
    }
    if finish { reassembler.finish(at: CaptureTime(seconds: 1000), consumer: &recorder) }
    return (recorder, reassembler.statistics)
}

func reassemble(_ packets: [[UInt8]], configuration: TCPReassembler.Configuration = .init(), interest: TCPPayloadInterest = .both, finish: Bool = true) -> (Recorder, TCPReassembler.Statistics) {
    reassemble(packets.map { Feed($0) }, configuration: configuration, interest: interest, finish: finish)
}
