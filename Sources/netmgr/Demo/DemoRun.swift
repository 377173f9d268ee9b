import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
#if canImport(Glibc)
import Glibc
#endif

/// Carries out the demo's steps, narrating progress on standard output.
struct DemoRun {
    let command: DemoCommand
    let cluster: LoopbackCluster
    let captures: DemoCaptures
    let start = Date().timeIntervalSince1970

    private func say(_ text: String) {
        let elapsed = Date().timeIntervalSince1970 - start
        FileHandle.standardOutput.write(Data((String(format: "[%6.2fs] ", elapsed) + text + "\n").utf8))
    }

    func run(story: inout DemoStory, captures: inout DemoCaptures) async throws -> DemoOutcome {
        let definitions = cluster.definitions
        let nodes = definitions.cluster.nodes
        let (first, second) = (nodes[0].name, nodes[1].name)  // the definitions require two nodes
        let groups = definitions.cluster.groups.map(\.name)
        story.start = start

        say("netmgr demo: cluster \(definitions.cluster.name) on loopback, work directory \(cluster.workDirectory)")
        say("starting the line switch device, the host simulator and netmgrd on \(nodes.map(\.name).joined(separator: " and "))")
        try await cluster.startAll()
        if command.capture ?? (getuid() == 0) {
            if let reason = await captures.startHostCapture() {
                story.captureSkipped = reason
            } else {
                say("capturing the host's TN3270 traffic on lo into \(captures.hostCapturePath)")
            }
        } else {
            story.captureSkipped = "run as root (or with --capture) to capture it on loopback"
        }

        for group in groups {
            let response = try await cluster.activate([group], on: first)
            let epoch = response.resources.first?.epoch ?? 0
            say("cluster engine: activate \(group) on \(first) (epoch \(epoch))")
            story.note("\(first): activate \(group), epoch \(epoch)")
        }

        // The application: NetMgrClient knows every server and finds the active one.
        var configuration = try cluster.clientConfiguration(name: "netmgr-demo", identity: "netmgr-demo")
        if let given = try command.tls.load() {
            configuration.tls = given
            say("client: TLS with the certificate \(command.tls.certificate ?? "?")")
        } else if configuration.tls != nil {
            say("client: TLS as application netmgr-demo (its certificate issued from the cluster's CA into \(cluster.workDirectory)/pki)")
        } else {
            say("client: plain TCP (cluster.tls: off, development mode)")
        }
        let client = NetMgrClient(configuration: configuration)
        client.start()
        let traffic = DemoTraffic()
        let events = Task { await Self.consume(client.events, traffic: traffic, since: start) }

        var sessions: [LUSession] = []
        for resource in definitions.resources where definitions.group(carrying: resource.name) != nil {
            _ = try await withDeadline(.seconds(20), what: "\(resource.name) to be active") { try await client.waitUntilActive(resource.name) }
            for lu in definitions.lus(of: resource.name) {
                let session = try await withDeadline(.seconds(20), what: "a session on \(lu.name)") {
                    try await client.openSession(resource: resource.name, lu: lu.name)
                }
                sessions.append(session)
                if lu.kind == .terminal { await traffic.register(resource.name, lu.name) }
            }
        }
        let terminals = sessions.filter { session in definitions.lus.first { $0.name == session.lu }?.kind == .terminal }
        say("client: \(sessions.count) sessions open (\(terminals.count) terminals streaming a message every \(command.intervalMs) ms, \(sessions.count - terminals.count) waiting for host data)")

        let streaming = Task {
            await withTaskGroup(of: Void.self) { group in
                for session in terminals {
                    group.addTask { await Self.stream(session, traffic: traffic, interval: command.intervalMs) }
                }
            }
        }
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let totals = await traffic.totals
                say("  sent \(totals.sent), accepted by the host \(totals.acked)")
            }
        }

        try await Task.sleep(for: .seconds(command.before))
        // A failover before an LU was ever bound has no "before" to compare (a slow, busy
        // machine binds paced TN3270 LUs one by one): wait for each, at most 20 s.
        let bindDeadline = Date().addingTimeInterval(20)
        var waiting = await traffic.unacknowledgedLUs
        if !waiting.isEmpty { say("waiting for the host to accept a first message on \(waiting.joined(separator: ", "))") }
        while !waiting.isEmpty, Date() < bindDeadline {
            try await Task.sleep(for: .milliseconds(100))
            waiting = await traffic.unacknowledgedLUs
        }
        let killPid = cluster.nodes[first]?.pid ?? 0
        let killTime = await cluster.kill(first)
        story.killTime = killTime
        say("SIGKILL netmgrd \(first) (pid \(killPid)) in mid-stream")
        story.note("\(first): killed with SIGKILL", at: killTime)

        if command.engineDelayMs > 0 { try await Task.sleep(for: .milliseconds(command.engineDelayMs)) }
        for group in groups {
            say("cluster engine: activate \(group) on \(second)")
            story.note("\(second): activate \(group) requested")
            let response = try await cluster.activate([group], on: second)
            story.note("\(second): \(group) active, epoch \(response.resources.first?.epoch ?? 0)")
            say("\(second): \(group) active (epoch \(response.resources.first?.epoch ?? 0))")
        }

        try await Task.sleep(for: .seconds(command.after))
        streaming.cancel()
        await streaming.value
        say("stream stopped; waiting until the host has accepted every message")
        do {
            try await waitUntil(.seconds(30), what: "every message to be accepted") { await Self.unacknowledged(terminals).isEmpty }
        } catch let error as DeadlineExceeded {
            // Name the LUs that still hold messages, so the logs can be read for them.
            throw DeadlineExceeded(description: error.description + "; still waiting on " + (await Self.unacknowledged(terminals)).joined(separator: ", "))
        }
        // The acks reach the story through the event stream, which may still be behind.
        try await waitUntil(.seconds(10), what: "every ack event to be counted") {
            let totals = await traffic.totals
            return totals.acked >= totals.sent
        }
        progress.cancel()
        let totals = await traffic.totals
        say("all \(totals.sent) messages accepted")

        await client.shutdown()
        events.cancel()
        story.ledger = await traffic.ledger
        story.clientEvents = await traffic.events
        story.journal = try cluster.journal()
        return story.evaluate()
    }

    /// The terminals that still have messages the host has not accepted, each with its
    /// count, or why it cannot say (a session the client closed).
    static func unacknowledged(_ sessions: [LUSession]) async -> [String] {
        var waiting: [String] = []
        for session in sessions {
            do {
                let count = try await session.unacknowledged()
                if count > 0 { waiting.append("\(session.resource)/\(session.lu) (\(count) unacknowledged)") }
            } catch {
                waiting.append("\(session.resource)/\(session.lu) (\(error))")
            }
        }
        return waiting
    }

    private static func stream(_ session: LUSession, traffic: DemoTraffic, interval: Int) async {
        var serial = 0
        while !Task.isCancelled {
            serial += 1
            let record = demoRecord(lu: session.lu, serial: serial)
            do {
                try await session.submit(record)
                await traffic.sent(session.lu, digest: journalDigest(record))
            } catch {
                await traffic.note("\(session.lu): submit failed: \(error)")
                return
            }
            try? await Task.sleep(for: .milliseconds(interval))  // pacing the stream
        }
    }

    private static func consume(_ events: AsyncStream<NetMgrClientEvent>, traffic: DemoTraffic, since start: Double) async {
        for await event in events {
            switch event {
            case .messageAcked(let lu, _):
                await traffic.acked(lu)
            case .resourceMoved(let resource, let from, let to, let epoch):
                await traffic.note("client: \(resource) moved \(from ?? "-") → \(to ?? "(none active)")\(to == nil ? "" : " (epoch \(epoch))")")
            case .sessionResumed(let lu, let node, let address, let replayed):
                await traffic.note("client: \(lu) resumed on \(node) as \(address), \(replayed) message(s) sent again")
            case .serverLost(let server, let reason):
                await traffic.note("client: lost \(server): \(reason)")
            default:
                break
            }
        }
    }
}
