import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
@testable import NetMgrServer
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The HDLC packet (X.25) path end to end on loopback: `netmgr sim host` (the X.25 network
/// and the host's QLLC primary) and `netmgr sim line-switch` as processes, node A's and
/// node B's X.25 attachments in this process, each on its own event loop as in its own
/// netmgrd. After the failover the host must see the same calling DTE address, node id and
/// LU addresses, and every message.
@Suite("HDLC packet line: failover through the line switch", .serialized)
struct PacketLineFailoverTests {
    final class Node: @unchecked Sendable {
        let name: String
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop: any EventLoop
        let attachment: NIOLoopBound<X25Attachment>
        let delegate: NIOLoopBound<RecordingDelegate>

        init(_ name: String, epoch: UInt64, world: PacketLineWorld) async throws {
            self.name = name
            let loop = group.next()
            self.loop = loop
            let resource = try #require(world.definitions.resource(named: "X25R1"))
            let plan = try X25LinePlan(definitions: world.definitions, resource: resource, node: name, epoch: epoch)
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

        func start() async throws { try await loop.submit { self.attachment.value.start() }.get() }

        func read<T: Sendable>(_ body: @escaping @Sendable (RecordingDelegate) -> T) async throws -> T {
            try await loop.submit { body(self.delegate.value) }.get()
        }

        func send(_ messages: [(lu: String, sequence: UInt64, payload: [UInt8])]) async throws {
            try await loop.submit {
                for message in messages {
                    self.attachment.value.send(lu: message.lu, tag: MessageTag(generation: 1, sequence: message.sequence),
                                               payload: ByteBuffer(bytes: message.payload))
                }
            }.get()
        }

        func bothBound() async throws -> Bool {
            try await read { $0.states["PKLU02"] == .bound && $0.states["PKLU03"] == .bound }
        }

        func acceptedCount() async throws -> Int { try await read { $0.accepted.values.reduce(0) { $0 + $1.count } } }

        func shutdown() async { try? await group.shutdownGracefully() }
    }

    static func payload(_ lu: String, _ sequence: UInt64) -> [UInt8] {
        // Longer than the 128-byte packet size now and then: the M bit must carry it.
        let base = "\(lu) message \(sequence)"
        return Array((sequence % 5 == 0 ? base + String(repeating: ".", count: 300) : base).utf8)
    }

    static func messages(_ range: ClosedRange<UInt64>) -> [(lu: String, sequence: UInt64, payload: [UInt8])] {
        range.map { sequence in
            let lu = sequence % 2 == 0 ? "PKLU02" : "PKLU03"
            return (lu, sequence, payload(lu, sequence))
        }
    }

    @Test func sameCallingDTEAfterFailoverWithNoMessageLost() async throws {
        let world = try PacketLineWorld()
        let lineSwitch = try await world.startLineSwitch()
        defer { Task { await lineSwitch.stop(SIGKILL) } }
        let host = try await world.startHost()
        defer { Task { await host.stop(SIGKILL) } }

        let nodeA = try await Node("node-a", epoch: 1, world: world)
        try await nodeA.start()
        #expect(try await eventually(.seconds(20)) { try await nodeA.bothBound() }, "node A: LUs not bound; host stderr: \(host.standardError.suffix(3000))")
        #expect(try await nodeA.read { $0.started } == 1)
        // The call connected (a connect); nothing refused.
        #expect(try await nodeA.read { $0.counts.connects >= 1 && $0.counts.rejects == 0 })

        var submitted = Self.messages(1...20)
        try await nodeA.send(submitted)
        #expect(try await eventually { try await nodeA.acceptedCount() == 20 })

        // More, then node A dies at once with some in flight.
        let late = Self.messages(21...40)
        submitted += late
        try await nodeA.loop.submit {
            for message in late {
                nodeA.attachment.value.send(lu: message.lu, tag: MessageTag(generation: 1, sequence: message.sequence),
                                            payload: ByteBuffer(bytes: message.payload))
            }
            nodeA.attachment.value.stop()
        }.get()
        let acceptedByA = try await nodeA.read { $0.accepted }
        await nodeA.shutdown()

        // Node B: switches the access line, restarts, calls with the same calling DTE.
        let nodeB = try await Node("node-b", epoch: 2, world: world)
        try await nodeB.start()
        #expect(try await eventually(.seconds(20)) { try await nodeB.bothBound() }, "node B: LUs not bound; host stderr: \(host.standardError.suffix(3000))")
        let replay = submitted.filter { !(acceptedByA[$0.lu] ?? []).contains($0.sequence) }
        let after = Self.messages(41...50)
        submitted += after
        try await nodeB.send(replay + after)
        #expect(try await eventually { try await nodeB.acceptedCount() == replay.count + after.count })

        try await nodeB.loop.submit { nodeB.attachment.value.stop() }.get()
        #expect(try await eventually { try await nodeB.read { $0.stopped } == 1 })
        await nodeB.shutdown()
        #expect(await host.stop(SIGTERM) == 0)
        await lineSwitch.stop(SIGKILL)

        // The host's journal: same calling DTE, node id and LU addresses before and after.
        let journal = world.journal
        let linkUps = journal.filter { $0.event == .linkUp && $0.path == "x25" }
        #expect(linkUps.count >= 2, "a call before and after the failover: \(journal.map(\.event))")
        #expect(Set(linkUps.map { "\($0.callingDte ?? "") \($0.nodeId ?? "") \($0.calledDte ?? "")" }) == ["44200001 05D00002 44100001"])
        let firstDown = journal.first { $0.event == .linkDown }?.time ?? .infinity
        let binds = journal.filter { $0.event == .bind }
        let bindsBefore = binds.filter { $0.time < firstDown }
        let bindsAfter = binds.filter { $0.time >= firstDown }
        for set in [bindsBefore, bindsAfter] {
            #expect(Set(set.map(\.terminalAddress)) == ["DTE 44200001 XID 05D00002 LU 2", "DTE 44200001 XID 05D00002 LU 3"])
            #expect(Set(set.compactMap(\.lu)) == ["PKLU02", "PKLU03"])
        }

        // Zero loss.
        let received = journal.filter { $0.event == .message }
        var seen: [String: Int] = [:]
        for message in received { seen["\(message.luAddress ?? 0) \(message.digest ?? "")", default: 0] += 1 }
        for message in submitted {
            let key = "\(message.lu == "PKLU02" ? 2 : 3) \(journalDigest(message.payload))"
            #expect(seen[key] ?? 0 >= 1, "message \(message.sequence) on \(message.lu) never reached the host")
        }
        let duplicates = seen.values.reduce(0) { $0 + max(0, $1 - 1) }
        print("x25 failover: \(submitted.count) submitted, \(received.count) journaled, \(duplicates) duplicate(s), \(replay.count) replayed to node B")
        #expect(received.count == submitted.count + duplicates)
    }

    @Test func aRestartedHostIsCalledAgainAndHeldMessagesGo() async throws {
        let world = try PacketLineWorld()
        let lineSwitch = try await world.startLineSwitch()
        defer { Task { await lineSwitch.stop(SIGKILL) } }
        var host = try await world.startHost()
        let node = try await Node("node-a", epoch: 1, world: world)
        try await node.start()
        #expect(try await eventually(.seconds(20)) { try await node.bothBound() }, "not bound; host stderr: \(host.standardError.suffix(3000))")
        let first = Self.messages(1...10)
        try await node.send(first)
        #expect(try await eventually { try await node.acceptedCount() == 10 })

        // The host dies: the call and the LAPB link go with it; messages wait in netmgrd.
        await host.stop(SIGKILL)
        let held = Self.messages(11...20)
        try await node.send(held)
        host = try await world.startHost()
        defer { Task { [host] in await host.stop(SIGKILL) } }
        let allAccepted = try await eventually(.seconds(30)) { try await node.acceptedCount() == 20 }
        let acceptedCount = try await node.acceptedCount()
        #expect(allAccepted, "accepted \(acceptedCount); host stderr: \(host.standardError.suffix(3000))")
        let received = Set(world.journal.filter { $0.event == .message }.compactMap(\.digest))
        for message in first + held {
            #expect(received.contains(journalDigest(message.payload)), "message \(message.sequence) never reached the host")
        }
        #expect(world.journal.filter { $0.event == .linkUp }.count >= 2, "a second call after the host restarted")
        // The second call counts as a connect; the call (or line) lost with the host as a retry; the host refused nothing.
        let counts = try await node.read { $0.counts }
        #expect(counts.connects >= 2 && counts.retries >= 1 && counts.rejects == 0, "\(counts)")
        try await node.loop.submit { node.attachment.value.stop() }.get()
        await node.shutdown()
        await host.stop(SIGKILL)
        await lineSwitch.stop(SIGKILL)
    }

    /// More data at once than the packet layer queues (512 packets: 48 messages of 24
    /// packets each): the messages it refused must go as the host answers, not wait for the
    /// client's next message (the attachment flushes after each +RSP/-RSP).
    @Test func messagesRefusedByAFullPacketLayerGoWhenTheHostAnswers() async throws {
        let world = try PacketLineWorld()
        let lineSwitch = try await world.startLineSwitch()
        defer { Task { await lineSwitch.stop(SIGKILL) } }
        let host = try await world.startHost()
        defer { Task { await host.stop(SIGKILL) } }
        let node = try await Node("node-a", epoch: 1, world: world)
        try await node.start()
        #expect(try await eventually(.seconds(20)) { try await node.bothBound() }, "not bound; host stderr: \(host.standardError.suffix(3000))")
        let many: [(lu: String, sequence: UInt64, payload: [UInt8])] = (1...48).map { sequence in
            ("PKLU02", UInt64(sequence), Array("PKLU02 bulk \(sequence) ".utf8) + [UInt8](repeating: 0x40, count: 3000))
        }
        try await node.send(many)
        let queuedAtOnce = try await node.loop.submit { node.attachment.value.heldMessages }.get()
        #expect(queuedAtOnce > 0)
        let allAccepted = try await eventually(.seconds(60)) { try await node.acceptedCount() == many.count }
        let acceptedCount = try await node.acceptedCount()
        #expect(allAccepted, "accepted \(acceptedCount) of \(many.count); host stderr: \(host.standardError.suffix(3000))")
        try await node.loop.submit { node.attachment.value.stop() }.get()
        await node.shutdown()
        await host.stop(SIGKILL)
        await lineSwitch.stop(SIGKILL)
    }

    @Test func theHostRefusesAnotherNodeID() async throws {
        let world = try PacketLineWorld()
        // The host knows node id 05D00099 for this calling DTE; the terminal says 05D00002.
        let other = try TemporaryDirectory(prefix: "netmgr-x25-host")
        try PacketLineWorld.text(switchAddress: world.switchAddress, nodeID: "05D00099").write(toFile: other.file("x25.yaml"), atomically: true, encoding: .utf8)
        let lineSwitch = try await world.startLineSwitch()
        defer { Task { await lineSwitch.stop(SIGKILL) } }
        let host = try await world.startHost(definitionsPath: other.path)
        defer { Task { await host.stop(SIGKILL) } }

        let node = try await Node("node-a", epoch: 1, world: world)
        try await node.start()
        #expect(await eventually(.seconds(20)) { world.journal.contains { $0.event == .reject && ($0.reason ?? "").contains("QXID refused") } },
                "journal: \(world.journal.map { "\($0.event) \($0.reason ?? "")" })")
        #expect(try await !node.bothBound())
        #expect(!world.journal.contains { $0.event == .bind })
        // The call connected, the host cleared it after the QXID (a refusal), the terminal calls again (a retry).
        let refused = try await eventually { try await node.read { $0.counts.rejects >= 1 && $0.counts.retries >= 1 && $0.counts.connects >= 1 } }
        let counts = try await node.read { $0.counts }
        #expect(refused, "\(counts)")
        try await node.loop.submit { node.attachment.value.stop() }.get()
        await node.shutdown()
        await host.stop(SIGKILL)
        await lineSwitch.stop(SIGKILL)
    }
}
