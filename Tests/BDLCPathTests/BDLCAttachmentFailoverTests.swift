import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
@testable import NetMgrServer
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The BDLC path end to end on loopback: `netmgr sim host` as the host's control station (a
/// process), node A's and node B's tributary stations (`BDLCAttachment`) in this process,
/// each on its own event loop as in its own netmgrd, each on its own line with its own
/// station address.
@Suite("BDLC: tributary stations against the host's control station", .serialized)
struct BDLCAttachmentFailoverTests {
    /// One node's netmgrd host side for BDLC1.
    final class Node: @unchecked Sendable {
        let name: String
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop: any EventLoop
        let attachment: NIOLoopBound<BDLCAttachment>
        let delegate: NIOLoopBound<RecordingDelegate>

        init(_ name: String, world: BDLCWorld, pollTimeout: TimeAmount? = nil, maximumQueued: Int = 256) async throws {
            self.name = name
            let loop = group.next()
            self.loop = loop
            let resource = try #require(world.definitions.resource(named: "BDLC1"))
            var made = try BDLCLinePlan(definitions: world.definitions, resource: resource, node: name)
            if let pollTimeout { made.pollTimeout = pollTimeout }
            let plan = made
            let logger = { var logger = Logger(label: "netmgrd.\(name)"); logger.logLevel = .notice; return logger }()
            let (attachment, delegate) = try await loop.submit {
                let attachment = try BDLCAttachment(plan: plan, loop: loop, retry: RetryPolicy(), maximumQueued: maximumQueued, logger: logger)
                let delegate = RecordingDelegate()
                attachment.delegate = delegate
                return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
            }.get()
            self.attachment = attachment
            self.delegate = delegate
        }

        func start() async throws { try await loop.submit { self.attachment.value.start() }.get() }

        func read<T: Sendable>(_ body: @escaping @Sendable (RecordingDelegate) -> T) async throws -> T {
            try await loop.submit { body(self.delegate.value) }.get()
        }

        func send(_ messages: [Message]) async throws {
            try await loop.submit {
                for message in messages {
                    self.attachment.value.send(lu: message.lu, tag: MessageTag(generation: 1, sequence: message.sequence),
                                               payload: ByteBuffer(bytes: message.payload))
                }
            }.get()
        }

        func bothBound() async throws -> Bool {
            try await read { $0.states["BSLU02"] == .bound && $0.states["BSLU03"] == .bound }
        }

        func acceptedCount() async throws -> Int { try await read { $0.accepted.values.reduce(0) { $0 + $1.count } } }

        func shutdown() async { try? await group.shutdownGracefully() }
    }

    struct Message: Sendable {
        var lu: String
        var sequence: UInt64
        var payload: [UInt8]
    }

    static let lus = ["BSLU02", "BSLU03"]

    /// Messages `range`, alternating between the two LUs; every tenth holds control
    /// characters of both codings (sent as transparent text).
    static func messages(_ range: ClosedRange<UInt64>) -> [Message] {
        range.map { sequence in
            let lu = lus[Int(sequence % 2)]
            var payload = Array("\(lu) message \(sequence)".utf8)
            if sequence % 10 == 0 { payload += [0x10, 0x02, 0x03, 0x37, 0x2D, 0x16] }
            return Message(lu: lu, sequence: sequence, payload: payload)
        }
    }

    @Test(arguments: ["ascii", "ebcdic"])
    func differentStationAfterFailoverWithNoMessageLost(coding: String) async throws {
        let world = try BDLCWorld(coding: coding)
        #expect(world.definitions.line(named: "BSC1")?.coding.rawValue == coding)
        let host = try await world.startHost()
        var nodes: [Node] = []
        var submitted: [Message] = []
        do {
            submitted = try await failover(world: world, host: host, nodes: &nodes)
        } catch {
            Issue.record("\(error); host stderr: \(host.standardError.suffix(2000))")
        }
        for node in nodes { await node.shutdown() }
        #expect(await host.stop(SIGTERM) == 0)
        try #require(!submitted.isEmpty)
        Self.checkJournal(world.journal, submitted: submitted)
    }

    private func failover(world: BDLCWorld, host: LaunchedProcess, nodes: inout [Node]) async throws -> [Message] {
        // Node A opens its own line; the host polls station 0x41.
        let nodeA = try await Node("node-a", world: world)
        nodes.append(nodeA)
        try await nodeA.start()
        #expect(try await eventually { try await nodeA.bothBound() }, "node A: LUs not bound; host stderr: \(host.standardError.suffix(2000))")
        #expect(try await nodeA.read { $0.started } == 1)
        #expect(try await nodeA.read { $0.counts.connects } == 1, "the host's first poll is a connect")
        #expect(try await nodeA.loop.submit { nodeA.attachment.value.hostVisibleAddress }.get().hasPrefix("station 0x41 on BSC1 (tcp:"))

        // Messages flow and are accepted only on the host's ACK.
        var submitted = Self.messages(1...20)
        try await nodeA.send(submitted)
        #expect(try await eventually { try await nodeA.acceptedCount() == 20 })
        #expect(try await nodeA.read { $0.accepted["BSLU02"] } == Array(stride(from: UInt64(2), through: 20, by: 2)), "in order per LU")

        // More messages, then node A dies at once: some are still on their way.
        let late = Self.messages(21...40)
        submitted += late
        try await nodeA.loop.submit {
            for message in late {
                nodeA.attachment.value.send(lu: message.lu, tag: MessageTag(generation: 1, sequence: message.sequence),
                                            payload: ByteBuffer(bytes: message.payload))
            }
            nodeA.attachment.value.stop()  // the line just drops, as when the process dies
        }.get()
        #expect(try await eventually { try await nodeA.read { $0.stopped } == 1 })
        let acceptedByA = try await nodeA.read { $0.accepted }

        // Node B opens its own line: the host polls a different station, 0x42.
        let nodeB = try await Node("node-b", world: world)
        nodes.append(nodeB)
        try await nodeB.start()
        #expect(try await eventually { try await nodeB.bothBound() }, "node B: LUs not bound; host stderr: \(host.standardError.suffix(2000))")
        // The client replays what A never acknowledged, then carries on.
        let replay = submitted.filter { !(acceptedByA[$0.lu] ?? []).contains($0.sequence) }
        let after = Self.messages(41...50)
        submitted += after
        try await nodeB.send(replay + after)
        #expect(try await eventually { try await nodeB.acceptedCount() == replay.count + after.count })
        try await nodeB.loop.submit { nodeB.attachment.value.stop() }.get()
        #expect(try await eventually { try await nodeB.read { $0.stopped } == 1 })
        print("BDLC failover: \(submitted.count) submitted, \(replay.count) replayed to node B")
        return submitted
    }

    /// A backlog many times the station's queue (a slow host, the client's replay after a
    /// failover) is held and follows as the host ACKs: nothing is rejected, and the delivery
    /// ledger finds every submitted message in the host's journal. (With the attachment
    /// refusing past its limit, the client dropped those messages as host-rejected after its
    /// `submit` had returned: the failover bench's lost BSLU02/BSLU03 messages.)
    @Test func backlogBeyondTheStationQueueAcrossFailoverLosesNothing() async throws {
        let world = try BDLCWorld(block: 112)
        let host = try await world.startHost()
        var nodes: [Node] = []
        var ledger = DeliveryLedger()
        func submitted(_ messages: [Message]) {
            for message in messages { ledger.submitted(resource: "BDLC1", lu: message.lu, digest: journalDigest(message.payload)) }
        }
        do {
            let nodeA = try await Node("node-a", world: world, maximumQueued: 4)
            nodes.append(nodeA)
            try await nodeA.start()
            #expect(try await eventually { try await nodeA.bothBound() }, "node A: LUs not bound; host stderr: \(host.standardError.suffix(2000))")
            // 60 at once, 15 times the station's queue; node A dies with most of them held.
            let first = Self.messages(1...60)
            submitted(first)
            try await nodeA.send(first)
            #expect(try await eventually { try await nodeA.acceptedCount() >= 10 }, "node A carried its backlog on")
            try await nodeA.loop.submit { nodeA.attachment.value.stop() }.get()
            #expect(try await eventually { try await nodeA.read { $0.stopped } == 1 })
            let acceptedByA = try await nodeA.read { $0.accepted }
            let rejectedByA = try await nodeA.read { $0.rejected.map { "\($0.lu) \($0.sequence): \($0.reason)" } }

            // Node B gets what A never acknowledged (the client's replay) and more, at once.
            let nodeB = try await Node("node-b", world: world, maximumQueued: 4)
            nodes.append(nodeB)
            try await nodeB.start()
            #expect(try await eventually { try await nodeB.bothBound() }, "node B: LUs not bound; host stderr: \(host.standardError.suffix(2000))")
            let replay = first.filter { !(acceptedByA[$0.lu] ?? []).contains($0.sequence) }
            let after = Self.messages(61...80)
            submitted(after)
            try await nodeB.send(replay + after)
            let drained = try await eventually { try await nodeB.acceptedCount() == replay.count + after.count }
            let acceptedByB = try await nodeB.acceptedCount()
            #expect(drained, "node B: \(acceptedByB) of \(replay.count + after.count) accepted")
            let rejectedByB = try await nodeB.read { $0.rejected.map { "\($0.lu) \($0.sequence): \($0.reason)" } }
            let rejected = rejectedByA + rejectedByB
            #expect(rejected.isEmpty, "\(rejected.count) rejected, first: \(rejected.prefix(2))")
            let inOrder = try await nodeB.read { $0.accepted }
            for lu in Self.lus { #expect(inOrder[lu] == inOrder[lu]?.sorted(), "\(lu): accepted out of order") }
            try await nodeB.loop.submit { nodeB.attachment.value.stop() }.get()
            #expect(try await eventually { try await nodeB.read { $0.stopped } == 1 })
        } catch {
            Issue.record("\(error); host stderr: \(host.standardError.suffix(2000))")
        }
        for node in nodes { await node.shutdown() }
        #expect(await host.stop(SIGTERM) == 0)
        let journal = world.journal
        for lu in Self.lus { ledger.journaled(journal.filter { $0.lu == lu }, as: lu) }
        let tally = ledger.tally()
        #expect(tally.sent == 80)
        #expect(tally.lost == 0, "lost: \(Self.lus.map { "\($0) \(ledger.lost(lu: $0).count)" })")
        print("BDLC backlog across failover: \(tally.sent) sent, \(tally.lost) lost, \(tally.duplicated) duplicated")
    }

    @Test func hostRestartWithMessagesQueuedLosesNothing() async throws {
        let world = try BDLCWorld()
        var host = try await world.startHost()
        let node = try await Node("node-a", world: world)
        var hosts = [host]
        do {
            try await node.start()
            #expect(try await eventually { try await node.bothBound() }, "LUs not bound; host stderr: \(host.standardError.suffix(2000))")
            let first = Self.messages(1...30)
            try await node.send(first)
            // The host dies (SIGKILL: no EOT, the line just drops) with messages queued, and comes back.
            #expect(try await eventually { try await node.acceptedCount() >= 5 })
            _ = await host.stop(SIGKILL)
            let second = Self.messages(31...60)
            try await node.send(second)
            #expect(try await eventually { try await node.read { $0.states["BSLU02"] == .hostLost } }, "the loss was not noticed")
            host = try await world.startHost()
            hosts.append(host)
            #expect(try await eventually { try await node.acceptedCount() == 60 }, "host stderr: \(host.standardError.suffix(2000))")
            #expect(try await node.read { $0.accepted["BSLU03"] } == Array(stride(from: UInt64(1), through: 59, by: 2)), "in order per LU")
            try await node.loop.submit { node.attachment.value.stop() }.get()
            #expect(await host.stop(SIGTERM) == 0)

            // Every message in the journal, station 0x41 on both sides of the restart.
            let journal = world.journal
            var seen: [String: Int] = [:]
            for entry in journal where entry.event == .message { seen[entry.digest ?? "", default: 0] += 1 }
            for message in first + second {
                #expect(seen[journalDigest(message.payload)] ?? 0 >= 1, "message \(message.sequence) never reached the host")
            }
            #expect(Set(journal.compactMap(\.station)) == ["0x41"])
            #expect(journal.filter { $0.event == .linkUp }.count == 2, "one link-up per host run")
            // Each host run's first poll is a connect; the line lost with the host is opened again (retries).
            let counts = try await node.read { $0.counts }
            #expect(counts.connects == 2 && counts.retries >= 1, "\(counts)")
        } catch {
            Issue.record("\(error); host stderr: \(host.standardError.suffix(2000))")
        }
        for process in hosts { _ = await process.stop(SIGKILL) }
        await node.shutdown()
    }

    /// The host's journal: station 0x41 on node-a's line before, 0x42 on node-b's after;
    /// every submitted message delivered, duplicates counted.
    static func checkJournal(_ journal: [HostJournalEntry], submitted: [Message]) {
        // By line: the host serves both lines on one loop, and may hear node B's station
        // answer before it reads that node A's line closed.
        let binds = journal.filter { $0.event == .bind }
        let before = binds.filter { $0.line == "BSC1 line 1" }
        let after = binds.filter { $0.line == "BSC1 line 2" }
        #expect(before.count + after.count == binds.count)
        #expect((before.map(\.time).min() ?? .infinity) < (after.map(\.time).min() ?? -.infinity), "node A's station answered first")
        #expect(Set(before.map(\.terminalAddress)) == ["station 0x41 on BSC1 line 1 LU 2", "station 0x41 on BSC1 line 1 LU 3"], "\(before)")
        #expect(Set(after.map(\.terminalAddress)) == ["station 0x42 on BSC1 line 2 LU 2", "station 0x42 on BSC1 line 2 LU 3"], "\(after)")
        #expect(Set(binds.compactMap(\.lu)) == ["BSLU02", "BSLU03"])
        #expect(journal.contains { $0.event == .linkDown && $0.station == "0x41" }, "the host saw station 0x41 go")

        let messages = journal.filter { $0.event == .message }
        var seen: [String: Int] = [:]
        for message in messages { seen["\(message.luAddress ?? 0) \(message.digest ?? "")", default: 0] += 1 }
        for message in submitted {
            let key = "\(message.lu == "BSLU02" ? 2 : 3) \(journalDigest(message.payload))"
            #expect(seen[key] ?? 0 >= 1, "message \(message.sequence) on \(message.lu) never reached the host")
        }
        let duplicates = seen.values.reduce(0) { $0 + max(0, $1 - 1) }
        #expect(messages.count == submitted.count + duplicates)
        #expect(messages.contains { $0.station == "0x41" } && messages.contains { $0.station == "0x42" })
        print("BDLC journal: \(messages.count) messages, \(duplicates) duplicate(s)")
    }
}
