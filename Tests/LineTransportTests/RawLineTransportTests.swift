import Logging
import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrTestSupport
import Testing

@Suite("Raw line transport (basic mode)")
struct RawLineTransportTests {
    @Test func bytesPassUnframedBothWaysAndTheCloseIsReportedOnce() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        // BDLC tests use 127.0.31.x; .97 is this test's own.
        let host = "127.0.31.97"
        let peer = try await LinePeer(group: group, host: host)
        let events = NIOLockedValueBox<[RawLineEvent]>([])
        let transport = TCPRawLineTransport(host: host, port: peer.port, logger: Logger(label: "test"))
        #expect(transport.device == .tcp(host: host, port: peer.port))
        let connection = try await transport.open(on: group.next()) { event in
            events.withLockedValue { $0.append(event) }
        }.get()
        #expect(await eventually { peer.accepted.withLockedValue { $0 } != nil })

        // Out: exactly the bytes given, HDLC flag and escape bytes included (no framing).
        let block: [UInt8] = [0x16, 0x16, 0x01, 0x02, 0x7E, 0x7D, 0x10, 0x03, 0x55]
        connection.send(ByteBuffer(bytes: block))
        connection.send(ByteBuffer())  // nothing: not sent, not counted
        #expect(await eventually { peer.received.withLockedValue { $0.count } >= block.count })
        #expect(peer.received.withLockedValue { $0 } == block)

        // In: whatever chunking the peer uses, the bytes arrive in order.
        let answer: [UInt8] = [0x04, 0x41, 0x41, 0x05, 0x7E]
        try await peer.send(Array(answer.prefix(2)))
        try await peer.send(Array(answer.dropFirst(2)))
        func received() -> [UInt8] {
            events.withLockedValue { events -> [UInt8] in
                var bytes: [UInt8] = []
                for event in events { if case .bytes(let chunk) = event { bytes += chunk.readableBytesView } }
                return bytes
            }
        }
        #expect(await eventually { received().count == answer.count })
        #expect(received() == answer)
        #expect(connection.counters.bytesSent == block.count)
        #expect(connection.counters.bytesReceived == answer.count)
        #expect(connection.counters.framesSent == 1)
        #expect(connection.counters.framingErrors == 0)

        await peer.close()
        func closes() -> Int { events.withLockedValue { $0.filter { if case .closed = $0 { true } else { false } }.count } }
        #expect(await eventually(.seconds(15)) { closes() == 1 })
        _ = try? await connection.close().get()
        #expect(closes() == 1)
    }

    @Test func connectFailureNamesTheDevice() async throws {
        // Port 1 on loopback: nothing listens there for an unprivileged test.
        let transport = makeRawLineTransport(device: .tcp(host: "127.0.31.9", port: 1), logger: Logger(label: "test"))
        do {
            _ = try await transport.open(on: MultiThreadedEventLoopGroup.singleton.next()) { _ in }.get()
            Issue.record("connected to a closed port")
        } catch {
            #expect("\(error)".contains("cannot open line device tcp:127.0.31.9:1"))
        }
    }
}
