import Logging
import NIOCore
import NetMgrProtocol

/// Every decision NetMgrClient makes: which server carries each resource, where each
/// session is open, the ledger of messages the host has not accepted, replay, backoff
/// and liveness. A value type: each event is a `mutating` function that takes the time
/// and returns the actions to perform. `ClientCore` performs them and owns no logic.
///
/// Servers are numbered by their place in the configuration. Every connection attempt
/// gets a fresh `ConnectionID`; events carry it, and those of an older connection are
/// ignored.
struct ClientStateMachine {
    typealias ServerID = Int
    typealias ConnectionID = UInt64
    typealias SessionID = UInt32
    /// A `submit` waiting for room in its session's queue.
    typealias SubmitID = UInt64

    enum Timer: Hashable, Sendable {
        case reconnect(server: ServerID)
        case ping(server: ServerID, connection: ConnectionID)
        case reopen(session: SessionID)
    }

    enum Action: Equatable {
        case connect(server: ServerID, connection: ConnectionID)
        /// Write a frame on the connection (flushed soon).
        case send(ClientMessage, server: ServerID, connection: ConnectionID)
        case closeConnection(server: ServerID, connection: ConnectionID)
        /// Call `timerFired` at `deadline`. Timers are never cancelled; a stale one is ignored.
        case schedule(Timer, at: NIODeadline)
        case emit(NetMgrClientEvent)
        case log(Logger.Level, String)
        /// `openSession` of this session returns.
        case openSucceeded(session: SessionID)
        case openFailed(session: SessionID, NetMgrClientError)
        /// A waiting submit got its sequence number (its DATA is sent, if the session is open).
        case submitAccepted(SubmitID, session: SessionID, sequence: UInt64)
        case submitFailed(SubmitID, NetMgrClientError)
        /// The host accepted the message: its ledger entry is gone.
        case messageAcked(session: SessionID, sequence: UInt64)
        /// The message will never be accepted: its ledger entry is gone.
        case messageFailed(session: SessionID, sequence: UInt64, NetMgrClientError)
        case deliverHostData(session: SessionID, [UInt8])
        /// The session is gone; nothing of it is pending any more.
        case sessionEnded(session: SessionID)
        /// Everyone waiting for `resource` to be active: it is, on `node`.
        case resourceActive(resource: String, node: String)
        case resourceWaitFailed(resource: String, NetMgrClientError)
    }

    enum SubmitMode: Equatable {
        /// Wait for room in the queue (backpressure); `submitAccepted` tells when.
        case wait(SubmitID)
        /// Fail with `.queueFull` when there is no room.
        case fail
    }

    enum SubmitResult: Equatable {
        case accepted(sequence: UInt64)
        case waiting
        case refused(NetMgrClientError)
    }

    struct Entry: Equatable {
        var state: ResourceState
        var epoch: UInt64
    }

    struct Server {
        enum Connection: Equatable {
            case idle
            case connecting(ConnectionID)
            case connected(ConnectionID)
            case backingOff
        }

        let address: ServerAddress
        var connection = Connection.idle
        var node: String?
        var welcomed = false
        var tableComplete = false
        var table: [String: Entry] = [:]
        var attempt = 0
        var lastHeard = NIODeadline.uptimeNanoseconds(0)
        var pingToken: UInt64 = 0

        var connectionID: ConnectionID? {
            if case .connected(let id) = connection { return id }
            return nil
        }

        var name: String { node ?? address.description }
    }

    struct Place: Equatable {
        var server: ServerID
        var connection: ConnectionID
    }

    struct Message {
        var sequence: UInt64
        var payload: ByteBuffer
    }

    struct Session {
        let id: SessionID
        let resource: String
        let lu: String
        /// Where OPEN was sent last, on a connection still up; nil while it waits for a server.
        var place: Place?
        /// The application waits in `openSession`.
        var opening = true
        var everOpened = false
        var closing = false
        /// A server refused it; it waits for the `reopen` timer before it opens again.
        var waitingToRetry = false
        var nextSequence: UInt64 = 1
        /// The ledger: every message the host has not accepted, in sequence order.
        var unacked = CircularBuffer<Message>()
        /// Submits waiting for room in `unacked`, in order.
        var parked = CircularBuffer<(id: SubmitID, payload: ByteBuffer)>()
        /// CLOSEs sent on each connection whose answer (CLOSED, or unknown-session) is still due.
        var closesInFlight: [ConnectionID: Int] = [:]
    }

    private let configuration: NetMgrClientConfiguration
    private(set) var servers: [Server]
    private(set) var sessions: [SessionID: Session] = [:]
    /// Session ids per resource, in the order they were opened.
    private var sessionsByResource: [String: [SessionID]] = [:]
    private var nextSessionID: SessionID = 1
    private var nextConnectionID: ConnectionID = 1
    /// The server each resource is used on, to report moves.
    private var current: [String: (node: String?, epoch: UInt64)] = [:]
    private var activeWaiters: Set<String> = []
    private(set) var stopped = false

    var queueLimit: Int { max(1, configuration.sessionQueueLimit) }
    /// Repeating timers run no more often than this, whatever is configured.
    static let shortestInterval: Int64 = 1_000_000
    private var pingInterval: Int64 { max(Self.shortestInterval, configuration.pingInterval.nanoseconds) }

    init(configuration: NetMgrClientConfiguration) {
        self.configuration = configuration
        servers = configuration.servers.map { Server(address: $0) }
    }

    // MARK: - Connections

    mutating func start(now: NIODeadline) -> [Action] {
        guard !stopped else { return [] }
        var actions: [Action] = []
        for server in servers.indices where servers[server].connection == .idle { connect(server, &actions) }
        return actions
    }

    mutating func connected(server: ServerID, connection: ConnectionID, now: NIODeadline) -> [Action] {
        guard !stopped, servers[server].connection == .connecting(connection) else { return [] }
        servers[server].connection = .connected(connection)
        servers[server].attempt = 0
        servers[server].lastHeard = now
        return [
            .send(.hello(minVersion: LANProtocol.version, maxVersion: LANProtocol.version, client: configuration.clientName), server: server, connection: connection),
            .schedule(.ping(server: server, connection: connection), at: later(now, nanoseconds: pingInterval)),
        ]
    }

    mutating func connectFailed(server: ServerID, connection: ConnectionID, reason: String, now: NIODeadline) -> [Action] {
        guard !stopped, servers[server].connection == .connecting(connection) else { return [] }
        var actions: [Action] = [.log(.debug, "cannot reach \(servers[server].address): \(reason)")]
        backOff(server, now: now, &actions)
        return actions
    }

    mutating func connectionClosed(server: ServerID, connection: ConnectionID, reason: String, now: NIODeadline) -> [Action] {
        guard !stopped, servers[server].connection == .connected(connection) else { return [] }
        var actions: [Action] = [.emit(.serverLost(server: servers[server].address, reason: reason))]
        servers[server].welcomed = false
        servers[server].tableComplete = false
        servers[server].table.removeAll()
        for id in sessions.keys.sorted() {
            sessions[id]!.closesInFlight[connection] = nil
            if sessions[id]!.place?.connection == connection { unplace(id, &actions) }
        }
        backOff(server, now: now, &actions)
        reevaluateAll(&actions)
        return actions
    }

    mutating func timerFired(_ timer: Timer, now: NIODeadline) -> [Action] {
        guard !stopped else { return [] }
        var actions: [Action] = []
        switch timer {
        case .reconnect(let server):
            guard servers[server].connection == .backingOff else { return [] }
            connect(server, &actions)
        case .ping(let server, let connection):
            guard servers[server].connection == .connected(connection) else { return [] }
            if now - servers[server].lastHeard > .nanoseconds(configuration.serverTimeout.nanoseconds) {
                // Silent for too long (a cut link sends no RST): close; the close makes it lost.
                return [.closeConnection(server: server, connection: connection)]
            }
            servers[server].pingToken &+= 1
            actions.append(.send(.ping(token: servers[server].pingToken), server: server, connection: connection))
            actions.append(.schedule(.ping(server: server, connection: connection), at: later(now, nanoseconds: pingInterval)))
        case .reopen(let id):
            guard let session = sessions[id], session.waitingToRetry else { return [] }
            sessions[id]!.waitingToRetry = false
            reevaluate(session.resource, &actions)
        }
        return actions
    }

    private mutating func connect(_ server: ServerID, _ actions: inout [Action]) {
        let connection = nextConnectionID
        nextConnectionID += 1
        servers[server].connection = .connecting(connection)
        actions.append(.connect(server: server, connection: connection))
    }

    private mutating func backOff(_ server: ServerID, now: NIODeadline, _ actions: inout [Action]) {
        servers[server].connection = .backingOff
        servers[server].attempt += 1
        let initial = max(Self.shortestInterval, configuration.reconnectInitial.nanoseconds)
        let maximum = max(initial, configuration.reconnectMaximum.nanoseconds)
        let (grown, overflow) = initial.multipliedReportingOverflow(by: 1 << min(servers[server].attempt - 1, 20))
        let delay = overflow ? maximum : min(maximum, grown)
        actions.append(.schedule(.reconnect(server: server), at: later(now, nanoseconds: delay)))
    }

    // MARK: - Server messages

    mutating func received(_ message: ServerMessage, server: ServerID, connection: ConnectionID, now: NIODeadline) -> [Action] {
        guard !stopped, servers[server].connection == .connected(connection) else { return [] }
        servers[server].lastHeard = now
        var actions: [Action] = []
        switch message {
        case .welcome(_, let node, _):
            servers[server].node = node
            servers[server].welcomed = true
            actions.append(.emit(.serverConnected(server: servers[server].address, node: node)))
        case .resource(let name, let state, let epoch, _):
            guard servers[server].welcomed else { break }
            // An epoch past the cluster's ceiling would win every later choice: a server
            // that sends one is broken, so its word on this resource is not taken.
            guard (try? Epoch(validating: epoch)) != nil else {
                actions.append(.log(.error, "server \(servers[server].name): resource \(name) has epoch \(epoch), past the largest allowed (\(Epoch.maximum.value)); ignored"))
                servers[server].table[name] = nil
                reevaluate(name, &actions)
                break
            }
            servers[server].table[name] = Entry(state: state, epoch: epoch)
            reevaluate(name, &actions)
        case .tableEnd:
            guard servers[server].welcomed else { break }
            servers[server].tableComplete = true
            reevaluateAll(&actions)
        case .opened(let id, let state, let hostAddress):
            guard let session = sessions[id], session.place == Place(server: server, connection: connection) else { break }
            let node = servers[server].name
            if session.everOpened {
                actions.append(.emit(.sessionResumed(lu: session.lu, node: node, hostAddress: hostAddress, replayed: session.unacked.count)))
            } else {
                sessions[id]!.everOpened = true
                actions.append(.emit(.sessionOpened(lu: session.lu, node: node, hostAddress: hostAddress)))
            }
            actions.append(.emit(.sessionState(lu: session.lu, state: state.description, detail: "")))
            if session.opening {
                sessions[id]!.opening = false
                actions.append(.openSucceeded(session: id))
            }
        case .session(let id, let state, let detail):
            guard let session = sessions[id], session.place == Place(server: server, connection: connection) else { break }
            actions.append(.emit(.sessionState(lu: session.lu, state: state.description, detail: detail)))
        case .ack(let id, let sequence):
            // An ack from any server counts: the host accepted the message, wherever.
            guard sessions[id] != nil else { break }
            acknowledge(id, through: sequence, &actions)
        case .hostData(let id, _, let payload):
            guard let session = sessions[id] else { break }
            let bytes = Array(payload.readableBytesView)
            actions.append(.deliverHostData(session: id, bytes))
            actions.append(.emit(.hostData(lu: session.lu, bytes: bytes)))
        case .error(let id, let code, let sequence, let text):
            serverError(server: server, connection: connection, session: id, code: code, sequence: sequence, text: text, now: now, &actions)
        case .closed(let id):
            guard let session = sessions[id] else { break }
            let here = session.place == Place(server: server, connection: connection)
            if session.closing && here {
                endSession(id, &actions)
            } else if let due = session.closesInFlight[connection], due > 0 {
                sessions[id]!.closesInFlight[connection] = due == 1 ? nil : due - 1
            } else if here {
                // The server dropped the session: open it again where the resource is active.
                sessions[id]!.place = nil
                reevaluate(session.resource, &actions)
            }
        case .pong, .hostConnection:
            break  // host connections go to peer netmgrds only
        case .goodbye(let reason):
            // The server leaves gracefully: forget its table now instead of waiting for the close.
            actions.append(.log(.info, "server \(servers[server].name) says goodbye: \(reason)"))
            servers[server].table.removeAll()
            servers[server].tableComplete = false
            for id in sessions.keys.sorted() where sessions[id]!.place?.connection == connection { unplace(id, &actions) }
            reevaluateAll(&actions)
        }
        return actions
    }

    private mutating func serverError(server: ServerID, connection: ConnectionID, session id: SessionID, code: LANErrorCode,
                                      sequence: UInt64, text: String, now: NIODeadline, _ actions: inout [Action]) {
        guard id != 0 else {
            let serious = code == .unsupportedVersion || code == .licenceExhausted || code == .notAuthorised
            actions.append(.log(serious ? .error : .warning, "server \(servers[server].name): \(code): \(text)"))
            return
        }
        guard let session = sessions[id] else {
            // About a session that has ended meanwhile (e.g. the answer to its CLOSE).
            actions.append(.log(.debug, "server \(servers[server].name), ended session \(id): \(code): \(text)"))
            return
        }
        let error = NetMgrClientError(code: code, resource: session.resource, lu: session.lu, sequence: sequence, message: text)
        if code == .hostRejected || (code == .queueFull && sequence != 0) {
            // Final: the host refused this message for good, or the server would not queue
            // it (later ones may have gone on). Drop it so it is never replayed.
            guard let index = session.unacked.firstIndex(where: { $0.sequence == sequence }) else { return }
            sessions[id]!.unacked.remove(at: index)
            actions.append(.messageFailed(session: id, sequence: sequence, error))
            actions.append(.emit(.messageRejected(lu: session.lu, sequence: sequence, reason: text)))
            admitParked(id, &actions)
            return
        }
        if code == .unknownSession, sequence == 0, let due = session.closesInFlight[connection], due > 0 {
            // The answer to a CLOSE of ours: the server had already dropped the session.
            sessions[id]!.closesInFlight[connection] = due == 1 ? nil : due - 1
            return
        }
        guard session.place == Place(server: server, connection: connection) else { return }
        switch code {
        case .unknownResource, .unknownLU, .malformed, .notAuthorised:
            // Final: every server of the cluster has the same definitions.
            actions.append(.log(.error, "session \(session.resource)/\(session.lu) on \(servers[server].name): \(error)"))
            fail(id, with: error, &actions)
        default:
            if session.closing {
                // Being closed, and the server no longer holds it: nothing more will come.
                endSession(id, &actions)
                return
            }
            // Refused for now (not active there, LU still held, ...): try again after a pause.
            actions.append(.emit(.sessionRefused(lu: session.lu, error: error)))
            if (code == .notActive && sequence != 0) || code == .sessionExists {
                // The server still holds the session; close it there so it can open afresh.
                actions.append(.send(.close(session: id), server: server, connection: connection))
                sessions[id]!.closesInFlight[connection, default: 0] += 1
            }
            sessions[id]!.place = nil
            sessions[id]!.waitingToRetry = true
            actions.append(.schedule(.reopen(session: id), at: later(now, configuration.reopenDelay)))
        }
    }

    private mutating func acknowledge(_ id: SessionID, through sequence: UInt64, _ actions: inout [Action]) {
        let lu = sessions[id]!.lu
        while let first = sessions[id]!.unacked.first, first.sequence <= sequence {
            sessions[id]!.unacked.removeFirst()
            actions.append(.messageAcked(session: id, sequence: first.sequence))
            actions.append(.emit(.messageAcked(lu: lu, sequence: first.sequence)))
        }
        admitParked(id, &actions)
    }

    // MARK: - Selection

    /// The server to use for a resource: connected, reporting it active, highest epoch
    /// (the first in configuration order on a tie).
    func best(for resource: String) -> ServerID? {
        var choice: ServerID?
        var epoch: UInt64 = 0
        for index in servers.indices where servers[index].welcomed && servers[index].connectionID != nil {
            if let entry = servers[index].table[resource], entry.state == .active, choice == nil || entry.epoch > epoch {
                choice = index
                epoch = entry.epoch
            }
        }
        return choice
    }

    /// True when some server sent its whole table and no connected server knows `resource`.
    private func isUnknown(_ resource: String) -> Bool {
        var anyComplete = false
        for server in servers where server.welcomed && server.connectionID != nil {
            if server.table[resource] != nil { return false }
            if server.tableComplete { anyComplete = true }
        }
        return anyComplete
    }

    private mutating func reevaluateAll(_ actions: inout [Action]) {
        var names = Set(current.keys).union(activeWaiters).union(sessionsByResource.keys)
        for server in servers { names.formUnion(server.table.keys) }
        for name in names.sorted() { reevaluate(name, &actions) }
    }

    private mutating func reevaluate(_ resource: String, _ actions: inout [Action]) {
        let choice = best(for: resource)
        let epoch = choice.flatMap { servers[$0].table[resource]?.epoch } ?? 0
        let node = choice.map { servers[$0].name }
        let previous = current[resource]
        if previous?.node != node || (node != nil && previous?.epoch != epoch) {
            current[resource] = (node, epoch)
            if previous != nil || node != nil {
                actions.append(.emit(.resourceMoved(resource: resource, from: previous?.node ?? nil, to: node, epoch: epoch)))
            }
        }
        if let node, activeWaiters.remove(resource) != nil {
            actions.append(.resourceActive(resource: resource, node: node))
        }
        let unknown = choice == nil && isUnknown(resource)
        if unknown, activeWaiters.remove(resource) != nil {
            actions.append(.resourceWaitFailed(resource: resource, .unknownResource(resource: resource, detail: "no server defines it")))
        }
        for id in sessionsByResource[resource] ?? [] {
            guard let session = sessions[id], !session.closing, !session.waitingToRetry else { continue }
            if unknown && session.opening {
                fail(id, with: .unknownResource(resource: resource, detail: "no server defines it"), &actions)
            } else if session.place?.server != choice {
                move(id, to: choice, &actions)
            }
        }
    }

    /// Re-opens a session on `target` and sends again every message not yet acked.
    private mutating func move(_ id: SessionID, to target: ServerID?, _ actions: inout [Action]) {
        if let old = sessions[id]!.place {
            actions.append(.send(.close(session: id), server: old.server, connection: old.connection))
            sessions[id]!.closesInFlight[old.connection, default: 0] += 1
            sessions[id]!.place = nil
        }
        guard let target, let connection = servers[target].connectionID else { return }
        let session = sessions[id]!
        sessions[id]!.place = Place(server: target, connection: connection)
        actions.append(.send(.open(session: id, resource: session.resource, lu: session.lu), server: target, connection: connection))
        for message in session.unacked {
            actions.append(.send(.data(session: id, sequence: message.sequence, payload: message.payload), server: target, connection: connection))
        }
    }

    /// The session's server is gone (lost or leaving): it waits for the next one.
    private mutating func unplace(_ id: SessionID, _ actions: inout [Action]) {
        sessions[id]!.place = nil
        if sessions[id]!.closing { endSession(id, &actions) }
    }

    // MARK: - Application calls

    mutating func openSession(resource: String, lu: String, now: NIODeadline) -> (SessionID, [Action]) {
        var id = nextSessionID
        // Session 0 means the connection itself; skip ids still in use after a wrap.
        while id == 0 || sessions[id] != nil { id &+= 1 }
        nextSessionID = id &+ 1
        guard !stopped else { return (id, [.openFailed(session: id, .clientShutDown), .sessionEnded(session: id)]) }
        sessions[id] = Session(id: id, resource: resource, lu: lu)
        sessionsByResource[resource, default: []].append(id)
        var actions: [Action] = []
        reevaluate(resource, &actions)
        return (id, actions)
    }

    /// Queues a message; `resource` and `lu` name the session in errors.
    mutating func submit(session id: SessionID, resource: String, lu: String, payload: ByteBuffer, mode: SubmitMode) -> (SubmitResult, [Action]) {
        guard !stopped else { return (.refused(.clientShutDown), []) }
        // Reads fields, not a copy of the session: a copy would make the append below copy the ledger.
        guard sessions[id]?.closing == false else { return (.refused(.sessionClosed(resource: resource, lu: lu)), []) }
        guard payload.readableBytes <= NetMgrClientConfiguration.maximumMessageSize else {
            return (.refused(.tooLarge(resource: resource, lu: lu, size: payload.readableBytes, limit: NetMgrClientConfiguration.maximumMessageSize)), [])
        }
        if sessions[id]!.unacked.count < queueLimit && sessions[id]!.parked.isEmpty {
            var actions: [Action] = []
            return (.accepted(sequence: enqueue(id, payload, &actions)), actions)
        }
        switch mode {
        case .fail:
            return (.refused(.queueFull(resource: resource, lu: lu, limit: queueLimit)), [])
        case .wait(let submit):
            sessions[id]!.parked.append((submit, payload))
            return (.waiting, [])
        }
    }

    /// A waiting submit gave up (its task was cancelled). True when it was still waiting.
    mutating func cancelSubmit(_ submit: SubmitID, session id: SessionID) -> Bool {
        guard let index = sessions[id]?.parked.firstIndex(where: { $0.id == submit }) else { return false }
        sessions[id]!.parked.remove(at: index)
        return true
    }

    private mutating func enqueue(_ id: SessionID, _ payload: ByteBuffer, _ actions: inout [Action]) -> UInt64 {
        let sequence = sessions[id]!.nextSequence
        sessions[id]!.nextSequence += 1
        sessions[id]!.unacked.append(Message(sequence: sequence, payload: payload))
        if let place = sessions[id]!.place {
            actions.append(.send(.data(session: id, sequence: sequence, payload: payload), server: place.server, connection: place.connection))
        }
        return sequence
    }

    private mutating func admitParked(_ id: SessionID, _ actions: inout [Action]) {
        while sessions[id]!.unacked.count < queueLimit, let next = sessions[id]!.parked.popFirst() {
            let sequence = enqueue(id, next.payload, &actions)
            actions.append(.submitAccepted(next.id, session: id, sequence: sequence))
        }
    }

    /// Closes the session: whatever the host has not accepted fails with `.sessionClosed`.
    mutating func close(session id: SessionID) -> [Action] {
        guard let session = sessions[id], !session.closing else { return [] }
        var actions: [Action] = []
        sessions[id]!.closing = true
        failPending(id, with: .sessionClosed(resource: session.resource, lu: session.lu), &actions)
        if let place = session.place {
            actions.append(.send(.close(session: id), server: place.server, connection: place.connection))
        } else {
            endSession(id, &actions)
        }
        return actions
    }

    func unackedCount(session id: SessionID) -> Int? { sessions[id]?.unacked.count }

    mutating func waitUntilActive(_ resource: String) -> [Action] {
        guard !stopped else { return [.resourceWaitFailed(resource: resource, .clientShutDown)] }
        activeWaiters.insert(resource)
        var actions: [Action] = []
        reevaluate(resource, &actions)
        return actions
    }

    /// Fails everything pending with `.clientShutDown` and closes every connection.
    mutating func shutdown() -> [Action] {
        guard !stopped else { return [] }
        stopped = true
        var actions: [Action] = []
        for resource in activeWaiters.sorted() { actions.append(.resourceWaitFailed(resource: resource, .clientShutDown)) }
        activeWaiters.removeAll()
        for id in sessions.keys.sorted() {
            failPending(id, with: .clientShutDown, &actions)
            endSession(id, &actions)
        }
        for index in servers.indices {
            if let connection = servers[index].connectionID { actions.append(.closeConnection(server: index, connection: connection)) }
            servers[index].connection = .idle
        }
        return actions
    }

    /// The session ends for good with `error` (e.g. the LU does not exist).
    private mutating func fail(_ id: SessionID, with error: NetMgrClientError, _ actions: inout [Action]) {
        failPending(id, with: error, &actions)
        if let place = sessions[id]!.place {
            // OPEN was refused, so nothing is open there; the CLOSE only tidies a server that disagrees.
            actions.append(.send(.close(session: id), server: place.server, connection: place.connection))
        }
        endSession(id, &actions)
    }

    private mutating func failPending(_ id: SessionID, with error: NetMgrClientError, _ actions: inout [Action]) {
        if sessions[id]!.opening {
            sessions[id]!.opening = false
            actions.append(.openFailed(session: id, error))
        }
        while let message = sessions[id]!.unacked.popFirst() {
            actions.append(.messageFailed(session: id, sequence: message.sequence, error))
        }
        while let parked = sessions[id]!.parked.popFirst() {
            actions.append(.submitFailed(parked.id, error))
        }
    }

    private mutating func endSession(_ id: SessionID, _ actions: inout [Action]) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        sessionsByResource[session.resource]?.removeAll { $0 == id }
        if sessionsByResource[session.resource]?.isEmpty == true { sessionsByResource[session.resource] = nil }
        actions.append(.sessionEnded(session: id))
    }

    private func later(_ now: NIODeadline, _ duration: Duration) -> NIODeadline {
        later(now, nanoseconds: duration.nanoseconds)
    }

    private func later(_ now: NIODeadline, nanoseconds: Int64) -> NIODeadline {
        let ceiling = NIODeadline.distantFuture.uptimeNanoseconds
        let (sum, overflow) = now.uptimeNanoseconds.addingReportingOverflow(UInt64(max(0, nanoseconds)))
        return .uptimeNanoseconds(overflow ? ceiling : min(sum, ceiling))
    }
}
