import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
@testable import NetMgrServer
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// X.25 over TCP (RFC 1613): no LAPB, no line switch. Both nodes call the host's XOT
/// listener from the line's calling DTE address; after the failover the host sees the same
/// calling DTE, node id and LU addresses, and every message.
@Suite("HDLC packet line over XOT: failover", .serialized)
struct XOTFailoverTests {
    struct World {
        let directory: TemporaryDirectory
        let address: String
        let definitions: Definitions

        init() throws {
            directory = try TemporaryDirectory(prefix: "netmgr-xot")
            address = "127.0.32.\(Int.random(in: 2...99))"
            let text = """
                cluster:
                  name: xot
                  tls: off  # netmgrd processes on loopback without a PKI (development mode)
                  nodes:
                    - { name: node-a, address: 127.0.32.101, lan: "127.0.32.101:7301" }
                    - { name: node-b, address: 127.0.32.102, lan: "127.0.32.102:7301" }
                  groups:
                    - { name: hostlink, resources: [XOTR1] }
                lines:
                  - name: XOT1
                    procedure: hdlc-packet
                    dte-address: 44200009
                    node-id: 05D00009
                    packet-size: 256
                    nodes:
                      node-a: { device: "xot:\(address):1998" }
                      node-b: { device: "xot:\(address):1998" }
                resources:
                  - { name: XOTR1, line: XOT1, host: "dte:44100001" }
                lus:
                  - { name: XOTLU02, address: 2, resource: XOTR1 }
                  - { name: XOTLU03, address: 3, resource: XOTR1 }

                """
            try FileManager.default.createDirectory(atPath: directory.file("definitions"), withIntermediateDirectories: true)
            try text.write(toFile: directory.file("definitions/xot.yaml"), atomically: true, encoding: .utf8)
            let loaded = try DefinitionsLoader.load(directory: directory.file("definitions"))
            guard loaded.isValid else { throw TestFailure("definitions: \(loaded.diagnostics)") }
            definitions = loaded.definitions
        }

        var journalPath: String { directory.file("journal.jsonl") }
        var journal: [HostJournalEntry] { (try? HostJournal.read(path: journalPath)) ?? [] }

        func startHost() async throws -> LaunchedProcess {
            let process = try LaunchedProcess(BuiltProducts.path("netmgr"), [
                "sim", "host", "--definitions", directory.file("definitions"), "--xot", "\(address):1998",
                "--journal", journalPath, "--log-level", "notice",
            ])
            _ = try await process.line(startingWith: "ready: xot \(address):1998")
            return process
        }
    }

    final class Node: @unchecked Sendable {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop: any EventLoop
        let attachment: NIOLoopBound<X25Attachment>
        let delegate: NIOLoopBound<RecordingDelegate>

        init(_ name: String, world: World) async throws {
            let loop = group.next()
            self.loop = loop
            let resource = try #require(world.definitions.resource(named: "XOTR1"))
            let plan = try X25LinePlan(definitions: world.definitions, resource: resource, node: name, epoch: 1)
            let logger = { var logger = Logger(label: "netmgrd.\(name)"); logger.logLevel = .notice; return logger }()
            let (attachment, delegate) = try await loop.submit {
                let attachment = X25Attachment(plan: plan, loop: loop, retry: RetryPolicy(), logger: logger)
                let delegate = RecordingDelegate()
                attachment.delegate = delegate
                return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
            }.get()
            self.attachment = attachment
            self.delegate = delegate
        }

        func read<T: Sendable>(_ body: @escaping @Sendable (RecordingDelegate) -> T) async throws -> T {
            try await loop.submit { body(self.delegate.value) }.get()
        }

        func send(_ messages: [(lu: String, sequence: UInt64, payload: [UInt8])], thenStop: Bool = false) async throws {
            try await loop.submit {
                for message in messages {
                    self.attachment.value.send(lu: message.lu, tag: MessageTag(generation: 1, sequence: message.sequence),
                                               payload: ByteBuffer(bytes: message.payload))
                }
                if thenStop { self.attachment.value.stop() }
            }.get()
        }

        func bothBound() async throws -> Bool { try await read { $0.states["XOTLU02"] == .bound && $0.states["XOTLU03"] == .bound } }
        func acceptedCount() async throws -> Int { try await read { $0.accepted.values.reduce(0) { $0 + $1.count } } }
        func shutdown() async { try? await group.shutdownGracefully() }
    }

    static func messages(_ range: ClosedRange<UInt64>) -> [(lu: String, sequence: UInt64, payload: [UInt8])] {
        range.map { sequence in
            let lu = sequence % 2 == 0 ? "XOTLU02" : "XOTLU03"
            let text = "\(lu) message \(sequence)" + (sequence % 4 == 0 ? String(repeating: "+", count: 600) : "")
            return (lu, sequence, Array(text.utf8))
        }
    }

    @Test func sameCallingDTEOverXOTWithNoMessageLost() async throws {
        let world = try World()
        let host = try await world.startHost()
        defer { Task { await host.stop(SIGKILL) } }

        let nodeA = try await Node("node-a", world: world)
        try await nodeA.loop.submit { nodeA.attachment.value.start() }.get()
        #expect(try await eventually(.seconds(20)) { try await nodeA.bothBound() }, "node A not bound; host: \(host.standardError.suffix(3000))")
        var submitted = Self.messages(1...20)
        try await nodeA.send(submitted)
        #expect(try await eventually { try await nodeA.acceptedCount() == 20 })
        let late = Self.messages(21...30)
        submitted += late
        try await nodeA.send(late, thenStop: true)  // node A dies with messages in flight
        let acceptedByA = try await nodeA.read { $0.accepted }
        await nodeA.shutdown()

        let nodeB = try await Node("node-b", world: world)
        try await nodeB.loop.submit { nodeB.attachment.value.start() }.get()
        #expect(try await eventually(.seconds(20)) { try await nodeB.bothBound() }, "node B not bound; host: \(host.standardError.suffix(3000))")
        #expect(try await nodeB.read { $0.counts.connects >= 1 && $0.counts.rejects == 0 }, "node B: the call over XOT connected, nothing refused")
        let replay = submitted.filter { !(acceptedByA[$0.lu] ?? []).contains($0.sequence) }
        let after = Self.messages(31...40)
        submitted += after
        try await nodeB.send(replay + after)
        #expect(try await eventually { try await nodeB.acceptedCount() == replay.count + after.count })
        try await nodeB.loop.submit { nodeB.attachment.value.stop() }.get()
        #expect(try await eventually { try await nodeB.read { $0.stopped } == 1 })
        await nodeB.shutdown()
        #expect(await host.stop(SIGTERM) == 0)

        let journal = world.journal
        let linkUps = journal.filter { $0.event == .linkUp && $0.path == "x25" }
        #expect(linkUps.count >= 2, "\(journal.map(\.event))")
        #expect(Set(linkUps.map { "\($0.line ?? "") \($0.callingDte ?? "") \($0.nodeId ?? "")" }) == ["XOT1 44200009 05D00009"])
        let binds = journal.filter { $0.event == .bind }
        #expect(Set(binds.map(\.terminalAddress)) == ["DTE 44200009 XID 05D00009 LU 2", "DTE 44200009 XID 05D00009 LU 3"])
        #expect(binds.count >= 4, "both LUs bound before and after")
        var seen: [String: Int] = [:]
        for message in journal where message.event == .message { seen["\(message.luAddress ?? 0) \(message.digest ?? "")", default: 0] += 1 }
        for message in submitted {
            #expect(seen["\(message.lu == "XOTLU02" ? 2 : 3) \(journalDigest(message.payload))"] ?? 0 >= 1, "message \(message.sequence) lost")
        }
        print("xot failover: \(submitted.count) submitted, \(seen.values.reduce(0, +)) journaled, \(replay.count) replayed to node B")
    }
}
