import Foundation
import Logging
import NIOCore
import NIOPosix
import NetMgrCore
@testable import NetMgrServer
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// The HDLC leased-line path end to end on loopback: `netmgr sim host` (the host's SDLC
/// primary) and `netmgr sim line-switch` as processes, node A's and node B's SDLC
/// attachments in this process, each on its own event loop as in its own netmgrd.
@Suite("HDLC leased line: failover through the line switch", .serialized)
struct LeasedLineFailoverTests {
    /// One node's netmgrd host side for SDLC1.
    final class Node: @unchecked Sendable {
        let name: String
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop: any EventLoop
        let attachment: NIOLoopBound<SDLCAttachment>
        let delegate: NIOLoopBound<RecordingDelegate>

        init(_ name: String, epoch: UInt64, world: LeasedLineWorld) async throws {
            self.name = name
            let loop = group.next()
            self.loop = loop
            let resource = try #require(world.definitions.resource(named: "SDLC1"))
            let plan = try SDLCLinePlan(definitions: world.definitions, resource: resource, node: name, epoch: epoch)
            let logger = { var logger = Logger(label: "netmgrd.\(name)"); logger.logLevel = .notice; return logger }()
            let (attachment, delegate) = try await loop.submit {
                let attachment = SDLCAttachment(plan: plan, loop: loop, retry: RetryPolicy(), logger: logger)
                let delegate = RecordingDelegate()
                attachment.delegate = delegate
                return (NIOLoopBound(attachment, eventLoop: loop), NIOLoopBound(delegate, eventLoop: loop))
            }.get()
            self.attachment = attachment
            self.delegate = delegate
        }

        func start() async throws { try await loop.submit { self.attachment.value.start() }.get() }

        /// Reads the delegate's records on the loop.
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
            try await read { $0.states["SDLU02"] == .bound && $0.states["SDLU03"] == .bound }
        }

        func acceptedCount() async throws -> Int { try await read { $0.accepted.values.reduce(0) { $0 + $1.count } } }

        func shutdown() async { try? await group.shutdownGracefully() }
    }

    static func payload(_ lu: String, _ sequence: UInt64) -> [UInt8] { Array("\(lu) message \(sequence)".utf8) }

    @Test func sameTerminalAfterFailoverWithNoMessageLost() async throws {
        let world = try LeasedLineWorld()
        let lineSwitch = try await world.startLineSwitch()
        let host = try await world.startHost()

        // Node A activates (epoch 1): switches the line, the host finds the terminal.
        let nodeA = try await Node("node-a", epoch: 1, world: world)
        try await nodeA.start()
        #expect(try await eventually { try await nodeA.bothBound() }, "node A: LUs not bound; host stderr: \(host.standardError.suffix(2000))")
        #expect(try await nodeA.read { $0.started } == 1)
        // The host's SNRM set the link up (a connect); nothing refused.
        #expect(try await nodeA.read { $0.counts.connects >= 1 && $0.counts.rejects == 0 })

        // Messages flow and are accepted.
        let lus = ["SDLU02", "SDLU03"]
        var submitted: [(lu: String, sequence: UInt64, payload: [UInt8])] = []
        for sequence in UInt64(1)...20 {
            let lu = lus[Int(sequence) % 2]
            submitted.append((lu, sequence, Self.payload(lu, sequence)))
        }
        try await nodeA.send(submitted)
        #expect(try await eventually { try await nodeA.acceptedCount() == 20 })

        // More messages, then node A dies at once: some are still on their way.
        let late: [(lu: String, sequence: UInt64, payload: [UInt8])] = (UInt64(21)...40).map { sequence in
            let lu = lus[Int(sequence) % 2]
            return (lu, sequence, Self.payload(lu, sequence))
        }
        submitted += late
        try await nodeA.loop.submit {
            for message in late {
                nodeA.attachment.value.send(lu: message.lu, tag: MessageTag(generation: 1, sequence: message.sequence),
                                            payload: ByteBuffer(bytes: message.payload))
            }
            nodeA.attachment.value.stop()  // no DISC, the connection just drops, as when the process dies
        }.get()
        let acceptedByA = try await nodeA.read { $0.accepted }
        await nodeA.shutdown()

        // Node B activates with a newer epoch; the switch moves the line to it.
        let nodeB = try await Node("node-b", epoch: 2, world: world)
        try await nodeB.start()
        #expect(try await eventually { try await nodeB.bothBound() }, "node B: LUs not bound; host stderr: \(host.standardError.suffix(2000))")
        // The client replays what A never acknowledged, then carries on.
        let replay = submitted.filter { !(acceptedByA[$0.lu] ?? []).contains($0.sequence) }
        var after: [(lu: String, sequence: UInt64, payload: [UInt8])] = []
        for sequence in UInt64(41)...50 {
            let lu = lus[Int(sequence) % 2]
            after.append((lu, sequence, Self.payload(lu, sequence)))
        }
        submitted += after
        try await nodeB.send(replay + after)
        #expect(try await eventually { try await nodeB.acceptedCount() == replay.count + after.count })

        // A stale node A (split brain, epoch 1) cannot take the line back.
        let staleA = try await Node("node-a", epoch: 1, world: world)
        try await staleA.start()
        #expect(try await eventually { try await staleA.read { !$0.failures.isEmpty } })
        let failure = try await staleA.read { $0.failures.first ?? "" }
        #expect(failure.contains("stale-epoch"), "\(failure)")
        #expect(try await nodeB.bothBound())
        await staleA.shutdown()

        // The host's journal: the same station, node id and LU addresses before and after.
        try await nodeB.loop.submit { nodeB.attachment.value.stop() }.get()
        #expect(try await eventually { try await nodeB.read { $0.stopped } == 1 })
        await nodeB.shutdown()
        #expect(await host.stop(SIGTERM) == 0)
        await lineSwitch.stop(SIGKILL)  // the capture must survive this

        let journal = world.journal
        let binds = journal.filter { $0.event == .bind }
        let linkUps = journal.filter { $0.event == .linkUp }
        #expect(linkUps.count >= 2, "a link before and after the failover")
        #expect(Set(linkUps.map { "\($0.station ?? "") \($0.nodeId ?? "")" }) == ["0xC1 05D00001"])
        let bindsBefore = binds.prefix { $0.time < (journal.first { $0.event == .linkDown }?.time ?? .infinity) }
        let bindsAfter = binds.dropFirst(bindsBefore.count)
        for set in [Array(bindsBefore), Array(bindsAfter)] {
            #expect(Set(set.map(\.terminalAddress)) == ["station 0xC1 XID 05D00001 LU 2", "station 0xC1 XID 05D00001 LU 3"])
            #expect(Set(set.compactMap(\.lu)) == ["SDLU02", "SDLU03"])
        }

        // Zero loss: every submitted message reached the host; duplicates are counted.
        let messages = journal.filter { $0.event == .message }
        var seen: [String: Int] = [:]
        for message in messages { seen["\(message.luAddress ?? 0) \(message.digest ?? "")", default: 0] += 1 }
        for message in submitted {
            let key = "\(message.lu == "SDLU02" ? 2 : 3) \(journalDigest(message.payload))"
            #expect(seen[key] ?? 0 >= 1, "message \(message.sequence) on \(message.lu) never reached the host")
        }
        let duplicates = seen.values.reduce(0) { $0 + max(0, $1 - 1) }
        print("leased-line failover: \(submitted.count) submitted, \(messages.count) journaled, \(duplicates) duplicate(s), \(replay.count) replayed to node B")
        #expect(messages.count == submitted.count + duplicates)

        if let keep = ProcessInfo.processInfo.environment["NETMGR_KEEP_CAPTURE"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: world.capturePath, toPath: keep)
        }
        try await LineCaptureChecks.expectCleanInTshark(world.capturePath, station: 0xC1, luAddresses: [2, 3])
    }
}
