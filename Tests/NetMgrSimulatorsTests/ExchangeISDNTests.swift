import ISDN
import LineTransport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrSimulators
import NetMgrTestSupport
import PacketCapture
import Testing

/// An ISDN subscriber for the tests: `ISDNUserSide` on a basic-rate interface to the
/// exchange, its actions collected, its timers run, on one event loop.
final class ExchangeTestSubscriber: @unchecked Sendable {
    let loop: any EventLoop
    private var user: ISDNUserSide
    private var interface: ISDNInterfaceConnection?
    private var timer: Scheduled<Void>?
    let actions = NIOLockedValueBox<[ISDNUserSide.Action]>([])
    let bFrames = NIOLockedValueBox<[ByteBuffer]>([])
    /// Called on the loop with each B-channel frame as it arrives (tests that answer frames).
    let onBFrame = NIOLockedValueBox<(@Sendable (ByteBuffer) -> Void)?>(nil)

    init(number: String, policy: ISDNUserSide.IncomingCallPolicy, loop: any EventLoop) {
        self.loop = loop
        user = ISDNUserSide(configuration: .init(ownNumber: number, incomingCalls: policy))
    }

    func open(_ address: SocketAddress) async throws {
        let device = LineDevice.tcp(host: address.ipAddress ?? "127.0.0.1", port: address.port ?? 0)
        let interface = try await openISDNInterface(device: device, on: loop) { [self] event in
            switch event {
            case .frame(.d, let frame): self.perform { $0.receive(frame, now: .now()) }
            case .frame(_, let frame):
                self.bFrames.withLockedValue { $0.append(frame) }
                self.onBFrame.withLockedValue { $0 }?(frame)
            default: break
            }
        }.get()
        try await loop.submit { [self] in
            self.interface = interface
            self.perform { $0.start(now: .now()) }
        }.get()
    }

    func call(_ number: String) async throws {
        try await loop.submit { [self] in self.perform { $0.call(number, now: .now()) } }.get()
    }

    func hangUp() async throws {
        try await loop.submit { [self] in self.perform { $0.hangUp(cause: 16, now: .now()) } }.get()
    }

    func sendB(_ bytes: [UInt8]) async throws {
        try await loop.submit { [self] in
            guard let channel = self.connectedChannel else { return }
            self.interface?.send(channel, ByteBuffer(bytes: bytes))
        }.get()
    }

    var connectedChannel: ISDNChannel? {
        actions.withLockedValue { list in
            list.reversed().first { if case .connected = $0 { true } else if case .cleared = $0 { true } else { false } }
        }.flatMap { if case .connected(let channel, _, _) = $0 { channel } else { nil } }
    }

    var connection: (calling: String, called: String)? {
        actions.withLockedValue { list in
            for case .connected(_, let calling, let called) in list.reversed() { return (calling, called) }
            return nil
        }
    }

    var cleared: UInt8? {
        actions.withLockedValue { list in
            for case .cleared(let cause, _) in list.reversed() { return cause }
            return nil
        }
    }

    private func perform(_ body: (inout ISDNUserSide) -> [ISDNUserSide.Action]) {
        let result = body(&user)
        actions.withLockedValue { $0 += result.filter { if case .send = $0 { false } else if case .setTimer = $0 { false } else { true } } }
        for case .send(let frame) in result { interface?.send(.d, frame) }
        timer?.cancel()
        if let deadline = user.nextDeadline {
            timer = loop.scheduleTask(deadline: deadline) { [self] in self.perform { $0.tick(now: .now()) } }
        }
    }

    func close() async {
        try? await loop.submit { [self] in
            self.timer?.cancel()
            self.interface?.close()
        }.get()
    }
}

/// An ISDN call between two subscribers through the exchange, over loopback (127.0.62.x).
struct ExchangeISDNTests {
    @Test func aCallBetweenTwoUserSidesPassesTheCallingNumberAndRelaysTheBChannel() async throws {
        let lines = try ["0312340011=listen:127.0.62.11:7700", "0300002222=listen:127.0.62.12:7700"].map {
            try ExchangeConfiguration.Line.parse($0, kind: .isdn).get()
        }
        let directory = try TemporaryDirectory()
        let capture = directory.file("isdn.pcapng")
        let exchange = try await Exchange.start(
            configuration: ExchangeConfiguration(
                lines: lines, settings: .init(noAnswer: .seconds(10), modemConnect: .milliseconds(100), isdnConnect: .milliseconds(50)),
                capture: .init(isdnPath: capture, isdnLine: "0300002222")),
            logger: Logger(label: "test.exchange.isdn"))
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let node = ExchangeTestSubscriber(number: "0312340011", policy: .reject, loop: loop)
        let host = ExchangeTestSubscriber(number: "0300002222", policy: .answer, loop: loop)
        do {
            let addresses = exchange.listeningAddresses
            try #require(addresses.count == 2)
            try await node.open(addresses[0])
            try await host.open(addresses[1])
            try await node.call("0300002222")
            #expect(await eventually { node.connection != nil && host.connection != nil })
            #expect(host.connection?.calling == "0312340011")
            #expect(host.connection?.called == "0300002222")
            try await node.sendB([0xC1, 0x93])
            #expect(await eventually { host.bFrames.withLockedValue { $0 } == [ByteBuffer(bytes: [0xC1, 0x93])] })
            try await host.sendB([0xC1, 0x73])
            #expect(await eventually { node.bFrames.withLockedValue { $0 } == [ByteBuffer(bytes: [0xC1, 0x73])] })
            try await host.hangUp()
            #expect(await eventually { node.cleared != nil })
            #expect(await eventually { (try? await exchange.callRecords().first?.result) == "connected" })
        } catch {
            Issue.record("\(error)")
        }
        await node.close()
        await host.close()
        await exchange.close()
        // What the host's interface saw: LAPD with the 16-byte LINUX_LAPD header (the network's
        // SETUP carrying the calling number), and the two B-channel frames as SDLC.
        let reader = try PcapNGReader(path: capture)
        var lapd: [[UInt8]] = []
        var sdlc: [[UInt8]] = []
        while let packet = try reader.nextPacket() {
            if packet.linkType == .linuxLAPD { lapd.append(Array(packet.bytes)) }
            if packet.linkType == .sdlc { sdlc.append(Array(packet.bytes)) }
        }
        reader.close()
        #expect(sdlc == [[0xC1, 0x93], [0xC1, 0x73]])
        #expect(lapd.contains { $0.count > 16 && $0[6] == 1 && String(decoding: $0, as: UTF8.self).contains("0312340011") })
        #expect(lapd.contains { $0.count > 16 && $0[6] == 0 })
    }
}
