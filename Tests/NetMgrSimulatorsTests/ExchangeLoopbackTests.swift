import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// A DTE on a TCP cable to the exchange's modem: sends bytes, keeps everything it received.
final class ExchangeTestDTE: Sendable {
    let channel: any Channel
    let received: NIOLockedValueBox<[UInt8]>
    let closed: NIOLockedValueBox<Bool>
    /// Called on the loop with each chunk as it arrives (tests that answer in data mode).
    let onReceive: NIOLockedValueBox<(@Sendable ([UInt8]) -> Void)?>

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<[UInt8]>
        let closed: NIOLockedValueBox<Bool>
        let onReceive: NIOLockedValueBox<(@Sendable ([UInt8]) -> Void)?>
        init(received: NIOLockedValueBox<[UInt8]>, closed: NIOLockedValueBox<Bool>, onReceive: NIOLockedValueBox<(@Sendable ([UInt8]) -> Void)?>) {
            self.received = received
            self.closed = closed
            self.onReceive = onReceive
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            received.withLockedValue { $0 += bytes.readableBytesView }
            onReceive.withLockedValue { $0 }?(Array(bytes.readableBytesView))
        }
        func channelInactive(context: ChannelHandlerContext) {
            closed.withLockedValue { $0 = true }
        }
    }

    private init(channel: any Channel, received: NIOLockedValueBox<[UInt8]>, closed: NIOLockedValueBox<Bool>, onReceive: NIOLockedValueBox<(@Sendable ([UInt8]) -> Void)?>) {
        self.channel = channel
        self.received = received
        self.closed = closed
        self.onReceive = onReceive
    }

    static func connect(to address: SocketAddress) async throws -> ExchangeTestDTE {
        let received = NIOLockedValueBox<[UInt8]>([])
        let closed = NIOLockedValueBox(false)
        let onReceive = NIOLockedValueBox<(@Sendable ([UInt8]) -> Void)?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received, closed: closed, onReceive: onReceive))
                }
            }
            .connect(to: address).get()
        return ExchangeTestDTE(channel: channel, received: received, closed: closed, onReceive: onReceive)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    var text: String { String(decoding: received.withLockedValue { $0 }, as: UTF8.self) }

    /// Waits until `expected` has arrived (after what `clear` forgot).
    func sees(_ expected: String) async -> Bool {
        await eventually { self.text.contains(expected) }
    }

    func clear() { received.withLockedValue { $0 = [] } }

    func close() async { try? await channel.close() }
}

/// The exchange over loopback (127.0.62.x) with raw TCP DTEs speaking AT.
@Suite(.serialized)
struct ExchangeLoopbackTests {
    /// Each test has its own addresses (`first`…`first + 3`), so one test's exchange never
    /// meets another's sockets.
    static func start(noAnswerMilliseconds: Int64 = 20_000, first: Int = 1) async throws -> Exchange {
        let lines = try ["0311=listen:127.0.62.\(first):7700", "0322=listen:127.0.62.\(first + 1):7700",
                         "0333=listen:127.0.62.\(first + 2):7700,out-of-service", "0344=listen:127.0.62.\(first + 3):7700"].map {
            try ExchangeConfiguration.Line.parse($0, kind: .analogue).get()
        }
        let configuration = ExchangeConfiguration(
            lines: lines, settings: .init(noAnswer: .milliseconds(noAnswerMilliseconds), modemConnect: .milliseconds(150), isdnConnect: .milliseconds(20)),
            modem: .init(ringInterval: .milliseconds(100)))
        return try await Exchange.start(configuration: configuration, logger: Logger(label: "test.exchange"))
    }

    @Test func aCallConnectsCarriesDataBothWaysAndHangsUpWithNoCarrier() async throws {
        let exchange = try await Self.start()
        let addresses = exchange.listeningAddresses
        try #require(addresses.count == 4)
        let caller = try await ExchangeTestDTE.connect(to: addresses[0])
        let called = try await ExchangeTestDTE.connect(to: addresses[1])
        do {
            try await called.send("ATE0\r")
            #expect(await called.sees("OK"))
            try await called.send("AT+VCID=1S0=1\r")
            #expect(await called.sees("OK\r\n"))
            called.clear()
            try await caller.send("ATDT0322\r")
            #expect(await called.sees("RING"))
            #expect(await called.sees("NMBR = 0311"))
            #expect(await caller.sees("CONNECT"))
            #expect(await called.sees("CONNECT"))
            caller.clear()
            called.clear()
            try await caller.send("hello from 0311")
            #expect(await called.sees("hello from 0311"))
            try await called.send("and back from 0322")
            #expect(await caller.sees("and back from 0322"))
            await caller.close()  // DTR drop
            #expect(await called.sees("NO CARRIER"))
            #expect(await eventually { (try? await exchange.callRecords().count) == 1 })
            let record = try #require(try await exchange.callRecords().first)
            #expect(record.calling == "0311" && record.called == "0322" && record.result == "connected" && record.cause == 16)
            #expect(record.setupTime.map { $0 >= .milliseconds(150) } == true)
        } catch {
            Issue.record("\(error)")
        }
        await caller.close()
        await called.close()
        await exchange.close()
    }

    @Test func busyNoAnswerAndNoDialtone() async throws {
        // Long enough that d's call reaches b while a's call still rings there, also on a busy machine.
        let exchange = try await Self.start(noAnswerMilliseconds: 2_000, first: 5)
        let addresses = exchange.listeningAddresses
        try #require(addresses.count == 4)
        let a = try await ExchangeTestDTE.connect(to: addresses[0])
        let b = try await ExchangeTestDTE.connect(to: addresses[1])
        let barred = try await ExchangeTestDTE.connect(to: addresses[2])
        let d = try await ExchangeTestDTE.connect(to: addresses[3])
        do {
            // b does not answer (S0=0): NO ANSWER after the no-answer time.
            try await a.send("ATDT0322\r")
            #expect(await b.sees("RING"))
            #expect(await a.sees("NO ANSWER"))
            // A barred line: calling it is busy, calling from it has no dial tone.
            a.clear()
            try await a.send("ATDT0333\r")
            #expect(await a.sees("BUSY"))
            try await barred.send("ATDT0311\r")
            #expect(await barred.sees("NO DIALTONE"))
            // b rings for a: d calling b is busy.
            a.clear()
            b.clear()
            try await a.send("ATDT0322\r")
            #expect(await b.sees("RING"))
            try await d.send("ATDT0322\r")
            #expect(await d.sees("BUSY"))
            let records = try await exchange.callRecords().map(\.result)
            #expect(records.prefix(3) == ["no-answer", "busy", "no-dialtone"])
            #expect(records.last == "busy")
        } catch {
            Issue.record("\(error)")
        }
        for dte in [a, b, barred, d] { await dte.close() }
        await exchange.close()
    }
}
