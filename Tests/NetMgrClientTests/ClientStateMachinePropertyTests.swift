import NIOCore
@testable import NetMgrClient
import NetMgrProtocol
import PropertyBased
import Testing

/// Three servers played by the test, faithful to the LAN protocol's rules (docs/PROTOCOL.md):
/// they answer frames the way netmgrd does, and a random script makes them lose the
/// connection, say goodbye, activate with a newer epoch, deactivate, ack (also again),
/// refuse messages, send host data and hand an LU to another client. The application
/// submits on three sessions meanwhile. Frames from a server reach the client in order,
/// whenever the script says.
final class ScriptedCluster {
    typealias Machine = ClientStateMachine

    struct ModelServer {
        /// What this server would report: state and epoch per resource.
        var truth: [String: ClientStateMachine.Entry] = [:]
        var pending: Machine.ConnectionID?
        var connection: Machine.ConnectionID?
        /// Frames on their way to the client.
        var inbound: [ServerMessage] = []
        /// Sessions registered on the current connection, and the sequences the host took from each.
        var registered: [UInt32: (resource: String, received: [UInt64])] = [:]
        /// The client's view of this server: what it was told (welcome and RESOURCE frames delivered).
        var welcomed = false
        var view: [String: ClientStateMachine.Entry] = [:]
    }

    enum Completion: Equatable {
        case acked
        case failed(NetMgrClientError)
    }

    static let resources = ["R1", "R2"]
    static let lus = [("R1", "LU1"), ("R1", "LU2"), ("R2", "LU3")]

    var machine: Machine
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var servers = [ModelServer](repeating: ModelServer(), count: 3)
    var timers: [(timer: Machine.Timer, at: NIODeadline)] = []
    /// The sessions the application uses now, one per LU, and every session it ever opened.
    var sessions: [UInt32] = []
    var everOpened: [UInt32] = []
    /// Sessions the application closed, and those of them the client has ended.
    var closed: Set<UInt32> = []
    var ended: Set<UInt32> = []
    var maxEpoch: UInt64 = 1
    /// Per session: the payload counters accepted, in sequence order, and each sequence's counter.
    var accepted: [UInt32: [(sequence: UInt64, counter: Int)]] = [:]
    var submitCounter: [UInt32: Int] = [:]
    var parked: [Machine.SubmitID: (session: UInt32, counter: Int)] = [:]
    var nextSubmit: Machine.SubmitID = 1
    var completions: [UInt32: [UInt64: Completion]] = [:]
    var lastAcked: [UInt32: UInt64] = [:]
    /// Every (session, sequence) some server took from the client.
    var everReceived: Set<[UInt64]> = []
    /// Per (connection, session): the last DATA sequence sent since the last OPEN there.
    var lastSent: [[UInt64]: UInt64] = [:]
    var problems: [String] = []

    init(queueLimit: Int) {
        var configuration = NetMgrClientConfiguration(servers: (1...3).map { ServerAddress(host: "127.0.0.\($0)", port: 7301) }, clientName: "property")
        configuration.sessionQueueLimit = queueLimit
        machine = Machine(configuration: configuration)
        for index in servers.indices {
            for resource in Self.resources { servers[index].truth[resource] = .init(state: .standby, epoch: 0) }
        }
        servers[0].truth["R1"] = .init(state: .active, epoch: 1)
        perform(machine.start(now: now))
        for (resource, lu) in Self.lus {
            let (id, actions) = machine.openSession(resource: resource, lu: lu, now: now)
            sessions.append(id)
            everOpened.append(id)
            perform(actions)
        }
    }

    // MARK: - The client's actions, as the servers and the application see them

    func perform(_ actions: [Machine.Action]) {
        for action in actions { perform(action) }
    }

    func perform(_ action: Machine.Action) {
        switch action {
        case .connect(let server, let connection):
            servers[server].pending = connection
        case .send(let message, let server, let connection):
            guard servers[server].connection == connection else { return }
            serve(message, on: server, connection: connection)
        case .closeConnection(let server, let connection):
            if servers[server].connection == connection { lose(server) }
        case .schedule(let timer, let deadline):
            timers.append((timer, deadline))
        case .messageAcked(let session, let sequence):
            if !everReceived.contains([UInt64(session), sequence]) { problems.append("session \(session) seq \(sequence) acked but no server took it") }
            if let last = lastAcked[session], last >= sequence { problems.append("session \(session): seq \(sequence) acked after seq \(last)") }
            lastAcked[session] = sequence
            complete(session, sequence, .acked)
        case .messageFailed(let session, let sequence, let error):
            complete(session, sequence, .failed(error))
        case .submitAccepted(let submit, let session, let sequence):
            guard let waiting = parked.removeValue(forKey: submit) else { return problems.append("unknown submit \(submit) accepted") }
            accept(session, sequence: sequence, counter: waiting.counter)
        case .submitFailed(let submit, let error):
            guard let waiting = parked.removeValue(forKey: submit), closed.contains(waiting.session), case .sessionClosed = error else {
                return problems.append("submit \(submit) failed: \(error)")
            }
        case .openFailed(let session, let error):
            guard closed.contains(session), case .sessionClosed = error else { return problems.append("open of session \(session) failed: \(error)") }
        case .sessionEnded(let session):
            if !closed.contains(session) { problems.append("session \(session) ended unasked") }
            if !ended.insert(session).inserted { problems.append("session \(session) ended twice") }
        case .emit, .log, .openSucceeded, .deliverHostData, .resourceActive, .resourceWaitFailed:
            break
        }
    }

    private func complete(_ session: UInt32, _ sequence: UInt64, _ completion: Completion) {
        if let earlier = completions[session]?[sequence] {
            problems.append("session \(session) seq \(sequence) completed twice: \(earlier), then \(completion)")
        }
        if !(accepted[session] ?? []).contains(where: { $0.sequence == sequence }) {
            problems.append("session \(session) seq \(sequence) completed but never submitted")
        }
        completions[session, default: [:]][sequence] = completion
    }

    private func accept(_ session: UInt32, sequence: UInt64, counter: Int) {
        if let last = accepted[session]?.last, last.sequence >= sequence || last.counter >= counter {
            problems.append("session \(session): seq \(sequence) (submit \(counter)) after seq \(last.sequence) (submit \(last.counter))")
        }
        accepted[session, default: []].append((sequence, counter))
    }

    /// A server takes a client frame as netmgrd's router does.
    private func serve(_ message: ClientMessage, on server: Int, connection: Machine.ConnectionID) {
        switch message {
        case .hello:
            servers[server].inbound.append(.welcome(version: 1, node: "node-\(server)", cluster: "property"))
            for resource in Self.resources {
                let entry = servers[server].truth[resource]!
                servers[server].inbound.append(.resource(name: resource, state: entry.state, epoch: entry.epoch, node: "node-\(server)"))
            }
            servers[server].inbound.append(.tableEnd)
        case .open(let session, let resource, _):
            lastSent[[connection, UInt64(session)]] = nil
            if servers[server].registered[session] != nil {
                servers[server].inbound.append(.error(session: session, code: .sessionExists, sequence: 0, message: "already open"))
            } else if !Self.takesSessions(servers[server].truth[resource]?.state) {
                servers[server].inbound.append(.error(session: session, code: .notActive, sequence: 0, message: "\(resource) not active"))
            } else {
                servers[server].registered[session] = (resource, [])
                servers[server].inbound.append(.opened(session: session, state: .bound, hostAddress: "10.0.0.\(server)"))
            }
        case .data(let session, let sequence, _):
            let key: [UInt64] = [connection, UInt64(session)]
            if let last = lastSent[key], last >= sequence { problems.append("session \(session): DATA \(sequence) after \(last) on one connection") }
            lastSent[key] = sequence
            guard let entry = servers[server].registered[session] else {
                servers[server].inbound.append(.error(session: session, code: .unknownSession, sequence: sequence, message: "no session"))
                return
            }
            guard Self.takesSessions(servers[server].truth[entry.resource]?.state) else {
                // Deactivating: the session is still registered, but takes no message.
                servers[server].inbound.append(.error(session: session, code: .notActive, sequence: sequence, message: "deactivating"))
                return
            }
            if !servers[server].registered[session]!.received.contains(sequence) { servers[server].registered[session]!.received.append(sequence) }
            everReceived.insert([UInt64(session), sequence])
        case .close(let session):
            if servers[server].registered.removeValue(forKey: session) != nil {
                servers[server].inbound.append(.closed(session: session))
            } else {
                servers[server].inbound.append(.error(session: session, code: .unknownSession, sequence: 0, message: "no session"))
            }
        case .ping(let token):
            servers[server].inbound.append(.pong(token: token))
        case .watchConnections:
            problems.append("a client sent WATCH-CONNECTIONS")
        }
    }

    // MARK: - Server events

    func deliver(_ server: Int, count: Int) {
        for _ in 0..<count {
            guard let connection = servers[server].connection, !servers[server].inbound.isEmpty else { return }
            let message = servers[server].inbound.removeFirst()
            switch message {
            case .welcome: servers[server].welcomed = true
            case .resource(let name, let state, let epoch, _): servers[server].view[name] = .init(state: state, epoch: epoch)
            case .goodbye: servers[server].view.removeAll()
            default: break
            }
            perform(machine.received(message, server: server, connection: connection, now: now))
        }
    }

    func lose(_ server: Int) {
        guard let connection = servers[server].connection else { return }
        servers[server].connection = nil
        servers[server].inbound.removeAll()
        servers[server].registered.removeAll()
        servers[server].welcomed = false
        servers[server].view.removeAll()
        perform(machine.connectionClosed(server: server, connection: connection, reason: "lost", now: now))
    }

    func connectResult(_ server: Int, succeeds: Bool) {
        guard let connection = servers[server].pending else { return }
        servers[server].pending = nil
        if succeeds {
            servers[server].connection = connection
            perform(machine.connected(server: server, connection: connection, now: now))
        } else {
            perform(machine.connectFailed(server: server, connection: connection, reason: "refused", now: now))
        }
    }

    /// netmgrd opens sessions and takes messages while a resource is activating or active.
    static func takesSessions(_ state: ResourceState?) -> Bool { state == .active || state == .activating }

    func set(_ server: Int, _ resource: String, _ state: ResourceState, epoch: UInt64) {
        let hadSessions = servers[server].truth[resource].map { $0.state != .standby } ?? false
        servers[server].truth[resource] = .init(state: state, epoch: epoch)
        maxEpoch = max(maxEpoch, epoch)
        guard servers[server].connection != nil else { return }
        servers[server].inbound.append(.resource(name: resource, state: state, epoch: epoch, node: "node-\(server)"))
        if hadSessions && state == .standby {
            // Deactivation finished: the resource left this node, its sessions end here.
            for (session, entry) in servers[server].registered.sorted(by: { $0.key < $1.key }) where entry.resource == resource {
                servers[server].registered[session] = nil
                servers[server].inbound.append(.error(session: session, code: .deactivated, sequence: 0, message: "\(resource) deactivated"))
                servers[server].inbound.append(.closed(session: session))
            }
        }
    }

    func goodbye(_ server: Int) {
        guard servers[server].connection != nil else { return }
        servers[server].inbound.append(.goodbye(reason: "shutting down"))
    }

    /// A server acks (cumulatively) one of the sequences the host took on a session; `pick` chooses which.
    func ack(_ server: Int, pick: Int) {
        guard let (session, entry) = registeredSession(server, pick), !entry.received.isEmpty else { return }
        servers[server].inbound.append(.ack(session: session, sequence: entry.received[(pick / 7) % entry.received.count]))
    }

    func reject(_ server: Int, pick: Int) {
        guard let (session, entry) = registeredSession(server, pick), !entry.received.isEmpty else { return }
        // Every other one is the server refusing it as queue-full: the client must treat both alike.
        servers[server].inbound.append(.error(session: session, code: pick % 2 == 0 ? .hostRejected : .queueFull,
                                              sequence: entry.received[(pick / 7) % entry.received.count],
                                              message: "the host closed the connection on it 3 times"))
    }

    func hostData(_ server: Int, pick: Int) {
        guard let (session, _) = registeredSession(server, pick) else { return }
        servers[server].inbound.append(.hostData(session: session, sequence: UInt64(pick), payload: ByteBuffer(bytes: [0xF5])))
    }

    /// Another connection of the same client takes the LU over: this one loses the session.
    func takeOver(_ server: Int, pick: Int) {
        guard let (session, _) = registeredSession(server, pick) else { return }
        servers[server].registered[session] = nil
        servers[server].inbound.append(.error(session: session, code: .luInUse, sequence: 0, message: "taken over"))
        servers[server].inbound.append(.closed(session: session))
    }

    private func registeredSession(_ server: Int, _ pick: Int) -> (UInt32, (resource: String, received: [UInt64]))? {
        let all = servers[server].registered.sorted { $0.key < $1.key }
        guard !all.isEmpty else { return nil }
        let chosen = all[pick % all.count]
        return (chosen.key, chosen.value)
    }

    func fireEarliestTimer() {
        guard let index = timers.indices.min(by: { timers[$0].at < timers[$1].at }) else { return }
        let (timer, deadline) = timers.remove(at: index)
        if deadline > now { now = deadline }
        perform(machine.timerFired(timer, now: now))
    }

    func submit(_ index: Int, wait: Bool) {
        let session = sessions[index]
        let counter = submitCounter[session, default: 0] + 1
        submitCounter[session] = counter
        let submit = nextSubmit
        nextSubmit += 1
        let (result, actions) = machine.submit(session: session, resource: "?", lu: "?", payload: ByteBuffer(bytes: [UInt8(index), UInt8(counter & 0xFF)]),
                                               mode: wait ? .wait(submit) : .fail)
        switch result {
        case .accepted(let sequence): accept(session, sequence: sequence, counter: counter)
        case .waiting: parked[submit] = (session, counter)
        case .refused(.queueFull): break
        case .refused(let error): problems.append("submit refused: \(error)")
        }
        perform(actions)
    }

    // MARK: - Invariants

    /// The server the client should use for `resource`: from what it was told, among the
    /// connected servers that welcomed it, the active one with the highest epoch.
    func expectedServer(_ resource: String) -> Int? {
        var choice: (server: Int, epoch: UInt64)?
        for index in servers.indices where servers[index].connection != nil && servers[index].welcomed {
            if let entry = servers[index].view[resource], entry.state == .active, entry.epoch > choice?.epoch ?? 0 || choice == nil {
                choice = (index, entry.epoch)
            }
        }
        return choice?.server
    }

    func checkPlacement(after step: String) {
        for resource in Self.resources {
            let expected = expectedServer(resource)
            if machine.best(for: resource) != expected {
                problems.append("after \(step): \(resource) on \(machine.best(for: resource).map(String.init) ?? "none"), expected \(expected.map(String.init) ?? "none")")
            }
        }
        for (id, session) in machine.sessions where !session.waitingToRetry && !session.closing {
            if session.place?.server != expectedServer(session.resource) {
                problems.append("after \(step): session \(id) of \(session.resource) placed on \(session.place.map { String($0.server) } ?? "none"), expected \(expectedServer(session.resource).map(String.init) ?? "none")")
            }
            if let place = session.place, servers[place.server].connection != place.connection {
                problems.append("after \(step): session \(id) placed on a connection that is gone")
            }
        }
    }

    /// Node 0 becomes the only active server; everyone connects, every frame is delivered,
    /// node 0 acks everything, until the client holds nothing.
    func settle() {
        for index in servers.indices {
            for resource in Self.resources {
                set(index, resource, index == 0 ? .active : .standby, epoch: index == 0 ? maxEpoch + 1 : 0)
            }
        }
        for _ in 0..<2_000 {
            let done = machine.sessions.values.allSatisfy { $0.unacked.isEmpty && $0.parked.isEmpty && $0.everOpened }
            if done && parked.isEmpty { return }
            var progressed = false
            for index in servers.indices where servers[index].pending != nil {
                connectResult(index, succeeds: true)
                progressed = true
            }
            for index in servers.indices where !servers[index].inbound.isEmpty && servers[index].connection != nil {
                deliver(index, count: servers[index].inbound.count)
                progressed = true
            }
            for (session, entry) in servers[0].registered.sorted(by: { $0.key < $1.key }) {
                guard let last = entry.received.max(), (machine.sessions[session]?.unacked.first?.sequence ?? .max) <= last else { continue }
                servers[0].inbound.append(.ack(session: session, sequence: last))
                progressed = true
            }
            if !progressed { fireEarliestTimer() }
        }
        problems.append("the client still holds messages after settling: \(machine.sessions.values.map { "\($0.id): \($0.unacked.count) unacked, \($0.parked.count) waiting" })")
    }

    /// The application closes a session and opens a new one on the same LU.
    func closeAndReopen(_ index: Int) {
        let old = sessions[index]
        closed.insert(old)
        perform(machine.close(session: old))
        let (resource, lu) = Self.lus[index]
        let (id, actions) = machine.openSession(resource: resource, lu: lu, now: now)
        sessions[index] = id
        everOpened.append(id)
        perform(actions)
    }

    func checkNothingLost() {
        if !parked.isEmpty { problems.append("submits still waiting: \(parked.keys.sorted())") }
        if closed != ended { problems.append("closed sessions not ended: \(closed.subtracting(ended).sorted())") }
        for session in everOpened {
            for message in accepted[session] ?? [] {
                switch completions[session]?[message.sequence] {
                case nil: problems.append("session \(session) seq \(message.sequence) was neither acked nor failed")
                case .acked?, .failed(.hostRejected)?, .failed(.serverQueueFull)?: break
                case .failed(.sessionClosed)? where closed.contains(session): break
                case .failed(let error)?: problems.append("session \(session) seq \(message.sequence) failed with \(error)")
                }
            }
        }
    }

    func run(_ script: [Int]) {
        for (number, value) in script.enumerated() {
            let kind = value % 16, pick = value / 16, server = pick % 3
            let step = "step \(number) (\(value))"
            switch kind {
            case 0, 1: deliver(server, count: pick / 3 % 4 + 1)
            case 2:
                maxEpoch += 1
                set(server, Self.resources[pick / 3 % 2], .active, epoch: maxEpoch)
            case 3: set(server, Self.resources[pick / 3 % 2], ResourceState.allCases[pick / 6 % 4], epoch: UInt64(pick / 24) % (maxEpoch + 1))
            case 4: lose(server)
            case 5: goodbye(server)
            case 6, 7: ack(server, pick: pick / 3)
            case 8: reject(server, pick: pick / 3)
            case 9: hostData(server, pick: pick / 3)
            case 10: takeOver(server, pick: pick / 3)
            case 11: connectResult(server, succeeds: pick / 3 % 3 != 0)
            case 12: fireEarliestTimer()
            case 13, 14: submit(pick % 3, wait: pick / 3 % 2 == 0)
            default:
                if pick % 8 == 0 { closeAndReopen(pick / 8 % 3) } else { now = now + .milliseconds(Int64(pick % 3_000)) }
            }
            checkPlacement(after: step)
        }
        settle()
        checkPlacement(after: "settling")
        checkNothingLost()
    }
}

@Suite("NetMgrClient state machine, random server events")
struct ClientStateMachinePropertyTests {
    @Test("the highest-epoch active server is used, nothing submitted is lost, order is kept, duplicate acks are harmless")
    func randomEvents() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...9_999).array(of: 20...300), Gen.int(in: 1...6)) { script, queueLimit in
            let cluster = ScriptedCluster(queueLimit: queueLimit)
            cluster.run(script)
            #expect(cluster.problems.isEmpty, "\(cluster.problems.prefix(5))")
        }
    }
}
