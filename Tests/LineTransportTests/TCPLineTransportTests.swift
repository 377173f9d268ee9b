import Logging
import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrTestSupport
import SDLC
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A TCP peer that records what it receives and sends what the test asks: the far end of
/// a simulated line.
final class LinePeer: Sendable {
    let server: any Channel
    let accepted: NIOLockedValueBox<(any Channel)?>
    let received: NIOLockedValueBox<[UInt8]>

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, host: String = "127.0.0.1") async throws {
        let accepted = NIOLockedValueBox<(any Channel)?>(nil)
        let received = NIOLockedValueBox<[UInt8]>([])
        self.accepted = accepted
        self.received = received
        server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                // The first connection is the line; any other (a stray from elsewhere on
                // loopback) is refused, so it can never take the line's place.
                let first = accepted.withLockedValue { current in
                    if current == nil { current = channel; return true }
                    return false
                }
                guard first else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(received: received))
                }
            }
            .bind(host: host, port: 0).get()
    }

    var port: Int { server.localAddress!.port! }

    func send(_ bytes: [UInt8]) async throws {
        let channel = try #require(accepted.withLockedValue { $0 })
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func close() async {
        try? await accepted.withLockedValue { $0 }?.close()
        try? await server.close()
    }

    final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<[UInt8]>
        init(received: NIOLockedValueBox<[UInt8]>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            received.withLockedValue { $0 += bytes }
        }
    }
}

@Suite("TCP line transport")
struct TCPLineTransportTests {
    static let frames = [
        SDLCFrame(address: 0xC1, control: .unnumbered(.exchangeIdentification, pollFinal: true)),
        SDLCFrame(address: 0xC1, control: .information(ns: 0, nr: 0, pollFinal: true), information: ByteBuffer(bytes: [0x7E, 0x7D, 0x2C, 0x00])),
    ]

    @Test func framesBothWaysAndFramingErrorsAreNotFatal() async throws {
        // Its own loop: the shared one can be busy with the rest of the suite for seconds.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let peer = try await LinePeer(group: group)
        let events = NIOLockedValueBox<[LineEvent]>([])
        let transport = TCPLineTransport(host: "127.0.0.1", port: peer.port, logger: Logger(label: "test"))
        let connection = try await transport.open(on: group.next()) { event in
            events.withLockedValue { $0.append(event) }
        }.get()
        #expect(await eventually { peer.accepted.withLockedValue { $0 } != nil })

        // Out: framed with flags, transparency and FCS.
        connection.send(Self.frames)
        var expected = ByteBuffer()
        for frame in Self.frames { HDLCFrameEncoder.encode(frame, into: &expected) }
        #expect(await eventually { peer.received.withLockedValue { $0.count } >= expected.readableBytes })
        #expect(peer.received.withLockedValue { $0 } == Array(expected.readableBytesView))

        // In: a good frame, a frame with a broken FCS, then a good one again, split oddly.
        var bytes = expected
        var corrupted = ByteBuffer()
        HDLCFrameEncoder.encode(Self.frames[0], into: &corrupted)
        corrupted.setInteger(UInt8(0x00), at: corrupted.writerIndex - 2)  // FCS high byte
        let all = Array(bytes.readBytes(length: bytes.readableBytes)!)
        let stream = Array(all.prefix(5)) + Array(corrupted.readableBytesView) + Array(all.dropFirst(5))
        try await peer.send(Array(stream.prefix(3)))
        try await peer.send(Array(stream.dropFirst(3)))

        func frames() -> [SDLCFrame] { events.withLockedValue { $0.compactMap { if case .frame(let f) = $0 { f } else { nil } } } }
        #expect(await eventually { frames().count == 2 })
        #expect(frames() == Self.frames)
        #expect(connection.counters.framingErrors == 1)
        #expect(connection.counters.framesReceived == 2)
        #expect(connection.counters.framesSent == 2)
        #expect(events.withLockedValue { $0.contains { if case .framingError = $0 { true } else { false } } })

        // The peer hangs up: reported once as closed.
        await peer.close()
        #expect(await eventually(.seconds(15)) { events.withLockedValue { $0.contains { if case .closed = $0 { true } else { false } } } },
                "events: \(events.withLockedValue { $0 })")
    }

    @Test func connectFailureNamesTheDevice() async throws {
        // A port bound but not listening refuses connections, and stays ours for the whole
        // test (a closed listener's port could be taken by a parallel test meanwhile).
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0 }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let transport = TCPLineTransport(host: "127.0.0.1", port: port, logger: Logger(label: "test"))
        do {
            _ = try await transport.open(on: MultiThreadedEventLoopGroup.singleton.next()) { _ in }.get()
            Issue.record("connected to a closed port")
        } catch {
            #expect("\(error)".contains("cannot open line device tcp:127.0.0.1:\(port)"))
        }
    }
}
