import CNetMgrClient
import Foundation
import NetMgrClient

/// One event as the C side sees it (netmgr_event_t before its strings are made).
struct EventRecord: Sendable {
    var type: netmgr_event_type
    var error: netmgr_error = NETMGR_OK
    var resource: String?
    var lu: String?
    var node: String?
    var previousNode: String?
    var server: String?
    var hostAddress: String?
    var state: String?
    var detail: String?
    var sequence: UInt64 = 0
    var epoch: UInt64 = 0
    var count: UInt64 = 0

    /// nil for the events the C API delivers elsewhere (host data: netmgr_receive).
    init?(_ event: NetMgrClientEvent) {
        switch event {
        case .serverConnected(let server, let node):
            self.init(type: NETMGR_EVENT_SERVER_CONNECTED)
            self.server = server.description
            self.node = node
        case .serverLost(let server, let reason):
            self.init(type: NETMGR_EVENT_SERVER_LOST)
            self.server = server.description
            detail = reason
        case .resourceMoved(let resource, let from, let to, let epoch):
            self.init(type: NETMGR_EVENT_RESOURCE_MOVED)
            self.resource = resource
            previousNode = from
            node = to
            self.epoch = epoch
        case .sessionOpened(let lu, let node, let hostAddress):
            self.init(type: NETMGR_EVENT_SESSION_OPENED)
            self.lu = lu
            self.node = node
            self.hostAddress = hostAddress
        case .sessionResumed(let lu, let node, let hostAddress, let replayed):
            self.init(type: NETMGR_EVENT_SESSION_RESUMED)
            self.lu = lu
            self.node = node
            self.hostAddress = hostAddress
            count = UInt64(max(0, replayed))
        case .sessionState(let lu, let state, let detail):
            self.init(type: NETMGR_EVENT_SESSION_STATE)
            self.lu = lu
            self.state = state
            self.detail = detail
        case .messageAcked(let lu, let sequence):
            self.init(type: NETMGR_EVENT_MESSAGE_ACKED)
            self.lu = lu
            self.sequence = sequence
        case .messageRejected(let lu, let sequence, let reason):
            self.init(type: NETMGR_EVENT_MESSAGE_FAILED)
            self.lu = lu
            self.sequence = sequence
            error = NETMGR_E_HOST_REJECTED
            detail = reason
        case .sessionRefused(let lu, let error):
            self.init(type: NETMGR_EVENT_SESSION_REFUSED)
            self.lu = lu
            self.error = CFailure.code(for: error)
            detail = error.description
        case .hostData:
            return nil
        }
    }

    init(type: netmgr_event_type) { self.type = type }

    /// The C struct, its strings allocated with strdup and appended to `strings` (the
    /// caller frees them when they stop being valid).
    func cEvent(strings: inout [UnsafeMutablePointer<CChar>]) -> netmgr_event_t {
        func c(_ value: String?) -> UnsafePointer<CChar>? {
            guard let value, let copy = strdup(value) else { return nil }
            strings.append(copy)
            return UnsafePointer(copy)
        }
        var event = netmgr_event_t()
        event.type = Int32(type.rawValue)
        event.error = Int32(error.rawValue)
        event.resource = c(resource)
        event.lu = c(lu)
        event.node = c(node)
        event.previous_node = c(previousNode)
        event.server = c(server)
        event.host_address = c(hostAddress)
        event.state = c(state)
        event.detail = c(detail)
        event.sequence = sequence
        event.epoch = epoch
        event.count = count
        return event
    }
}

/// What a netmgr_client_t stands for: the Swift client, the queue of its events (with the
/// eventfd that is readable while it is not empty), the thread that runs the event callback,
/// and the sessions it opened.
final class ClientHandle: @unchecked Sendable {
    static let eventQueueLimit = 65_536

    let client: NetMgrClient
    let eventFD: Int32
    /// The C handle's value (Registry); set once, when the handle is made.
    var token: UInt = 0

    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue = FIFO<EventRecord>()
    private var dropped: UInt64 = 0
    private var callback: netmgr_event_callback_t?
    private var userData: UnsafeMutableRawPointer?
    private var started = false
    private var closing = false
    private var sessions: [ObjectIdentifier: SessionHandle] = [:]
    /// The strings of the event netmgr_next_event returned last.
    private var currentStrings: [UnsafeMutablePointer<CChar>] = []
    private var dispatcherThread: pthread_t?
    private var dispatcherRunning = false

    private var pump: Task<Void, Never>?
    private let dispatcherDone = DispatchSemaphore(value: 0)

    init(configuration: NetMgrClientConfiguration) throws {
        let fd = netmgr_internal_eventfd()
        guard fd >= 0 else { throw CFailure(NETMGR_E_INTERNAL, "eventfd: \(String(cString: strerror(errno)))") }
        eventFD = fd
        client = NetMgrClient(configuration: configuration)
        let events = client.events
        pump = Task { [weak self] in
            for await event in events {
                guard let record = EventRecord(event) else { continue }
                guard let self else { return }
                self.enqueue(record)
            }
        }
        let thread = Thread { [self] in self.dispatch() }
        thread.name = "netmgr-events"
        condition.withLock { dispatcherRunning = true }
        thread.start()
    }

    deinit {
        for string in currentStrings { free(string) }
    }

    // MARK: Events

    private var hasEventsLocked: Bool { !queue.isEmpty || dropped > 0 }

    private func enqueue(_ record: EventRecord) {
        condition.lock()
        defer { condition.unlock() }
        guard !closing else { return }
        let wasEmpty = !hasEventsLocked
        if queue.count >= Self.eventQueueLimit {
            _ = queue.popFirst()
            dropped += 1
        }
        queue.append(record)
        if wasEmpty { netmgr_internal_eventfd_signal(eventFD) }
        condition.broadcast()
    }

    /// The next event; the eventfd stops being readable when it was the last.
    private func takeLocked() -> EventRecord? {
        var record: EventRecord?
        if dropped > 0 {
            var lost = EventRecord(type: NETMGR_EVENT_EVENTS_DROPPED)
            lost.count = dropped
            dropped = 0
            record = lost
        } else {
            record = queue.popFirst()
        }
        if !hasEventsLocked { netmgr_internal_eventfd_drain(eventFD) }
        return record
    }

    /// The event thread: while a callback is registered, hands it every event, one at a time.
    private func dispatch() {
        condition.lock()
        dispatcherThread = pthread_self()
        while true {
            while !closing && (callback == nil || !hasEventsLocked) { condition.wait() }
            if closing { break }
            guard let callback, let record = takeLocked() else { continue }
            let userData = self.userData
            condition.unlock()
            var strings: [UnsafeMutablePointer<CChar>] = []
            var event = record.cEvent(strings: &strings)
            callback(&event, userData)
            for string in strings { free(string) }
            condition.lock()
        }
        dispatcherRunning = false
        condition.unlock()
        dispatcherDone.signal()
    }

    var isDispatcherThread: Bool {
        condition.withLock { dispatcherThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    func setCallback(_ callback: netmgr_event_callback_t?, userData: UnsafeMutableRawPointer?) {
        condition.withLock {
            self.callback = callback
            self.userData = userData
            condition.broadcast()
        }
    }

    func nextEvent(into event: UnsafeMutablePointer<netmgr_event_t>, timeout: Timeout) throws {
        condition.lock()
        defer { condition.unlock() }
        for string in currentStrings { free(string) }
        currentStrings = []
        let deadline = timeout.deadline
        while true {
            if closing { throw CFailure(NETMGR_E_SHUT_DOWN, "the client is being destroyed") }
            if callback != nil { throw CFailure(NETMGR_E_STATE, "an event callback is registered: events go to it, not to the queue") }
            if hasEventsLocked { break }
            if let deadline {
                guard condition.wait(until: deadline) else { throw CFailure(NETMGR_E_TIMEOUT, "no event within \(timeout.description)") }
            } else {
                condition.wait()
            }
        }
        guard let record = takeLocked() else { throw CFailure(NETMGR_E_INTERNAL, "the event queue was empty") }
        event.pointee = record.cEvent(strings: &currentStrings)
    }

    // MARK: Life

    func start() throws {
        try condition.withLock {
            if closing { throw CFailure(NETMGR_E_SHUT_DOWN, "the client is being destroyed") }
            if started { throw CFailure(NETMGR_E_STATE, "the client was started already") }
            started = true
        }
        client.start()
    }

    func add(_ session: SessionHandle) throws {
        try condition.withLock {
            if closing { throw CFailure(NETMGR_E_SHUT_DOWN, "the client is being destroyed") }
            sessions[ObjectIdentifier(session)] = session
        }
    }

    func remove(_ session: SessionHandle) {
        _ = condition.withLock { sessions.removeValue(forKey: ObjectIdentifier(session)) }
    }

    /// Shuts down and stops everything; the registry has forgotten this handle already.
    func destroy() {
        let open: [SessionHandle] = condition.withLock {
            closing = true
            condition.broadcast()
            defer { sessions.removeAll() }
            return Array(sessions.values)
        }
        for session in open {
            Registry.shared.remove(session)
            session.end(CFailure(NETMGR_E_SHUT_DOWN, "the client of session \(session.session.resource)/\(session.session.lu) was destroyed"))
        }
        let client = self.client
        _ = try? blocking(Timeout(10_000), awaitOutcome: false, what: "the client's shutdown") { await client.shutdown() }
        pump?.cancel()
        for session in open { session.stopPump() }
        // The event thread ends once a running callback returns.
        let running = condition.withLock { dispatcherRunning }
        if running, dispatcherDone.wait(timeout: .now() + 10) == .timedOut {
            return  // a callback that never returns: leave the thread (and the eventfd) be
        }
        close(eventFD)
    }
}
