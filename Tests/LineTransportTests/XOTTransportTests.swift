import Logging
import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrTestSupport
import SDLC
import Testing
import X25

@Suite("XOT transport and LAPB on the HDLC line")
struct XOTTransportTests {
    @Test func xotDevicesParse() throws {
        #expect(try LineDevice.parse(device: "xot:127.0.32.5:1998") == .xot(host: "127.0.32.5", port: 1998))
        #expect(try LineDevice.parse(device: "XOT:[::1]:1998").description == "xot:[::1]:1998")
        #expect(try LineDevice.parse(device: "xot:127.0.32.5:1998").isXOT)
        #expect(try !LineDevice.parse(device: "tcp:127.0.32.5:1998").isXOT)
        #expect(throws: LineDeviceError.missingPort(device: "xot:127.0.32.5")) { try LineDevice.parse(device: "xot:127.0.32.5") }
    }

    @Test func lapbFramesKeepTheirBytesThroughTheSDLCFrameShape() throws {
        let frames = [
            LAPBFrame(address: LAPBRole.addressB, control: .sabm()),
            LAPBFrame(address: LAPBRole.addressA, control: .rr(nr: 5, pollFinal: true)),
            LAPBFrame(address: LAPBRole.addressB, control: LAPBControl(byte: 0xA4), information: ByteBuffer(bytes: [0x10, 0x01, 0xFB, 0x00, 0x00])),
        ]
        for frame in frames {
            let sdlc = SDLCFrame(lapb: frame)
            #expect(sdlc.bytes == frame.bytes)
            #expect(sdlc.lapb == frame)
            var encoded = ByteBuffer()
            HDLCFrameEncoder.encode(sdlc, into: &encoded)
            var decoder = HDLCFrameDecoder()
            var output: HDLCDecoderOutput?
            for _ in 0..<4 where output == nil { output = decoder.decode(buffer: &encoded) }
            guard case .frame(let content)? = output else {
                Issue.record("no frame decoded for \(frame)")
                continue
            }
            #expect(try LAPBFrame(parsing: content) == frame)
        }
    }

    @Test func packetsBothWaysWithTheRFC1613Header() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        // The far end is a plain TCP peer: the test sees and writes the raw XOT stream.
        let received = NIOLockedValueBox<[UInt8]>([])
        let accepted = NIOLockedValueBox<(any Channel)?>(nil)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0 = channel }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LinePeer.Recorder(received: received))
                }
            }
            .bind(host: "127.0.32.1", port: 0).get()
        defer { _ = server.close() }
        let port = try #require(server.localAddress?.port)
        let clientEvents = NIOLockedValueBox<[XOTEvent]>([])
        let transport = XOTTransport(host: "127.0.32.1", port: port, logger: Logger(label: "test"))
        let connection = try await transport.open(on: group.next()) { event in clientEvents.withLockedValue { $0.append(event) } }.get()
        defer { connection.close() }

        // Out: version 0, length 3, the RESTART REQUEST.
        let restart = X25Packet(logicalChannel: 0, body: .restartRequest(X25CauseDiagnostic(cause: 0, diagnostic: 0)))
        connection.send([restart])
        let expected = Array(XOTFraming.frame(restart).readableBytesView)
        #expect(expected.prefix(4) == [0x00, 0x00, 0x00, UInt8(restart.bytes.readableBytes)])
        #expect(await eventually { received.withLockedValue { $0.count } >= expected.count })
        #expect(received.withLockedValue { $0 } == expected)

        // In: the RESTART CONFIRMATION a router writes, split across two TCP segments.
        func packets() -> [ByteBuffer] {
            clientEvents.withLockedValue { $0.compactMap { if case .packet(let p) = $0 { p } else { nil } } }
        }
        let channel = try #require(accepted.withLockedValue { $0 })
        let confirmation = X25Packet(logicalChannel: 0, body: .restartConfirmation)
        var framed = XOTFraming.frame(confirmation)
        let split = framed.readSlice(length: 2)
        let head = try #require(split)
        try await channel.writeAndFlush(head).get()
        try await channel.writeAndFlush(framed).get()
        #expect(await eventually { packets().count == 1 })
        #expect(try packets().first.map { try X25Packet(parsing: $0) } == confirmation)
        #expect(connection.counters.framesReceived == 1 && connection.counters.framesSent == 1)

        // A wrong version breaks the stream: the close is reported once, with the error.
        try await channel.writeAndFlush(ByteBuffer(bytes: [0x00, 0x01, 0x00, 0x03, 0x10, 0x01, 0xFF])).get()
        #expect(await eventually(.seconds(15)) { clientEvents.withLockedValue { $0.contains { if case .closed(let error) = $0 { error != nil } else { false } } } })
        #expect(clientEvents.withLockedValue { $0.filter { if case .closed = $0 { true } else { false } }.count } == 1)
        #expect(packets().count == 1)
    }
}
