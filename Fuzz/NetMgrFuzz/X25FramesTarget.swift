import NIOCore
import X25

/// LAPB frames as the access line carries them (no flags, no FCS; each preceded by a length
/// byte) through the LAPB, X.25 packet and QLLC parsers, and into both ends of the line:
/// netmgrd's QLLCTerminal (LAPB DTE, X.25 DTE, QLLC secondary, PU 2) and the simulator's
/// X25NetworkDCE (LAPB DCE, X.25 DCE, QLLC primary).
enum X25FramesTarget {
    static let nodeID = XIDNodeID(rawValue: 0x05D0_0002)

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        var terminal = QLLCTerminal(configuration: .init(
            ownAddress: X121Address(parsing: "44200001") ?? .empty, hostAddress: X121Address(parsing: "44100001") ?? .empty,
            nodeID: nodeID, localAddresses: [2, 3]))
        var network = X25NetworkDCE(configuration: .init())
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        _ = terminal.start(now: now)
        _ = network.start(now: now)
        while !input.isAtEnd {
            let length = Int(input.byte())
            let bytes = input.piece(length)
            now = now + .milliseconds(Int64(length) * 20)
            if let frame = try? LAPBFrame(parsing: bytes) {
                check(frame.bytes == bytes, "\(frame) does not encode back to its bytes")
                parsePacket(frame.information)
            }
            // Commands and responses alike go to both ends: each checks the address itself.
            for action in network.receive(bytes, now: now) {
                if case .incomingCall(let channel, _) = action {
                    _ = network.accept(channel: channel, expectedNodeID: nodeID, now: now)
                }
            }
            _ = terminal.receive(bytes, now: now)
            _ = terminal.tick(now: now)
            _ = network.tick(now: now)
            _ = try? terminal.submit(ByteBuffer(bytes: [0xF5, 0xC3]), lu: 2, now: now)
        }
        _ = terminal.stop(now: now)
        _ = network.transportDown(now: now)
    }

    /// The X.25 and QLLC parsers on an I-field; a parsed packet survives encode/parse.
    static func parsePacket(_ bytes: ByteBuffer) {
        guard let packet = try? X25Packet(parsing: bytes) else { return }
        _ = packet.body.typeByte
        check((try? X25Packet(parsing: packet.bytes)) == packet, "\(packet) does not survive encode/parse")
        if case .data(_, _, _, let payload) = packet.body, packet.qualifier, let qllc = try? QLLCPacket(parsing: payload) {
            _ = qllc.description
            _ = try? qllc.xid()
            check((try? QLLCPacket(parsing: qllc.bytes)) == qllc, "\(qllc) does not survive encode/parse")
        }
    }
}
