import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// A loopback cluster for one test: the example Phonebook moved to its own address block
/// 127.0.N.0/24 (host .100, nodes .11/.12, VIP .10, line switch .200) so no two tests
/// share an address or port, plus a client that knows both nodes.
final class IntegrationWorld: @unchecked Sendable {
    let directory: TemporaryDirectory
    let cluster: LoopbackCluster
    let client: NetMgrClient
    let block: Int

    init(block: Int, behaviour: HostBehaviour = HostBehaviour(), edit: (String, String) -> String = { _, text in text }) throws {
        self.block = block
        directory = try TemporaryDirectory(prefix: "netmgr-it\(block)")
        let definitions = directory.path + "/definitions"
        try LoopbackCluster.relocateDefinitions(from: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path,
                                                to: definitions, block: block, edit: edit)
        cluster = try LoopbackCluster(definitionsDirectory: definitions, workDirectory: directory.path + "/work",
                                      binaries: HarnessBinaries(directory: BuiltProducts.directory.path), behaviour: behaviour)
        client = NetMgrClient(configuration: try cluster.clientConfiguration(name: "integration-\(block)"))
    }

    func address(_ last: Int) -> String { "127.0.\(block).\(last)" }

    /// Starts everything and activates the group on node-a.
    func start(activateOn node: String = "node-a") async throws {
        try await cluster.startAll()
        try await cluster.activate(["hostlink"], on: node)
        client.start()
    }

    func stop() async {
        await client.shutdown()
        await cluster.stopAll()
    }

    /// Journal entries of one LU, by host LU name (TN3270) or local address (SDLC, X.25).
    func entries(_ lu: String) throws -> [HostJournalEntry] {
        let definition = cluster.definitions.lus.first { $0.name == lu }!
        let procedure = cluster.definitions.resource(named: definition.resource).flatMap { cluster.definitions.line(named: $0.line) }?.procedure
        return try cluster.journal().filter {
            switch procedure {
            case .hdlcLeased?: return $0.path == "sdlc" && $0.luAddress == Int(definition.address)
            case .hdlcPacket?: return $0.path == "x25" && $0.luAddress == Int(definition.address)
            default: return $0.path == "tn3270" && $0.lu == definition.hostLUName
            }
        }
    }

    /// Waits until the host journal satisfies `condition`.
    func waitForJournal(_ what: String, timeout: Duration = .seconds(20), _ condition: @escaping @Sendable ([HostJournalEntry]) -> Bool) async throws {
        let cluster = self.cluster
        try await waitUntil(timeout, what: what) { condition((try? cluster.journal()) ?? []) }
    }
}

/// Streams numbered messages on a session until cancelled; remembers their digests.
final class Stream: @unchecked Sendable {
    let session: LUSession
    private let lock = NSLock()
    private var digests: [String] = []
    private var task: Task<Void, Never>?

    init(_ session: LUSession, every interval: Duration = .milliseconds(20)) {
        self.session = session
        task = Task { [weak self] in
            var serial = 0
            while !Task.isCancelled, let self {
                serial += 1
                let payload = Array("\(session.lu) message \(serial)".utf8)
                guard (try? await session.submit(payload)) != nil else { return }
                self.lock.withLock { self.digests.append(journalDigest(payload)) }
                try? await Task.sleep(for: interval)  // pacing, not synchronisation
            }
        }
    }

    func stop() async {
        task?.cancel()
        await task?.value
    }

    var sent: [String] { lock.withLock { digests } }

    /// Waits until the host has accepted everything sent.
    func drain(timeout: Duration = .seconds(30)) async throws {
        let session = self.session
        try await waitUntil(timeout, what: "\(session.lu) to have every message accepted") {
            ((try? await session.unacknowledged()) ?? 1) == 0
        }
    }
}

extension Array where Element == HostJournalEntry {
    var binds: [HostJournalEntry] { filter { $0.event == .bind } }
    var messageDigests: [String] { filter { $0.event == .message }.compactMap(\.digest) }
}
