import NIOCore
import X25

/// An XOT byte stream (RFC 1613) in pieces to `XOTFrameDecoder`, each packet on to the X.25
/// parser and into a QLLCTerminal without LAPB. The first byte sets the piece size.
enum XOTTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte() % 64) + 1
        var decoder = XOTFrameDecoder()
        var terminal = QLLCTerminal(configuration: .init(
            ownAddress: X121Address(parsing: "44200001") ?? .empty, hostAddress: X121Address(parsing: "44100001") ?? .empty,
            nodeID: XIDNodeID(rawValue: 0x05D0_0002), localAddresses: [2],
            packetLayer: .init(restartsOnLinkUp: false), lapb: nil))
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        _ = terminal.start(now: now)
        var buffer = ByteBuffer()
        var failed = false
        while !input.isAtEnd, !failed {
            var piece = input.piece(stride)
            buffer.writeBuffer(&piece)
            now = now + .milliseconds(100)
            do {
                while let packet = try decoder.decode(buffer: &buffer) {
                    check(packet.readableBytes > 0 && packet.readableBytes <= decoder.maximumPacketLength, "XOT packet of \(packet.readableBytes) bytes")
                    X25FramesTarget.parsePacket(packet)
                    _ = terminal.receive(packet, now: now)
                }
            } catch {
                _ = error.description
                failed = true
            }
            _ = terminal.tick(now: now)
        }
        _ = try? decoder.decodeLast(buffer: &buffer, seenEOF: true)
        _ = terminal.transportDown(now: now)
    }
}
