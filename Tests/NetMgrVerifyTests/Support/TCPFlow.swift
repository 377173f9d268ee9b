import PacketCapture

/// One TCP connection written into a `SyntheticCapture`, with real sequence numbers,
/// checksums and flags, so that tshark decodes it as readily as the verifier.
struct TCPFlow {
    enum Side { case client, host }

    let capture: SyntheticCapture
    let client: (address: String, port: UInt16)
    let host: (address: String, port: UInt16)
    /// Next sequence number each side sends.
    var clientSequence: UInt32
    var hostSequence: UInt32
    private var identification: UInt16 = 1

    init(_ capture: SyntheticCapture, client: String, port: UInt16, host: String, hostPort: UInt16, seed: UInt32 = 1000) {
        self.capture = capture
        self.client = (client, port)
        self.host = (host, hostPort)
        clientSequence = seed &* 7919
        hostSequence = seed &* 104_729
    }

    mutating func handshake(at ms: Double) throws {
        try segment(from: .client, flags: [.syn], sequence: clientSequence, at: ms)
        clientSequence &+= 1
        try segment(from: .host, flags: [.syn, .ack], sequence: hostSequence, at: ms + 0.1)
        hostSequence &+= 1
        try segment(from: .client, flags: [.ack], sequence: clientSequence, at: ms + 0.2)
    }

    /// Payload from one side, in one segment (PSH|ACK), then the other side's ACK.
    mutating func send(_ from: Side, _ payload: [UInt8], at ms: Double, ack: Bool = true) throws {
        let sequence = from == .client ? clientSequence : hostSequence
        try segment(from: from, flags: [.psh, .ack], sequence: sequence, payload: payload, at: ms)
        advance(from, by: payload.count)
        if ack { try segment(from: from == .client ? .host : .client, flags: [.ack], sequence: from == .client ? hostSequence : clientSequence, at: ms + 0.05) }
    }

    mutating func fin(_ from: Side, at ms: Double) throws {
        try segment(from: from, flags: [.fin, .ack], sequence: from == .client ? clientSequence : hostSequence, at: ms)
        advance(from, by: 1)
    }

    /// FIN from `first`, FIN back, last ACK.
    mutating func close(by first: Side, at ms: Double) throws {
        let other: Side = first == .client ? .host : .client
        try fin(first, at: ms)
        try fin(other, at: ms + 0.1)
        try segment(from: first, flags: [.ack], sequence: first == .client ? clientSequence : hostSequence, at: ms + 0.2)
    }

    mutating func reset(_ from: Side, at ms: Double) throws {
        try segment(from: from, flags: [.rst, .ack], sequence: from == .client ? clientSequence : hostSequence, at: ms)
    }

    mutating func advance(_ side: Side, by count: Int) {
        if side == .client { clientSequence &+= UInt32(count) } else { hostSequence &+= UInt32(count) }
    }

    /// A segment with explicit sequence number (for retransmissions and reordering).
    mutating func segment(from: Side, flags: TCPFlags, sequence: UInt32, payload: [UInt8] = [], at ms: Double) throws {
        let (source, destination) = from == .client ? (client, host) : (host, client)
        let acknowledgment = flags.contains(.ack) ? (from == .client ? hostSequence : clientSequence) : 0
        var tcp = Wire.be16(source.port) + Wire.be16(destination.port) + Wire.be32(sequence) + Wire.be32(acknowledgment)
            + [0x50, flags.rawValue] + Wire.be16(65_535) + [0, 0, 0, 0] + payload
        let checksum = Wire.tcpChecksum(source: source.address, destination: destination.address, segment: tcp)
        tcp[16] = UInt8(checksum >> 8)
        tcp[17] = UInt8(checksum & 0xFF)
        identification &+= 1
        try capture.ip(Wire.ipv4(source: source.address, destination: destination.address, identification: identification, payload: tcp), at: ms)
    }
}
