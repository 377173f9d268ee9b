import NIOCore
import NetMgrProtocol

/// A LAN byte stream (first byte: piece size) through the frame decoder; every frame is
/// decoded as a client and as a server message, and what decodes must encode back to the
/// same message.
enum LANCodecTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let stride = Int(input.byte()) + 1
        var decoder = LANFrameDecoder()
        var buffer = ByteBuffer()
        while !input.isAtEnd {
            var piece = input.piece(stride)
            buffer.writeBuffer(&piece)
            do {
                while let frame = try decoder.decode(buffer: &buffer) { decode(frame) }
            } catch {
                return  // the connection would be closed
            }
        }
        _ = try? decoder.decodeLast(buffer: &buffer, seenEOF: true)
    }

    static func decode(_ frame: ByteBuffer) {
        var asClient = frame
        if let message = try? ClientMessage.decode(frame: &asClient) {
            var encoded = ByteBuffer()
            message.encode(into: &encoded)
            encoded.moveReaderIndex(forwardBy: 4)
            check((try? ClientMessage.decode(frame: &encoded)) == message, "client message \(message) does not survive encode/decode")
        }
        var asServer = frame
        if let message = try? ServerMessage.decode(frame: &asServer) {
            var encoded = ByteBuffer()
            message.encode(into: &encoded)
            encoded.moveReaderIndex(forwardBy: 4)
            check((try? ServerMessage.decode(frame: &encoded)) == message, "server message \(message) does not survive encode/decode")
        }
    }
}
