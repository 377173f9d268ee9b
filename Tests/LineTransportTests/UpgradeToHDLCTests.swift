import Logging
import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrTestSupport
import SDLC
import Testing

/// A raw line switched to HDLC framing on the same connection, as a dial-up line does after
/// CONNECT. The serial helper's loopback block is 127.0.61.x.
@Suite("Raw line upgraded to HDLC")
struct UpgradeToHDLCTests {
    static func encoded(_ frame: SDLCFrame) -> [UInt8] {
        var buffer = ByteBuffer()
        HDLCFrameEncoder.encode(frame, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test func dialogueRawThenFramesOnTheSameTCPConnection() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let peer = try await LinePeer(group: group, host: "127.0.61.1")
        let rawEvents = NIOLockedValueBox<[RawLineEvent]>([])
        let raw = try await TCPRawLineTransport(host: "127.0.61.1", port: peer.port, logger: Logger(label: "test"))
            .open(on: group.next()) { event in rawEvents.withLockedValue { $0.append(event) } }.get()
        #expect(raw.modemLines == nil)
        #expect(await eventually { peer.accepted.withLockedValue { $0 } != nil })

        // The modem dialogue, raw; the first frame of data mode comes in the same segment.
        raw.send(ByteBuffer(string: "ATDT0300001111\r"))
        #expect(await eventually { peer.received.withLockedValue { $0.count } == 15 })
        let first = SDLCFrame(address: 0xC1, control: .unnumbered(.xid, pollFinal: true), information: ByteBuffer(bytes: [0x02, 0x05, 0xD0, 0x00, 0x03]))
        let connect = Array("\r\nCONNECT 9600\r\n".utf8)
        try await peer.send(connect + Self.encoded(first))
        func rawBytes() -> [UInt8] {
            rawEvents.withLockedValue { events in events.flatMap { event -> [UInt8] in if case .bytes(let b) = event { Array(b.readableBytesView) } else { [] } } }
        }
        let total = connect.count + Self.encoded(first).count
        #expect(await eventually { rawBytes().count == total })
        let pending = ByteBuffer(bytes: rawBytes().dropFirst(connect.count))

        let events = NIOLockedValueBox<[LineEvent]>([])
        let line = try await raw.upgradeToHDLC(events: { event in events.withLockedValue { $0.append(event) } }, pending: pending).get()
        func frames() -> [SDLCFrame] { events.withLockedValue { $0.compactMap { if case .frame(let f) = $0 { f } else { nil } } } }
        #expect(await eventually { frames().count == 1 })
        #expect(frames() == [first])

        // Frames both ways now, HDLC-framed on the wire; nothing more reaches the raw closure.
        let second = SDLCFrame(address: 0xC1, control: .information(ns: 0, nr: 0, pollFinal: false), information: ByteBuffer(bytes: [0x7E, 0x7D, 0x01]))
        try await peer.send(Self.encoded(second))
        #expect(await eventually { frames().count == 2 })
        #expect(frames().last == second)
        let reply = SDLCFrame(address: 0xC1, control: .unnumbered(.ua, pollFinal: true), information: ByteBuffer())
        peer.received.withLockedValue { $0 = [] }
        line.send(reply)
        #expect(await eventually { peer.received.withLockedValue { $0 } == Self.encoded(reply) })
        #expect(rawBytes().count == total)
        #expect(line.counters.framesReceived == 2)
        #expect(line.counters.framesSent == 1)

        await peer.close()
        func closes() -> Int { events.withLockedValue { $0.filter { if case .closed = $0 { true } else { false } }.count } }
        #expect(await eventually { closes() == 1 })
        #expect(rawEvents.withLockedValue { $0.allSatisfy { if case .bytes = $0 { true } else { false } } })
        _ = try? await line.close().get()
        #expect(closes() == 1)
    }

    @Test func upgradingAClosedLineFails() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let peer = try await LinePeer(group: group, host: "127.0.61.2")
        let raw = try await TCPRawLineTransport(host: "127.0.61.2", port: peer.port, logger: Logger(label: "test"))
            .open(on: group.next()) { _ in }.get()
        try await raw.close().get()
        await #expect(throws: LineOpenError.self) { try await raw.upgradeToHDLC(events: { _ in }).get() }
        await peer.close()
    }
}
