import NIOCore
import NetMgrProtocol
import Testing

@Suite("LAN protocol codec")
struct LANCodecTests {
    static let payload = ByteBuffer(bytes: [0x7D, 0xC1, 0x5B, 0x11, 0xFF, 0x00])

    static let clientMessages: [ClientMessage] = [
        .hello(minVersion: 1, maxVersion: 3, client: "app-1 (pid 42)"),
        .open(session: 7, resource: "TNVIP", lu: "VIPLU01"),
        .data(session: 7, sequence: 1 << 40, payload: payload),
        .data(session: 8, sequence: 1, payload: ByteBuffer()),
        .close(session: 7),
        .ping(token: 0xDEAD_BEEF),
        .watchConnections,
    ]

    static let serverMessages: [ServerMessage] = [
        .welcome(version: 1, node: "node-a", cluster: "example"),
        .resource(name: "TNVIP", state: .active, epoch: 12, node: "node-a"),
        .tableEnd,
        .opened(session: 7, state: .waitingForHost, hostAddress: "127.0.0.10"),
        .session(session: 7, state: .bound, detail: "TN3270E CONNECT VIPLU01"),
        .ack(session: 7, sequence: 99),
        .hostData(session: 7, sequence: 3, payload: payload),
        .error(session: 0, code: .unsupportedVersion, sequence: 0, message: "versions 2...3 not supported; this server speaks 1"),
        .error(session: 7, code: .queueFull, sequence: 4_097, message: "LU VIPLU01: 4096 messages (4096 bytes) wait for the host"),
        .closed(session: 7),
        .pong(token: 5),
        .goodbye(reason: "SIGTERM"),
        .hostConnection(HostConnectionInfo(resource: "TNVIP", lu: "VIPLU01", up: true, localAddress: "198.18.0.10", localPort: 41027,
                                           remoteAddress: "198.18.0.100", remotePort: 2323)),
    ]

    func frames(_ buffer: ByteBuffer, splitEvery step: Int) throws -> [ByteBuffer] {
        var decoder = LANFrameDecoder()
        var pending = ByteBuffer()
        var input = buffer
        var result: [ByteBuffer] = []
        while input.readableBytes > 0 {
            var chunk = input.readSlice(length: min(step, input.readableBytes))!
            pending.writeBuffer(&chunk)
            while let frame = try decoder.decode(buffer: &pending) { result.append(frame) }
        }
        #expect(pending.readableBytes == 0)
        return result
    }

    @Test("client messages round-trip through any split of the stream", arguments: [1, 3, 7, 1000])
    func clientRoundTrip(step: Int) throws {
        var buffer = ByteBuffer()
        for message in Self.clientMessages { message.encode(into: &buffer) }
        let decoded = try frames(buffer, splitEvery: step).map { frame in
            var frame = frame
            return try ClientMessage.decode(frame: &frame)
        }
        #expect(decoded == Self.clientMessages)
    }

    @Test("server messages round-trip through any split of the stream", arguments: [1, 5, 1000])
    func serverRoundTrip(step: Int) throws {
        var buffer = ByteBuffer()
        for message in Self.serverMessages { message.encode(into: &buffer) }
        let decoded = try frames(buffer, splitEvery: step).map { frame in
            var frame = frame
            return try ServerMessage.decode(frame: &frame)
        }
        #expect(decoded == Self.serverMessages)
    }

    @Test("DATA frames are laid out as docs/PROTOCOL.md says")
    func dataBytes() {
        var buffer = ByteBuffer()
        ClientMessage.data(session: 2, sequence: 5, payload: ByteBuffer(bytes: [0xAA, 0xBB])).encode(into: &buffer)
        #expect(Array(buffer.readableBytesView) == [
            0, 0, 0, 19,  // length of what follows
            0x03,  // DATA
            0, 0, 0, 2,  // session
            0, 0, 0, 0, 0, 0, 0, 5,  // sequence
            0, 0, 0, 2, 0xAA, 0xBB,  // payload
        ])
    }

    @Test("ERROR queue-full is code 12, named queue-full")
    func queueFullCode() {
        var buffer = ByteBuffer()
        ServerMessage.error(session: 2, code: .queueFull, sequence: 5, message: "").encode(into: &buffer)
        #expect(Array(buffer.readableBytesView)[9..<11] == [0, 12])
        #expect(LANErrorCode.queueFull.description == "queue-full")
    }

    @Test("malformed frames are errors that say what is wrong", arguments: [
        ([0x42] as [UInt8], "unknown client frame type 0x42"),
        ([0x02, 0, 0, 0, 1, 0, 9, 0x41] as [UInt8], "OPEN resource: 9 bytes announced, 1 present"),
        ([0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 8, 1] as [UInt8], "DATA: payload of 8 bytes announced, 1 present"),
        ([0x04, 0, 0, 0, 1, 0xEE] as [UInt8], "close frame has 1 trailing bytes"),
        ([0x86, 0, 0, 0, 1] as [UInt8], "server frame type 0x86 sent by a client"),
        ([0x05, 0, 0] as [UInt8], "PING token: truncated"),
    ])
    func malformed(bytes: [UInt8], message: String) {
        var frame = ByteBuffer(bytes: bytes)
        #expect(throws: LANProtocolError(message)) { try ClientMessage.decode(frame: &frame) }
    }

    @Test("an oversized or empty frame length is refused before buffering it")
    func badLength() {
        var decoder = LANFrameDecoder()
        var huge = ByteBuffer(bytes: [0x7F, 0xFF, 0xFF, 0xFF, 0x03])
        #expect(throws: LANProtocolError.self) { try decoder.decode(buffer: &huge) }
        var empty = ByteBuffer(bytes: [0, 0, 0, 0])
        #expect(throws: LANProtocolError.self) { try decoder.decode(buffer: &empty) }
    }

    @Test("a server's decoder holds the first frame (HELLO) to 4 KiB, and later ones to 1 MiB")
    func serverFirstFrameLimit() throws {
        var decoder = LANFrameDecoder.server()
        #expect(decoder.maximumBufferSize == LANProtocol.maximumFrameLength + 4)
        // A 4 KiB + 1 first frame is refused on its length alone.
        var tooBig = ByteBuffer(bytes: [0, 0, 0x10, 0x01, 0x01])
        #expect(throws: LANProtocolError("first frame (HELLO) length 4097 is outside 1...4096")) { try decoder.decode(buffer: &tooBig) }

        var stream = ByteBuffer()
        ClientMessage.hello(minVersion: 1, maxVersion: 1, client: String(repeating: "n", count: 4_000)).encode(into: &stream)
        ClientMessage.data(session: 1, sequence: 1, payload: ByteBuffer(repeating: 0x40, count: 512 * 1024)).encode(into: &stream)
        let frames = try [decoder.decode(buffer: &stream), decoder.decode(buffer: &stream)]
        #expect(frames.map { $0?.readableBytes } == [1 + 2 + 2 + 2 + 4_000, 1 + 4 + 8 + 4 + 512 * 1024])
        var oversized = ByteBuffer(bytes: [0, 0x10, 0, 1, 0x03])
        #expect(throws: LANProtocolError("frame length 1048577 is outside 1...1048576")) { try decoder.decode(buffer: &oversized) }
    }

    @Test("a client's decoder takes a full-size first frame")
    func clientFirstFrame() throws {
        var decoder = LANFrameDecoder()
        var stream = ByteBuffer()
        ServerMessage.hostData(session: 1, sequence: 1, payload: ByteBuffer(repeating: 0, count: 64 * 1024)).encode(into: &stream)
        #expect(try decoder.decode(buffer: &stream) != nil)
    }
}
