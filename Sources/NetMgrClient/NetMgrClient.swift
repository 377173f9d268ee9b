import Logging
import NIOCore
import NIOPosix
import NetMgrProtocol

/// The library applications link to reach the host through netmgr.
///
/// Give it every server of the cluster. It learns which server has each resource active
/// (the highest activation epoch wins) and opens LU sessions there. When that server is
/// lost, says goodbye, deactivates the resource, or a newer epoch appears elsewhere, it
/// moves the sessions by itself and sends again every message the host has not accepted,
/// in order; sessions that only wait for host data move too. Applications never restart.
///
/// Failures are `NetMgrClientError` values; its documentation says which call throws what.
/// Call `shutdown()` when done: connections and timers live until then.
public final class NetMgrClient: Sendable {
    let loop: EventLoop
    let core: NIOLoopBoundBox<ClientCore>
    /// Everything that happens: servers found and lost, resources moving, sessions
    /// resuming, messages acked. Single consumer.
    public let events: AsyncStream<NetMgrClientEvent>

    /// Returns at once; nothing is connected before `start()`.
    public init(configuration: NetMgrClientConfiguration, eventLoop: EventLoop = MultiThreadedEventLoopGroup.singleton.next(),
                logger: Logger = Logger(label: "netmgr.client")) {
        let (stream, continuation) = AsyncStream.makeStream(of: NetMgrClientEvent.self, bufferingPolicy: .bufferingNewest(100_000))
        self.events = stream
        self.loop = eventLoop
        // Built here and handed to the loop, which alone touches it from now on.
        self.core = .makeBoxSendingValue(ClientCore(loop: eventLoop, configuration: configuration, logger: logger, events: continuation),
                                         eventLoop: eventLoop)
    }

    /// Starts connecting to every server; reconnects on its own until `shutdown()`.
    public func start() {
        let core = self.core
        loop.execute { core.value.start() }
    }

    /// Closes every connection. Whatever is still pending (opens, submits waiting for
    /// room, `send`s waiting for the host, `waitUntilActive`) fails with `.clientShutDown`.
    public func shutdown() async {
        let core = self.core
        try? await loop.flatSubmit { core.value.stop() }.get()
    }

    /// Waits until some server reports `resource` active; returns that server's node name.
    /// Throws `.unknownResource` when a server that sent its whole table does not define it.
    /// Throws `CancellationError` when the task is cancelled.
    public func waitUntilActive(_ resource: String) async throws -> String {
        let core = self.core, loop = self.loop
        let (waiter, node) = try await loop.submit { core.value.waitUntilActive(resource) }.get()
        return try await withTaskCancellationHandler {
            try await node.get()
        } onCancel: {
            loop.execute { core.value.cancelWait(waiter, resource: resource) }
        }
    }

    /// Registers an LU session and waits until a server has opened it. The session then
    /// follows the resource wherever it is active. Throws `.unknownResource` or
    /// `.unknownLU` when the servers do not define it, `.clientShutDown` after `shutdown()`,
    /// and `CancellationError` when the task is cancelled first; the session is then closed,
    /// so it does not hold the LU.
    public func openSession(resource: String, lu: String) async throws -> LUSession {
        let core = self.core, loop = self.loop
        let (hostData, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let (id, opened) = try await loop.submit {
            core.value.openSession(resource: resource, lu: lu, hostData: continuation)
        }.get()
        try await withTaskCancellationHandler {
            try await opened.get()
        } onCancel: {
            loop.execute { core.value.cancelOpen(session: id) }
        }
        return LUSession(client: self, id: id, resource: resource, lu: lu, hostData: hostData)
    }
}

/// An LU session: messages to the host, data from it.
///
/// Each session holds at most `NetMgrClientConfiguration.sessionQueueLimit` messages the
/// host has not accepted. `submit` and `send` wait for room when it is full
/// (backpressure); `trySubmit` fails with `.queueFull` instead. Messages keep their order
/// either way.
public final class LUSession: Sendable {
    public let resource: String
    public let lu: String
    /// Data the host sent to this LU, in order.
    public let hostData: AsyncStream<[UInt8]>
    let id: UInt32
    let client: NetMgrClient

    init(client: NetMgrClient, id: UInt32, resource: String, lu: String, hostData: AsyncStream<[UInt8]>) {
        self.client = client
        self.id = id
        self.resource = resource
        self.lu = lu
        self.hostData = hostData
    }

    /// Queues a message for the host and returns its sequence number, waiting first while
    /// the session's queue is full. The client keeps the message until the host accepted
    /// it, across any number of failovers; a host refusal (or the server's queue-full
    /// refusal) arrives as the event `messageRejected`. Throws `.tooLarge`,
    /// `.sessionClosed`, `.clientShutDown`, or `CancellationError` when the task is
    /// cancelled while it waits for room.
    @discardableResult
    public func submit(_ bytes: [UInt8]) async throws -> UInt64 {
        try await enqueue(bytes, wait: true, ack: false)
    }

    /// Like `submit`, but fails with `.queueFull` at once instead of waiting for room.
    @discardableResult
    public func trySubmit(_ bytes: [UInt8]) async throws -> UInt64 {
        try await enqueue(bytes, wait: false, ack: false)
    }

    /// Sends a message and waits until the host has accepted it; returns its sequence
    /// number. Waits for room like `submit`. Throws `.hostRejected` (naming the sequence)
    /// when the host refused it for good, and what `submit` throws.
    @discardableResult
    public func send(_ bytes: [UInt8]) async throws -> UInt64 {
        try await enqueue(bytes, wait: true, ack: true)
    }

    /// One hop to the client's loop and one back per call, whatever it waits for: the
    /// loop queues the message and resumes the caller when the sequence number is known
    /// (`ack` false) or when the host accepted the message (`ack` true). (Awaiting the
    /// loop's futures one after the other from the task cost a hop each way per future.)
    private func enqueue(_ bytes: [UInt8], wait: Bool, ack: Bool) async throws -> UInt64 {
        let payload = ByteBuffer(bytes: bytes)
        let core = client.core, loop = client.loop, id = self.id, resource = self.resource, lu = self.lu
        let ticket = SubmitTicket()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<UInt64, Error>) in
                loop.execute {
                    core.value.submit(session: id, resource: resource, lu: lu, payload: payload, wait: wait, ack: ack, ticket: ticket) {
                        continuation.resume(with: $0)
                    }
                }
            }
        } onCancel: {
            // Only a submit still waiting for room gives up; one already queued goes on.
            loop.execute {
                ticket.cancelled = true
                if let submit = ticket.submit { core.value.cancelSubmit(submit, session: id) }
            }
        }
    }

    /// How many submitted messages the host has not accepted yet. Throws `.sessionClosed`
    /// once the session is gone.
    public func unacknowledged() async throws -> Int {
        let core = client.core, id = self.id, resource = self.resource, lu = self.lu
        return try await client.loop.submit {
            guard let count = core.value.unackedCount(session: id) else { throw NetMgrClientError.sessionClosed(resource: resource, lu: lu) }
            return count
        }.get()
    }

    /// Closes the session. Messages the host has not accepted yet fail with `.sessionClosed`.
    public func close() async {
        let core = client.core, id = self.id
        try? await client.loop.submit { core.value.close(session: id) }.get()
    }
}

/// One `enqueue` call's link to its cancellation: which submit waits for room, and whether
/// the task was cancelled before the loop queued it. Touched only on the client's loop.
final class SubmitTicket: @unchecked Sendable {
    var submit: ClientStateMachine.SubmitID?
    var cancelled = false
}
