import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// The router's authorisation (`clients:`), LU takeover, the licence count (`max-clients`)
/// and the bound on peers' epochs, at the router seam: embedded channels whose identity
/// the test sets as the TLS handshake would.
@Suite("Router: authorisation and licence")
struct AuthorisationRouterTests {
    static let grants = """
          clients:
            - identity: payroll
              resources: [TNVIP]
              lus: [VIPLU01, "VIPL?02"]
            - identity: audit
              resources: ["TN*"]
            - identity: third
              resources: [TNVIP]

        """

    final class World {
        let loop = EmbeddedEventLoop()
        let log = CapturedLog()
        let router: Router
        let directory: TemporaryDirectory
        private var port = 40000

        init(maxClients: Int? = 2, clients: String = AuthorisationRouterTests.grants, epochs: EpochStore? = nil) throws {
            directory = try ClientsPhonebook.make(maxClients: maxClients, clients: clients)
            let loaded = try DefinitionsLoader.load(directory: directory.path)
            try #require(loaded.isValid, "\(loaded.diagnostics)")
            let definitions = loaded.definitions
            router = Router(loop: loop, definitions: definitions, node: definitions.cluster.nodes[0], epochs: epochs, logger: log.logger,
                            metrics: DaemonMetrics(), makeAttachment: { runtime, _, _ in FakeAttachment(resourceName: runtime.name) })
            router.epochStoreThreads = nil
        }

        /// A connection with `identity` (set before HELLO, as the TLS handshake does) that says HELLO as `name`.
        func connect(_ identity: ConnectionIdentity, name: String) throws -> EmbeddedChannel {
            port += 1
            let channel = try LANLimitsRouterTests.channel(router, loop, port: port)
            try #require(router.connections[ObjectIdentifier(channel)]).identity = identity
            try LANLimitsRouterTests.send(.hello(minVersion: 1, maxVersion: 1, client: name), on: channel, loop)
            return channel
        }

        func send(_ message: ClientMessage, on channel: EmbeddedChannel) throws {
            try LANLimitsRouterTests.send(message, on: channel, loop)
        }

        func received(on channel: EmbeddedChannel) throws -> [ServerMessage] {
            try LANLimitsRouterTests.received(on: channel, loop)
        }

        func activate(_ resource: String = "TNVIP") throws {
            let future = router.handle(AdminRequest(command: .activate, targets: [resource], epoch: 7), metricsText: { "" })
            loop.run()
            #expect(try future.wait().ok)
        }

        func status() throws -> AdminResponse {
            let future = router.handle(AdminRequest(command: .status), metricsText: { "" })
            loop.run()
            return try future.wait()
        }
    }

    static func errors(_ messages: [ServerMessage]) -> [(session: UInt32, code: LANErrorCode, text: String)] {
        messages.compactMap { if case .error(let session, let code, _, let text) = $0 { return (session, code, text) } else { return nil } }
    }

    static func opened(_ messages: [ServerMessage]) -> [UInt32] {
        messages.compactMap { if case .opened(let session, _, _) = $0 { return session } else { return nil } }
    }

    @Test("OPEN of an ungranted resource or LU gets not-authorised naming only what was asked; logged with identity and remote")
    func notAuthorised() throws {
        let world = try World()
        try world.activate("TNVIP")
        try world.activate("TNREAL")
        let payroll = try world.connect(.application("payroll"), name: "payroll-1")
        _ = try world.received(on: payroll)
        try world.send(.open(session: 1, resource: "TNREAL", lu: "REALLU01"), on: payroll)  // resource not granted
        try world.send(.open(session: 2, resource: "TNVIP", lu: "VIPLU03"), on: payroll)   // LU not granted
        try world.send(.open(session: 3, resource: "TNVIP", lu: "VIPLU01"), on: payroll)   // granted
        let messages = try world.received(on: payroll)
        let refusals = Self.errors(messages)
        #expect(refusals.map(\.code) == [.notAuthorised, .notAuthorised])
        #expect(refusals.map(\.session) == [1, 2])
        #expect(refusals[0].text == "not authorised to open LU REALLU01 of resource TNREAL")
        #expect(refusals[1].text == "not authorised to open LU VIPLU03 of resource TNVIP")
        #expect(Self.opened(messages) == [3])

        let stranger = try world.connect(.application("stranger"), name: "payroll-1")
        try world.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU02"), on: stranger)
        #expect(Self.errors(try world.received(on: stranger)).map(\.code) == [.notAuthorised], "an identity without an entry")

        let node = try world.connect(.node("node-b"), name: "netmgrd node-b (peer)")
        try world.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU02"), on: node)
        #expect(Self.errors(try world.received(on: node)).map(\.code) == [.notAuthorised], "a node opens no LUs")

        let lines = world.log.lines(at: .warning).filter { $0.contains("not authorised") }
        #expect(lines.count == 4, "\(lines)")
        #expect(lines[0].contains("OPEN of LU REALLU01 of TNREAL by client payroll-1 (application payroll) at ") && lines[0].contains("127.0.0.50"), "\(lines[0])")
    }

    @Test("plain mode: the HELLO client name is the identity for clients: entries")
    func unauthenticatedUsesClientName() throws {
        let world = try World()
        try world.activate()
        let channel = try world.connect(.unauthenticated, name: "payroll")
        try world.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: channel)
        try world.send(.open(session: 2, resource: "TNVIP", lu: "VIPLU04"), on: channel)
        let messages = try world.received(on: channel)
        #expect(Self.opened(messages) == [1])
        #expect(Self.errors(messages).map(\.code) == [.notAuthorised])
    }

    @Test("a copied client name with another identity cannot take the LU, and learns nothing of the holder; the same identity and name can")
    func takeover() throws {
        let world = try World()
        try world.activate()
        let holder = try world.connect(.application("payroll"), name: "teller-7")
        try world.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: holder)
        #expect(Self.opened(try world.received(on: holder)) == [1])

        let impostor = try world.connect(.application("audit"), name: "teller-7")
        try world.send(.open(session: 5, resource: "TNVIP", lu: "VIPLU01"), on: impostor)
        let refusals = Self.errors(try world.received(on: impostor))
        #expect(refusals.map(\.code) == [.luInUse])
        #expect(refusals.first?.text == "LU VIPLU01 is held by another client session")
        #expect(!(refusals.first?.text.contains("teller") ?? true) && !(refusals.first?.text.contains("payroll") ?? true))
        #expect(Self.errors(try world.received(on: holder)).isEmpty, "the holder keeps its session")

        let otherName = try world.connect(.application("payroll"), name: "teller-8")
        try world.send(.open(session: 6, resource: "TNVIP", lu: "VIPLU01"), on: otherName)
        #expect(Self.errors(try world.received(on: otherName)).map(\.code) == [.luInUse], "same identity, another client name")

        let returning = try world.connect(.application("payroll"), name: "teller-7")
        try world.send(.open(session: 9, resource: "TNVIP", lu: "VIPLU01"), on: returning)
        #expect(Self.opened(try world.received(on: returning)) == [9])
        #expect(Self.errors(try world.received(on: holder)).map(\.code) == [.luInUse], "the old connection is told it was taken over")
    }

    @Test("licence: identity N+1 is refused with licence-exhausted and closed; more connections of a counted identity are free; a freed licence is reused")
    func licence() throws {
        let world = try World(maxClients: 2)
        let first = try world.connect(.application("payroll"), name: "a")
        let second = try world.connect(.application("audit"), name: "b")
        let peer = try world.connect(.node("node-b"), name: "netmgrd node-b (peer)")
        #expect(try world.received(on: peer).first.map { if case .welcome = $0 { true } else { false } } == true, "nodes do not count")
        _ = try world.received(on: first)
        _ = try world.received(on: second)

        let third = try world.connect(.application("third"), name: "c")
        let refused = try world.received(on: third)
        #expect(refused.count == 1)
        guard case .error(0, .licenceExhausted, 0, let text)? = refused.first else { Issue.record("\(refused)"); return }
        #expect(text.contains("this node serves at most 2 clients (max-clients"))
        world.loop.run()
        #expect(!third.isActive, "closed after the error")
        #expect(world.log.lines(at: .warning).contains { $0.contains("client c (application third) at") && $0.contains("licence exhausted, 2 client identities") })

        // A reconnect (a second connection) of a counted identity is free.
        let again = try world.connect(.application("payroll"), name: "a")
        #expect(try world.received(on: again).first.map { if case .welcome = $0 { true } else { false } } == true)
        #expect(try world.status().clients == AdminResponse.ClientsStatus(inUse: 2, limit: 2))

        // payroll's two connections close: its licence is free only with the last one.
        try first.close().wait()
        world.loop.run()
        #expect(try world.status().clients == AdminResponse.ClientsStatus(inUse: 2, limit: 2))
        try again.close().wait()
        world.loop.run()
        #expect(try world.status().clients == AdminResponse.ClientsStatus(inUse: 1, limit: 2))
        let later = try world.connect(.application("third"), name: "c")
        #expect(try world.received(on: later).first.map { if case .welcome = $0 { true } else { false } } == true)
    }

    @Test("licence in plain mode: client names count, peer netmgrds do not; no max-clients is unlimited")
    func licencePlainMode() throws {
        let world = try World(maxClients: 1)
        let peer = try world.connect(.unauthenticated, name: "netmgrd node-b (peer)")
        let app = try world.connect(.unauthenticated, name: "payroll")
        let other = try world.connect(.unauthenticated, name: "audit")
        #expect(Self.errors(try world.received(on: peer)).isEmpty)
        #expect(Self.errors(try world.received(on: app)).isEmpty)
        #expect(Self.errors(try world.received(on: other)).map(\.code) == [.licenceExhausted])

        let unlimited = try World(maxClients: nil)
        for index in 0..<20 {
            let channel = try unlimited.connect(.application("app\(index)"), name: "x")
            #expect(Self.errors(try unlimited.received(on: channel)).isEmpty)
        }
        #expect(try unlimited.status().clients == AdminResponse.ClientsStatus(inUse: 20, limit: nil))
    }

    @Test("a reload that withdraws a grant ends the sessions it covered, and only those")
    func reloadWithdraws() throws {
        let world = try World()
        try world.activate()
        let payroll = try world.connect(.application("payroll"), name: "a")
        try world.send(.open(session: 1, resource: "TNVIP", lu: "VIPLU01"), on: payroll)
        try world.send(.open(session: 2, resource: "TNVIP", lu: "VIPLU02"), on: payroll)
        #expect(Self.opened(try world.received(on: payroll)) == [1, 2])
        let narrower = try ClientsPhonebook.make(maxClients: 2, clients: Self.grants.replacingOccurrences(of: "[VIPLU01, \"VIPL?02\"]", with: "[VIPLU02]"))
        let loaded = try DefinitionsLoader.load(directory: narrower.path)
        try #require(loaded.isValid, "\(loaded.diagnostics)")
        world.router.reload(loaded.definitions)
        let messages = try world.received(on: payroll)
        #expect(Self.errors(messages).map(\.session) == [1])
        #expect(Self.errors(messages).map(\.code) == [.notAuthorised])
        #expect(messages.contains(.closed(session: 1)) && !messages.contains(.closed(session: 2)))
        #expect(world.router.resources["TNVIP"]!.lus["VIPLU01"]!.owner == nil)
    }

    @Test("an epoch from a peer more than 60 s in the future is ignored: no step-down, nothing recorded, logged once per burst")
    func futureEpoch() throws {
        let state = try TemporaryDirectory(prefix: "netmgr-authz-epoch")
        let store = EpochStore(stateDirectory: state.path)
        let world = try World(epochs: store)
        try world.activate()
        let runtime = try #require(world.router.resources["TNVIP"])
        let now = Epoch.clockFloor(Date()).value
        world.router.peerReported(resource: "TNVIP", state: .active, epoch: now + 3_600_000, peer: "node-b")
        world.loop.run()
        #expect(runtime.machine.state == .active, "no step-down")
        #expect(runtime.machine.newestSeenEpoch == 7)
        #expect(try store.current() == 7, "the epoch store is not poisoned")
        #expect(world.log.lines(at: .warning).contains { $0.contains("node-b reports TNVIP active with epoch \(now + 3_600_000), more than 60 s past this node's clock") })

        // Within the margin it counts: the newer activation elsewhere wins.
        world.router.peerReported(resource: "TNVIP", state: .active, epoch: now + 1_000, peer: "node-b")
        world.loop.run()
        #expect(runtime.machine.state != .active)
        #expect(runtime.machine.newestSeenEpoch.value == now + 1_000)
        #expect(try store.current().value == now + 1_000)
    }
}

/// The example Phonebook with max-clients on both nodes and a clients: section.
enum ClientsPhonebook {
    static func make(maxClients: Int?, clients: String) throws -> TemporaryDirectory {
        let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        let directory = try TemporaryDirectory(prefix: "netmgr-authz")
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook) {
            try FileManager.default.copyItem(atPath: "\(phonebook)/\(name)", toPath: directory.file(name))
        }
        var text = clusterYAMLWithoutTLS(try String(contentsOfFile: directory.file("cluster.yaml"), encoding: .utf8))
        if let maxClients {
            for node in ["127.0.0.11", "127.0.0.12"] {
                text = text.replacingOccurrences(of: "lan: \(node):7301", with: "lan: \(node):7301\n      max-clients: \(maxClients)")
            }
        }
        try (text + clients).write(toFile: directory.file("cluster.yaml"), atomically: true, encoding: .utf8)
        return directory
    }
}
