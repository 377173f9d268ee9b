import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import NetMgrCore
import NetMgrProtocol
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

@Suite("Epoch")
struct EpochTests {
    @Test("the allocation rule: above every epoch seen, at least the floor")
    func allocation() throws {
        #expect(try Epoch.next(after: 5, atLeast: 0) == 6)
        #expect(try Epoch.next(after: 5, atLeast: 100) == 100)
        #expect(try Epoch.next(after: 100, atLeast: 100) == 101)
        #expect(try Epoch.next(after: Epoch(validating: Epoch.maximum.value - 1), atLeast: 0) == .maximum)
        #expect(throws: Epoch.Exhausted(seen: .maximum)) { try Epoch.next(after: .maximum, atLeast: 0) }
    }

    @Test("numbers past the ceiling are refused, the ceiling itself is taken", arguments: [UInt64.max, UInt64.max - 1, 1 << 53, 1 << 63])
    func ceiling(value: UInt64) {
        #expect(throws: Epoch.OutOfRange(value: value)) { try Epoch(validating: value) }
        #expect((try? Epoch(validating: (1 << 53) - 1)) == .maximum)
    }

    @Test("the clock floor is clamped into range, whatever the clock says")
    func clockFloor() {
        #expect(Epoch.clockFloor(Date(timeIntervalSince1970: -5)) == .zero)
        #expect(Epoch.clockFloor(Date(timeIntervalSince1970: 1e300)) == .maximum)
        #expect(Epoch.clockFloor(Date(timeIntervalSince1970: 1_700_000_000)) == 1_700_000_000_000)
    }

    @Test("coded as its number; a number past the ceiling does not decode")
    func codable() throws {
        #expect(String(decoding: try JSONEncoder().encode([42 as Epoch]), as: UTF8.self) == "[42]")
        #expect(try JSONDecoder().decode([Epoch].self, from: Data("[42]".utf8)) == [42])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Epoch].self, from: Data("[18446744073709551615]".utf8)) }
    }

    @Test("epoch 0 and a reused epoch get messages that say what is wrong")
    func refusals() throws {
        var machine = ResourceStateMachine()
        #expect(throws: ResourceStateMachine.Refusal.zeroEpoch) { try machine.activate(epoch: 0) }
        #expect(ResourceStateMachine.Refusal.zeroEpoch.description.contains("never activated"))
        _ = machine.peerReported(activeEpoch: 9)
        let same = ResourceStateMachine.Refusal.staleEpoch(requested: 9, newest: 9).description
        #expect(same == "epoch 9 was already used for this resource in the cluster; an activation needs a newer one")
        let older = ResourceStateMachine.Refusal.staleEpoch(requested: 4, newest: 9).description
        #expect(older.contains("epoch 4 is older than epoch 9"))
    }
}

@Suite("Epoch store on disk")
struct EpochStoreRecoveryTests {
    @Test("a damaged or out-of-range epoch file is moved aside and counting goes on", arguments: ["garbage", "18446744073709551615", "9007199254740992", "12ab\n"])
    func recovers(content: String) throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-epoch")
        let store = EpochStore(stateDirectory: directory.path)
        try content.write(toFile: store.path, atomically: false, encoding: .utf8)
        #expect(try store.next(after: 7) == 8)
        #expect(try String(contentsOfFile: store.invalidPath, encoding: .utf8) == content)
        #expect(try String(contentsOfFile: store.path, encoding: .utf8) == "8\n")
        #expect(try store.next() == 9)
    }

    @Test("the last epoch is the last: no wrap-around, a clear error")
    func exhausted() throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-epoch")
        let store = EpochStore(stateDirectory: directory.path)
        try store.observe(.maximum)
        #expect { try store.next() } throws: { error in
            "\(error)".contains("no epoch is left after 9007199254740991")
        }
    }

    @Test("a write that fails throws, and the recorded epoch stays")
    func writeFails() throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-epoch")
        let store = EpochStore(stateDirectory: directory.path)
        #expect(try store.next() == 1)
        // A directory where the temporary file goes: even root cannot open it for writing.
        try FileManager.default.createDirectory(atPath: store.path + ".tmp", withIntermediateDirectories: false)
        #expect { try store.next() } throws: { error in
            "\(error)".contains("cannot record the epoch")
        }
        #expect(try store.current() == 1)
    }
}

@Suite("Router: epochs and timeouts from admin requests and peers")
struct RouterEpochTests {
    func request(_ harness: RouterHarness, _ request: AdminRequest) throws -> AdminResponse {
        let future = harness.router.handle(request, metricsText: { "" })
        harness.loop.run()
        return try future.wait()
    }

    @Test("an epoch past the ceiling is refused, and the next activation still works")
    func hugeEpoch() throws {
        let harness = try RouterHarness()
        let refused = try request(harness, AdminRequest(command: .activate, targets: ["TNVIP"], epoch: UInt64.max))
        #expect(!refused.ok)
        #expect(refused.error?.contains("epoch 18446744073709551615 is past the largest allowed") == true)
        let taken = try request(harness, AdminRequest(command: .activate, targets: ["TNVIP"]))
        #expect(taken.ok)
        #expect(taken.resources.first?.epoch ?? 0 > 1_700_000_000_000)
    }

    @Test("epoch 0 is refused with a true message")
    func zeroEpoch() throws {
        let harness = try RouterHarness()
        let refused = try request(harness, AdminRequest(command: .activate, targets: ["TNVIP"], epoch: 0))
        #expect(refused.error?.contains("epoch 0 means \"never activated\"") == true)
    }

    @Test("a peer's absurd epoch is ignored; a newer sane one makes this node step down")
    func peerEpochs() throws {
        let harness = try RouterHarness()
        #expect(try harness.activate(["TNVIP"], epoch: 7).ok)
        harness.router.peerReported(resource: "TNVIP", state: .active, epoch: UInt64.max, peer: "node-b")
        #expect(harness.router.resources["TNVIP"]!.machine.state == .active)
        #expect(harness.router.resources["TNVIP"]!.machine.newestSeenEpoch == 7)
        harness.router.peerReported(resource: "TNVIP", state: .active, epoch: 8, peer: "node-b")
        harness.loop.run()
        #expect(harness.router.resources["TNVIP"]!.machine.state == .standby)
    }

    @Test("timeouts that are no number of seconds are refused, on every command",
          arguments: [1e300, -1, 0, .nan, .infinity, 9.3e15])
    func badTimeout(seconds: Double) throws {
        let harness = try RouterHarness()
        for command in [AdminRequest.Command.status, .activate, .deactivate] {
            let response = try request(harness, AdminRequest(command: command, targets: ["TNVIP"], timeoutSeconds: seconds))
            #expect(!response.ok)
            #expect(response.error?.contains("timeoutSeconds: \(seconds) is not a number of seconds from 0.001 to 86400") == true)
        }
        #expect(harness.router.resources["TNVIP"]!.machine.state == .standby)
    }

    @Test("an epoch that cannot be recorded fails the activation, and nothing is activated")
    func persistFailure() throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-epoch")
        let store = EpochStore(stateDirectory: directory.path)
        try FileManager.default.createDirectory(atPath: store.path + ".tmp", withIntermediateDirectories: false)
        let harness = try RouterHarness(epochs: store)
        for given: UInt64? in [nil, 50] {
            let response = try request(harness, AdminRequest(command: .activate, targets: ["TNVIP"], epoch: given))
            #expect(!response.ok)
            #expect(response.error?.contains("nothing activated") == true)
            #expect(response.error?.contains("cannot record the epoch") == true)
        }
        #expect(harness.router.resources["TNVIP"]!.machine.state == .standby)
        try FileManager.default.removeItem(atPath: store.path + ".tmp")
        #expect(try request(harness, AdminRequest(command: .activate, targets: ["TNVIP"], epoch: 50)).ok)
        #expect(try store.current() == 50)
    }
}

@Suite("Router: a hung epoch store")
struct HungEpochStoreTests {
    @Test("an epoch store that does not answer fails the activation at the request's deadline, and the loop stays free", .timeLimit(.minutes(1)))
    func hung() async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-epoch")
        let store = EpochStore(stateDirectory: directory.path)
        // Another holder of the lock, as a node on a hung shared file system would be.
        let lock = open(store.lockPath, O_RDWR | O_CREAT, 0o600)
        #expect(flock(lock, LOCK_EX) == 0)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let loop = group.next()
        let router = try await loop.submit {
            let router = Router(loop: loop, definitions: definitions, node: definitions.cluster.nodes[0], epochs: store, logger: Logger(label: "test"),
                                metrics: DaemonMetrics(), makeAttachment: { _, _, _ in throw AdminFailure("no host in this test") })
            router.epochStoreThreads = pool
            return NIOLoopBound(router, eventLoop: loop)
        }.get()
        let activation = try await loop.submit {
            router.value.handle(AdminRequest(command: .activate, targets: ["TNVIP"], timeoutSeconds: 0.2), metricsText: { "" })
        }.get()
        let status = try await loop.flatSubmit { router.value.handle(AdminRequest(command: .status), metricsText: { "" }) }.get()
        #expect(status.ok)
        let response = try await activation.get()
        #expect(!response.ok)
        #expect(response.error?.contains("the epoch store did not answer within 200 ms") == true, "\(response.error ?? "")")
        flock(lock, LOCK_UN)
        close(lock)
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }
}

@Suite("Admin handler: bad requests")
struct AdminHandlerTests {
    @Test("a malformed admin request gets an answer that says what is wrong, and the connection stays usable", arguments: [
        (#"{"command":"activate","targets":["TNVIP"],"epoch":-1}"#, "a number is out of range or not whole (epoch: a whole number from 1 to 9007199254740991"),
        (#"{"command":"activate","targets":["TNVIP"],"epoch":1e300}"#, "a number is out of range or not whole"),
        (#"{"command":"status","targets":[],"timeoutSeconds":1e999}"#, "not valid JSON (or a number beyond any range)"),
        (#"{"targets":[]}"#, "\"command\" is missing"),
        (#"{"command":"status","targets":"TNVIP"}"#, "targets: expected a list"),
        (#"{"command":"status","targets":[],"brief":"yes"}"#, "brief: expected true or false"),
        (#"{"command":"explode","targets":[]}"#, "command: Cannot initialize Command from invalid String value explode"),
        ("garbage", "not valid JSON"),
    ])
    func badRequest(line: String, message: String) throws {
        let harness = try RouterHarness()
        let channel = EmbeddedChannel(handler: AdminHandler(router: harness.router, metricsText: { "" }), loop: harness.loop)
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/admin.sock")).wait()
        for request in [line, #"{"command":"status","targets":[]}"#] {
            try channel.writeInbound(channel.allocator.buffer(string: request + "\n"))
        }
        harness.loop.run()
        var replies: [AdminResponse] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            replies.append(try JSONDecoder().decode(AdminResponse.self, from: Data(buffer.readableBytesView)))
        }
        #expect(replies.count == 2)
        #expect(replies.first?.ok == false)
        #expect(replies.first?.error?.hasPrefix("bad admin request: " + message) == true, "\(replies.first?.error ?? "")")
        #expect(replies.last?.ok == true)
    }
}
