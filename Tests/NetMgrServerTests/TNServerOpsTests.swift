import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import TN3270
import Testing

/// Issue 15 part 3, the operations side of the TN server: the router refuses a NetMgrClient
/// OPEN of an LU an emulator holds or that keep-lu keeps for one; a reload takes the new
/// map, pools and timers and keeps holds and reservations of LUs still offered; the VIP
/// listener binds an address the host does not have (IP_FREEBIND).
@Suite("TN server: keep-lu in the router, reload, VIP bind")
struct TNServerOpsTests {
    /// The application's answers to its OPENs: (code or nil for OPENED, message).
    static func openAnswers(_ harness: RouterHarness, _ channel: EmbeddedChannel) throws -> [(LANErrorCode?, String)] {
        try harness.received(on: channel).compactMap { message in
            switch message {
            case .opened: return (nil, "opened")
            case .error(_, let code, _, let text): return (code, text)
            default: return nil
            }
        }
    }

    @Test("an application's OPEN of an LU an emulator holds, or keep-lu keeps for one, is lu-in-use until the keep time is up")
    func keepLUInRouter() throws {
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01"))
        #expect(world.binding != nil)
        let app = try world.harness.connect(name: "payroll")
        _ = try world.harness.received(on: app)

        // Held by the emulator.
        try world.harness.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: app)
        var answers = try Self.openAnswers(world.harness, app)
        #expect(answers.count == 1 && answers[0].0 == .luInUse, "\(answers)")
        #expect(answers.first?.1 == "LU VIPLU01 is held by another client session")

        // The emulator goes: kept for its address for keep-lu (120 s in these settings).
        try world.channel.close().wait()
        world.harness.loop.run()
        #expect(world.server.assigner.reserved["VIPLU01"] != nil)
        try world.harness.send(.open(session: 2, resource: "TNVIP", lu: "VIPLU01"), on: app)
        answers = try Self.openAnswers(world.harness, app)
        #expect(answers.count == 1 && answers[0].0 == .luInUse, "\(answers)")
        // Nothing about the emulator (its address) in what the application reads.
        #expect(answers.first?.1 == "LU VIPLU01 is held by another client session")

        // Another LU of the TN server, not held or kept, opens.
        try world.harness.send(.open(session: 3, resource: "TNVIP", lu: "VIPLU02"), on: app)
        answers = try Self.openAnswers(world.harness, app)
        #expect(answers.count == 1 && answers[0].0 == nil, "\(answers)")

        // Still kept just before the time is up; free after (new connections: the clock jumps).
        world.harness.loop.advanceTime(by: .seconds(119))
        let later = try world.harness.connect(name: "billing")
        _ = try world.harness.received(on: later)
        try world.harness.send(.open(session: 4, resource: "TNVIP", lu: "VIPLU01"), on: later)
        answers = try Self.openAnswers(world.harness, later)
        #expect(answers.first?.0 == .luInUse, "\(answers)")
        world.harness.loop.advanceTime(by: .seconds(2))
        let last = try world.harness.connect(name: "billing2")
        _ = try world.harness.received(on: last)
        try world.harness.send(.open(session: 5, resource: "TNVIP", lu: "VIPLU01"), on: last)
        answers = try Self.openAnswers(world.harness, last)
        #expect(answers.count == 1 && answers[0].0 == nil, "\(answers)")
    }

    @Test("a reload takes map, pools and timers; holds stay, reservations stay for LUs still offered; a VIP change is refused; the log says what changed")
    func reload() throws {
        let log = CapturedLog()
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        var settings = TNServerWorld.settings()
        settings.vip = Endpoint(host: "127.0.101.10", port: 2323)
        let server = TNServer(router: harness.router, settings: settings, logger: log.logger)
        let now = harness.loop.now
        let a = IPAddress("127.0.101.50")!, b = IPAddress("127.0.101.51")!, c = IPAddress("127.0.101.52")!
        server.assigner.hold("VIPLU01", client: a)
        server.assigner.hold("VIPLU02", client: b)
        server.assigner.release("VIPLU02", client: b, now: now)
        server.assigner.hold("VIPLU03", client: c)
        server.assigner.release("VIPLU03", client: c, now: now)
        let deadline = try #require(server.assigner.reserved["VIPLU02"]?.until)

        var new = harness.router.definitions
        var next = settings
        next.keepLUSeconds = 30
        next.probeIntervalSeconds = 0
        next.pools = [TNPool(name: "POOL", lus: ["VIPLU02"], location: TNServerWorld.here)]
        next.vip = Endpoint(host: "127.0.101.20", port: 2323)
        new.cluster.tnServer = next
        let outcome = harness.router.reload(new)

        #expect(outcome.refused.count == 1 && outcome.refused[0].hasPrefix("cluster.tn-server.vip: 127.0.101.10:2323 → 127.0.101.20:2323 takes a restart"), "\(outcome.refused)")
        #expect(server.settings.keepLUSeconds == 30 && server.settings.probeIntervalSeconds == 0)
        #expect(server.assigner.settings.pools.map(\.lus) == [["VIPLU02"]])
        #expect(server.settings.vip == Endpoint(host: "127.0.101.10", port: 2323))
        #expect(harness.router.definitions.cluster.tnServer?.vip == Endpoint(host: "127.0.101.10", port: 2323))
        #expect(server.assigner.held == ["VIPLU01": a])
        #expect(server.assigner.reserved.keys.sorted() == ["VIPLU02"])
        #expect(server.assigner.reserved["VIPLU02"]?.until == deadline)

        let notices = log.lines(at: .notice).joined(separator: "\n")
        #expect(notices.contains("cluster.tn-server.keep-lu 120 s → 30 s"), "\(notices)")
        #expect(notices.contains("cluster.tn-server.probe-interval 30 s → 0 s"), "\(notices)")
        #expect(notices.contains("cluster.tn-server.pools[POOL].lus [VIPLU02, VIPLU03] → [VIPLU02]"), "\(notices)")
        #expect(notices.contains("LU VIPLU03 is no longer offered by the map or a pool; its keep-lu reservation for 127.0.101.52 is dropped"), "\(notices)")

        // The new keep-lu applies to the next release; a generic request uses the new pool.
        server.assigner.release("VIPLU01", client: a, now: now)
        #expect(server.assigner.reserved["VIPLU01"]?.until == now + .seconds(30))

        // The same definitions again: nothing changed.
        #expect(harness.router.reload(harness.router.definitions).refused.isEmpty)
        #expect(log.lines(at: .info).contains { $0.contains("TN server reload: map, pools and timers unchanged") })
    }

    @Test("a reload that changes starttls is refused (TLS is set up at start); an LU offered only as a display's printer keeps its reservation")
    func reloadStartTLSAndPrinters() throws {
        let log = CapturedLog()
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        var settings = TNServerWorld.settings()
        settings.pools = [TNPool(name: "POOL", lus: ["VIPLU02"], location: TNServerWorld.here)]
        settings.printers = [TNPrinterAssociation(display: "VIPLU01", printer: "VIPLU03", location: TNServerWorld.here)]
        let server = TNServer(router: harness.router, settings: settings, logger: log.logger)
        let client = IPAddress("127.0.101.60")!
        server.assigner.hold("VIPLU03", client: client)
        server.assigner.release("VIPLU03", client: client, now: harness.loop.now)

        var new = harness.router.definitions
        var next = settings
        next.startTLS = .offer
        next.keepLUSeconds = 45
        new.cluster.tnServer = next
        let outcome = harness.router.reload(new)

        #expect(outcome.refused.count == 1 && outcome.refused[0].hasPrefix("cluster.tn-server.starttls: off → offer takes a restart"), "\(outcome.refused)")
        #expect(server.settings.startTLS == .off && server.settings.keepLUSeconds == 45)
        #expect(harness.router.definitions.cluster.tnServer?.startTLS == .off)
        #expect(server.assigner.reserved["VIPLU03"]?.client == client, "the printer pair offers VIPLU03: its reservation stays")

        // Without the pair, VIPLU03 is offered by nothing: its reservation goes.
        var without = harness.router.definitions
        without.cluster.tnServer?.printers = []
        #expect(harness.router.reload(without).refused.isEmpty)
        #expect(server.assigner.reserved["VIPLU03"] == nil)
        #expect(log.lines(at: .notice).contains { $0.contains("cluster.tn-server.printers [VIPLU01→VIPLU03] → []") }, "\(log.lines(at: .notice))")
    }

    @Test("the screen replay keeps the host's records since its last Erase/Write (SNA or local code), within 32 KiB")
    func screenReplay() throws {
        let harness = try RouterHarness()
        let server = TNServer(router: harness.router, settings: TNServerWorld.settings(), logger: Logger(label: "tn-test"))
        func bytes(_ lu: String) -> [[UInt8]]? { server.screens[lu]?.map { Array($0.readableBytesView) } }
        server.remember(ByteBuffer(bytes: [0xF1, 0xC2]), lu: "VIPLU01")           // a Write before any erase
        server.remember(ByteBuffer(bytes: [0xF5, 0xC3, 0x11]), lu: "VIPLU01")     // Erase/Write: starts the screen
        server.remember(ByteBuffer(bytes: [0xF1, 0xC2, 0x40]), lu: "VIPLU01")     // a keyboard-restoring Write on it
        #expect(bytes("VIPLU01") == [[0xF5, 0xC3, 0x11], [0xF1, 0xC2, 0x40]])
        server.remember(ByteBuffer(bytes: [0x0D, 0xC3]), lu: "VIPLU01")           // Erase/Write Alternate, local code
        #expect(bytes("VIPLU01") == [[0x0D, 0xC3]])
        for _ in 0..<40 { server.remember(ByteBuffer(repeating: 0xF1, count: 1024), lu: "VIPLU01") }
        let kept = server.screens["VIPLU01"] ?? []
        #expect(kept.reduce(0) { $0 + $1.readableBytes } <= TNServer.screenLimit && kept.count == 32, "the oldest go first")
        server.remember(ByteBuffer(repeating: 0xF5, count: TNServer.screenLimit + 1), lu: "VIPLU02")
        #expect(server.screens["VIPLU02"] == nil, "a record larger than the limit is not kept")
    }

    @Test("removing cluster.tn-server while the TN server runs is refused and the running settings kept")
    func reloadWithoutSection() throws {
        let harness = try RouterHarness()
        let server = TNServer(router: harness.router, settings: TNServerWorld.settings(), logger: Logger(label: "tn-test"))
        var new = harness.router.definitions
        new.cluster.tnServer = nil
        let outcome = harness.router.reload(new)
        #expect(outcome.refused.contains { $0.hasPrefix("cluster.tn-server: removed") }, "\(outcome.refused)")
        #expect(harness.router.definitions.cluster.tnServer != nil)
        #expect(server.settings.map.count == 1)
    }

    @Test("the VIP listener binds an address this host does not have (IP_FREEBIND), and fails without it")
    func freebind() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        // TEST-NET-2: on no interface of a test machine.
        let absent = Endpoint(host: "198.51.100.7", port: 23 + 2300)
        let bootstrap = ServerBootstrap(group: group).serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        await #expect(throws: (any Error).self) {
            try await ServerBootstrap(group: group).bind(host: absent.host, port: absent.port).get()
        }
        let channel = try await TNServer.bindFreely(bootstrap, on: absent)
        #expect(channel.localAddress?.ipAddress == "198.51.100.7")
        try await channel.close()
    }
}
