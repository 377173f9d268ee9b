import Logging
import NIOCore
import NIOEmbedded
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import TN3270
import Testing

/// The TN server's connection handler on an embedded loop, against the router (with a fake
/// host side) and a real `TN3270ClientStateMachine` as the emulator: negotiation, REJECT
/// reasons, the bridge both ways, a standby resource, the deadlines.
class TNServerWorld {
    let harness: RouterHarness
    let server: TNServer
    let channel: EmbeddedChannel
    var emulator: TN3270ClientStateMachine
    var events: [TN3270ClientStateMachine.Action] = []

    /// `resources` are activated unless `active` is false; the emulator connects from
    /// `client` at once unless `connectNow` is false (then `connect`).
    init(emulator configuration: TN3270ClientConfiguration, active: Bool = true, resources: [String] = ["TNVIP"],
         client: String = "127.0.0.50", settings: TNServerSettings = TNServerWorld.settings(), connectNow: Bool = true) throws {
        harness = try RouterHarness()
        if active { _ = try harness.activate(resources) }
        server = TNServer(router: harness.router, settings: settings, logger: Logger(label: "tn-test"))
        channel = EmbeddedChannel(loop: harness.loop)
        try channel.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server))
        emulator = TN3270ClientStateMachine(configuration: configuration)
        if connectNow { try connect(client: client) }
    }

    func connect(client: String = "127.0.0.50") throws {
        try channel.connect(to: SocketAddress(ipAddress: client, port: 40001)).wait()
        try pump()
    }

    static let here = SourceLocation(file: "tn.yaml", line: 1, column: 1)

    static func settings() -> TNServerSettings {
        var settings = TNServerSettings(location: here)
        settings.probeIntervalSeconds = 30
        settings.probeTimeoutSeconds = 5
        settings.pools = [TNPool(name: "POOL", lus: ["VIPLU02", "VIPLU03"], location: here)]
        settings.map = [TNClientMap(clients: [AddressBlock(parsing: "127.0.0.0/8")!], lus: ["VIPLU01"], generic: .pool("POOL"), location: here)]
        return settings
    }

    /// Moves bytes both ways until neither side has more to say.
    func pump() throws {
        for _ in 0..<50 {
            harness.loop.run()
            var moved = false
            while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
                moved = true
                for action in emulator.receive(bytes) {
                    if case .send(let reply) = action { try channel.writeInbound(reply) } else { events.append(action) }
                }
            }
            if !moved { return }
        }
    }

    var binding: TN3270Binding? {
        for case .bound(let binding) in events { return binding }
        return nil
    }

    var hostRecords: [[UInt8]] {
        var records: [[UInt8]] = []
        for case .record(let record) in events { records.append(Array(record.data.readableBytesView)) }
        return records
    }
}

@Suite("TN server: negotiation and bridge")
struct TNServerHandlerTests {
    @Test("TN3270E CONNECT of a mapped LU binds it; input goes to that LU's host side, host data comes back")
    func connectAndBridge() throws {
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01"))
        let binding = try #require(world.binding, "\(world.events)")
        #expect(binding.dialect == .tn3270e && binding.luName == "VIPLU01")
        #expect(world.server.assigner.held["VIPLU01"] != nil)

        let attachment = world.harness.attachment("TNVIP")
        attachment.delegate?.attachment(attachment, lu: "VIPLU01", hostData: ByteBuffer(bytes: [0xF5, 0xC3, 0x11]))
        try world.pump()
        #expect(world.hostRecords == [[0xF5, 0xC3, 0x11]])

        let input = try world.emulator.sendRecord(ByteBuffer(bytes: [0x7D, 0x40, 0x40]), requestsResponse: false)
        try world.channel.writeInbound(input.bytes)
        try world.pump()
        #expect(attachment.sent.map(\.lu) == ["VIPLU01"])
        #expect(attachment.sent.map { Array($0.payload.readableBytesView) } == [[0x7D, 0x40, 0x40]])

        // The emulator goes: the LU is kept for its address (keep-lu) and its router session ends.
        try world.channel.close().wait()
        world.harness.loop.run()
        #expect(world.server.assigner.held["VIPLU01"] == nil)
        #expect(world.server.assigner.reserved["VIPLU01"] != nil)
        #expect(world.harness.router.resources["TNVIP"]!.lus["VIPLU01"]!.owner == nil)
    }

    @Test("host data that came before the emulator is delivered when it binds")
    func undeliveredFirst() throws {
        let harness = try RouterHarness()
        _ = try harness.activate(["TNVIP"])
        let attachment = harness.attachment("TNVIP")
        attachment.delegate?.attachment(attachment, lu: "VIPLU01", hostData: ByteBuffer(bytes: [0xF5, 0xC2]))
        let server = TNServer(router: harness.router, settings: TNServerWorld.settings(), logger: Logger(label: "tn-test"))
        let channel = EmbeddedChannel(loop: harness.loop)
        try channel.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server))
        var emulator = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: "VIPLU01"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.50", port: 40001)).wait()
        var records: [[UInt8]] = []
        for _ in 0..<20 {
            harness.loop.run()
            while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
                for action in emulator.receive(bytes) {
                    switch action {
                    case .send(let reply): try channel.writeInbound(reply)
                    case .record(let record): records.append(Array(record.data.readableBytesView))
                    default: break
                    }
                }
            }
        }
        #expect(records == [[0xF5, 0xC2]])
    }

    @Test("basic TN3270 (TYPE@LU) binds the LU as well")
    func basic() throws {
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01", allowsTN3270E: false))
        let binding = try #require(world.binding, "\(world.events)")
        #expect(binding.dialect == .tn3270 && binding.luName == "VIPLU01")
    }

    @Test("a generic request gets the pool LU the client's address ranks first")
    func generic() throws {
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: nil))
        let binding = try #require(world.binding, "\(world.events)")
        #expect(binding.luName == TNLUAssigner.rank(["VIPLU02", "VIPLU03"], for: IPAddress("127.0.0.50")!)[0])
    }

    @Test("an LU not mapped for the client is REJECTed with INV-NAME; one in use with DEVICE-IN-USE")
    func rejects() throws {
        let unmapped = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "REALLU01"))
        #expect(unmapped.events.contains(.rejected(.invalidName)), "\(unmapped.events)")
        #expect(unmapped.binding == nil)

        let busy = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01"))
        let second = EmbeddedChannel(loop: busy.harness.loop)
        try second.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: busy.server))
        var emulator = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: "VIPLU01"))
        try second.connect(to: SocketAddress(ipAddress: "127.0.0.51", port: 40002)).wait()
        var rejected: [TN3270ERejectReason] = []
        for _ in 0..<20 {
            busy.harness.loop.run()
            while let bytes = try second.readOutbound(as: ByteBuffer.self) {
                for action in emulator.receive(bytes) {
                    if case .send(let reply) = action { try second.writeInbound(reply) }
                    if case .rejected(let reason) = action { rejected.append(reason) }
                }
            }
        }
        #expect(rejected == [.deviceInUse])
    }

    @Test("on a node where the resource is standby the emulator is closed, not bound")
    func standby() throws {
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01"), active: false)
        #expect(world.binding == nil)
        #expect(!world.channel.isActive)
    }

    @Test("when the resource leaves the node, its emulators are closed so that they reconnect to the active node")
    func resourceLeaves() throws {
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01"))
        #expect(world.binding != nil)
        let done = world.harness.router.handle(AdminRequest(command: .deactivate, targets: ["TNVIP"]), metricsText: { "" })
        world.harness.loop.run()
        _ = try done.wait()
        world.harness.loop.run()
        #expect(!world.channel.isActive)
        #expect(world.server.assigner.held.isEmpty)
    }

    @Test("the negotiation has a deadline, and a silent bound emulator is probed and closed")
    func deadlines() throws {
        // An emulator that never answers: closed at the negotiation deadline.
        let harness = try RouterHarness()
        let server = TNServer(router: harness.router, settings: TNServerWorld.settings(), logger: Logger(label: "tn-test"))
        let silent = EmbeddedChannel(loop: harness.loop)
        try silent.pipeline.syncOperations.addHandler(TNServerConnectionHandler(server: server))
        try silent.connect(to: SocketAddress(ipAddress: "127.0.0.50", port: 40003)).wait()
        harness.loop.advanceTime(by: .seconds(9))
        #expect(silent.isActive)
        harness.loop.advanceTime(by: .seconds(2))
        harness.loop.run()
        #expect(!silent.isActive)
        #expect(server.connectionCount == 0)

        // Bound, then silent: DO TIMING-MARK after 30 s, closed 5 s later without an answer.
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01"))
        #expect(world.binding != nil)
        world.harness.loop.advanceTime(by: .seconds(31))
        var probe = try #require(try world.channel.readOutbound(as: ByteBuffer.self))
        #expect(probe.readBytes(length: probe.readableBytes) == [255, 253, 6])
        world.harness.loop.advanceTime(by: .seconds(6))
        world.harness.loop.run()
        #expect(!world.channel.isActive)
        #expect(world.server.assigner.reserved["VIPLU01"] != nil)
    }

    @Test("an emulator that answers the probe stays")
    func probeAnswered() throws {
        let world = try TNServerWorld(emulator: TN3270ClientConfiguration(luName: "VIPLU01"))
        world.harness.loop.advanceTime(by: .seconds(31))
        try world.pump()  // the client machine answers DO TIMING-MARK with WILL
        world.harness.loop.advanceTime(by: .seconds(6))
        #expect(world.channel.isActive)
    }
}
