import Glibc
import ISDN
import LineTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrTestSupport
import SDLC
import Testing

@Suite("The simulated BRI: [channel][frame] in HDLC framing")
struct ISDNInterfaceTransportTests {
    @Test("a D frame's bytes on the wire: flag, channel 0, LAPD, FCS, flag")
    func wireVector() throws {
        let frame = ISDNInterfaceFrame(channel: .d, frame: buffer([0x00, 0x01, 0x7F]))
        let wire = bytes(frame.encoded)
        #expect(wire.first == 0x7E && wire.last == 0x7E)
        #expect(Array(wire[1...4]) == [0x00, 0x00, 0x01, 0x7F])
        let fcs = ~(([0x00, 0x00, 0x01, 0x7F] as [UInt8]).reduce(CRC16X25.initialValue) { CRC16X25.update($0, byte: $1) })
        #expect(Array(wire[5...6]) == [UInt8(fcs & 0xFF), UInt8(fcs >> 8)])
        var decoder = ISDNInterfaceFrame.makeDecoder()
        var stream = frame.encoded
        guard case .frame(let content)? = decoder.decode(buffer: &stream) else {
            Issue.record("no frame decoded")
            return
        }
        #expect(try ISDNInterfaceFrame(parsing: content) == frame)
        #expect(throws: ISDNInterfaceFrameError.unknownChannel(3)) { try ISDNInterfaceFrame(parsing: buffer([0x03, 0xC1, 0x93])) }
        #expect(throws: ISDNInterfaceFrameError.noFrame(.b1)) { try ISDNInterfaceFrame(parsing: buffer([0x01])) }
    }

    @Test("frames both ways over a socketpair, each side served by the BRI handlers; close is reported")
    func overSocketpair() async throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let seen = NIOLockedValueBox<[String]>([])
        @Sendable func record(_ side: String) -> @Sendable (ISDNInterfaceEvent) -> Void {
            { event in
                let text: String
                switch event {
                case .frame(let channel, let frame): text = "\(side) \(channel) \(Array(frame.readableBytesView))"
                case .framingError(let error): text = "\(side) framing \(error)"
                case .badFrame(let error): text = "\(side) bad \(error)"
                case .closed: text = "\(side) closed"
                }
                seen.withLockedValue { $0.append(text) }
            }
        }
        func open(_ fd: Int32, _ side: String) async throws -> ISDNInterfaceConnection {
            let channel = try await ClientBootstrap(group: group).withConnectedSocket(fd).get()
            return try await channel.eventLoop.submit {
                try ISDNInterfaceConnection.serve(channel: channel, device: .tcp(host: "socketpair", port: 1), events: record(side))
            }.get()
        }
        let user = try await open(pair[0], "user")
        let exchange = try await open(pair[1], "exchange")
        user.send(.d, buffer([0x00, 0x01, 0x7F]))
        exchange.send(.d, buffer([0x00, 0x01, 0x73]))
        exchange.send(.b1, SDLCFrame(address: 0xC1, control: SDLCControl(byte: 0x93), information: buffer([0x7E, 0x7D])))
        let expected = ["exchange D [0, 1, 127]", "user D [0, 1, 115]", "user B1 [193, 147, 126, 125]"]
        #expect(await eventually { Set(expected).isSubset(of: Set(seen.withLockedValue { $0 })) }, "\(seen.withLockedValue { $0 })")
        try await user.close().get()
        #expect(await eventually { seen.withLockedValue { $0 }.contains("exchange closed") })
        #expect(exchange.counters.framesReceived == 1 && exchange.counters.framesSent == 2)
        try await exchange.close().get()
        try await group.shutdownGracefully()
    }

    @Test("only tcp: devices are basic-rate interfaces")
    func refusesOtherDevices() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        await #expect(throws: LineOpenError.self) {
            _ = try await openISDNInterface(device: .xot(host: "127.0.0.1", port: 1998), on: group.next(), events: { _ in }).get()
        }
        try await group.shutdownGracefully()
    }
}
