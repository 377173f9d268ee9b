import CNetMgrClient
import Foundation
import NetMgrClient
import NetMgrSecurity

/// A failed C call: its code and what to say about it (the thread's last error message).
struct CFailure: Error {
    var code: Int32
    var message: String

    init(_ code: netmgr_error, _ message: String) {
        self.code = Int32(code.rawValue)
        self.message = message
    }

    /// The code and message for an error the Swift client (or TLS loading) threw.
    init(_ error: Error) {
        switch error {
        case let error as CFailure:
            self = error
        case let error as NetMgrClientError:
            self.init(Self.code(for: error), error.description)
        case let error as TLSMaterialError:
            self.init(NETMGR_E_TLS, "\(error)")
        case is CancellationError:
            self.init(NETMGR_E_TIMEOUT, "cancelled")
        default:
            self.init(NETMGR_E_INTERNAL, "\(error)")
        }
    }

    static func code(for error: NetMgrClientError) -> netmgr_error {
        switch error {
        case .hostRejected: return NETMGR_E_HOST_REJECTED
        case .serverQueueFull: return NETMGR_E_SERVER_QUEUE_FULL
        case .sessionClosed: return NETMGR_E_SESSION_CLOSED
        case .queueFull: return NETMGR_E_QUEUE_FULL
        case .tooLarge: return NETMGR_E_TOO_LARGE
        case .unknownResource: return NETMGR_E_UNKNOWN_RESOURCE
        case .unknownLU: return NETMGR_E_UNKNOWN_LU
        case .notActive: return NETMGR_E_NOT_ACTIVE
        case .luInUse: return NETMGR_E_LU_IN_USE
        case .serverShuttingDown: return NETMGR_E_SERVER_SHUTTING_DOWN
        case .notAuthorised: return NETMGR_E_NOT_AUTHORISED
        case .licenceExhausted: return NETMGR_E_LICENCE_EXHAUSTED
        case .clientShutDown: return NETMGR_E_SHUT_DOWN
        case .protocolError: return NETMGR_E_PROTOCOL
        }
    }
}

/// Runs the body of a C entry point: its result is NETMGR_OK, or the failure's code with the
/// thread's last error message set to "function: message".
func exported(_ function: StaticString, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Int32(NETMGR_OK.rawValue)
    } catch {
        let failure = CFailure(error)
        netmgr_internal_set_last_error("\(function): \(failure.message)")
        return failure.code
    }
}

/// A result one thread hands to another that waits for it, with a deadline.
final class Completion<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, Error>?

    func resolve(_ result: Result<Value, Error>) {
        condition.lock()
        if self.result == nil { self.result = result }
        condition.broadcast()
        condition.unlock()
    }

    /// The result, or nil if there is none within `timeout` (nil: no limit).
    func wait(_ timeout: Timeout) -> Result<Value, Error>? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = timeout.deadline
        while result == nil {
            if let deadline {
                guard condition.wait(until: deadline) else { break }
            } else {
                condition.wait()
            }
        }
        return result
    }
}

/// A C timeout in milliseconds: < 0 no limit, 0 no waiting, > 0 that long.
struct Timeout {
    var milliseconds: Int32

    init(_ milliseconds: Int32) { self.milliseconds = milliseconds }

    static let unlimited = Timeout(-1)

    /// When waiting ends; nil: never. Computed once per wait.
    var deadline: Date? {
        milliseconds < 0 ? nil : Date(timeIntervalSinceNow: Double(milliseconds) / 1_000)
    }

    var description: String { milliseconds < 0 ? "without limit" : "\(milliseconds) ms" }
}

/// Runs `body` as a Task and waits for it on the calling (C) thread, so that no thread of
/// Swift's cooperative pool ever blocks. On timeout the task is cancelled; with
/// `awaitOutcome` the call then waits (briefly) for what the cancelled task ended with, so
/// that an operation that completed at the last moment is reported, not lost.
func blocking<Value: Sendable>(_ timeout: Timeout, awaitOutcome: Bool, what: String,
                               _ body: @escaping @Sendable () async throws -> Value) throws -> Value {
    let completion = Completion<Value>()
    let task = Task {
        do { completion.resolve(.success(try await body())) } catch { completion.resolve(.failure(error)) }
    }
    if let result = completion.wait(timeout) { return try result.get() }
    task.cancel()
    if awaitOutcome, let result = completion.wait(Timeout(10_000)) {
        do {
            return try result.get()
        } catch is CancellationError {
            // Cancelled by the timeout: report the timeout.
        } catch {
            throw error
        }
    }
    throw CFailure(NETMGR_E_TIMEOUT, "\(what) did not complete within \(timeout.description)")
}

/// A C string argument as a Swift string: NULL and invalid UTF-8 are invalid arguments.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String, allowEmpty: Bool = false) throws -> String {
    guard let pointer else { throw CFailure(NETMGR_E_INVALID, "\(name) is NULL") }
    guard let value = String(validatingCString: pointer) else { throw CFailure(NETMGR_E_INVALID, "\(name) is not valid UTF-8") }
    guard allowEmpty || !value.isEmpty else { throw CFailure(NETMGR_E_INVALID, "\(name) is empty") }
    return value
}

/// "host:port" or "[v6]:port" as a server address.
func serverAddress(_ text: String, index: Int) throws -> ServerAddress {
    let host: Substring, portText: Substring
    if text.hasPrefix("[") {
        guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
            throw CFailure(NETMGR_E_INVALID, "servers[\(index)] \"\(text)\" is not [address]:port")
        }
        host = text[text.index(after: text.startIndex)..<close]
        portText = text[text.index(close, offsetBy: 2)...]
    } else {
        guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
            throw CFailure(NETMGR_E_INVALID, "servers[\(index)] \"\(text)\" is not host:port (IPv6: [address]:port)")
        }
        host = text[..<colon]
        portText = text[text.index(after: colon)...]
    }
    guard !host.isEmpty, !host.contains(where: { $0.isWhitespace }) else {
        throw CFailure(NETMGR_E_INVALID, "servers[\(index)] \"\(text)\" has no host")
    }
    guard let port = Int(portText), (1...65_535).contains(port) else {
        throw CFailure(NETMGR_E_INVALID, "servers[\(index)] \"\(text)\": the port must be 1-65535")
    }
    return ServerAddress(host: String(host), port: port)
}

/// The handles given to C: tokens, never reused, for live objects, which the registry keeps
/// alive. A handle the registry does not know (never made, closed, destroyed) is refused,
/// not dereferenced.
final class Registry: @unchecked Sendable {
    static let shared = Registry()
    private let lock = NSLock()
    /// Tokens look like pointers (non-zero, aligned) but point nowhere.
    private var nextToken: UInt = 0x4E4D_0000_0010
    private var clients: [UInt: ClientHandle] = [:]
    private var sessions: [UInt: SessionHandle] = [:]

    private func token() -> UInt {
        defer { nextToken += 16 }
        return nextToken
    }

    func add(_ client: ClientHandle) -> OpaquePointer {
        let token = lock.withLock {
            let token = self.token()
            client.token = token  // under the lock that `remove` takes too
            clients[token] = client
            return token
        }
        return OpaquePointer(bitPattern: token)!
    }

    func add(_ session: SessionHandle) -> OpaquePointer {
        let token = lock.withLock {
            let token = self.token()
            session.token = token  // under the lock that `remove` takes too
            sessions[token] = session
            return token
        }
        return OpaquePointer(bitPattern: token)!
    }

    func client(_ handle: OpaquePointer?, _ name: String = "client") throws -> ClientHandle {
        guard let handle else { throw CFailure(NETMGR_E_INVALID, "\(name) is NULL") }
        guard let client = lock.withLock({ clients[UInt(bitPattern: UnsafeRawPointer(handle))] }) else {
            throw CFailure(NETMGR_E_INVALID, "\(name) \(handle) is not a live client handle (destroyed, or never made by netmgr_client_create)")
        }
        return client
    }

    func session(_ handle: OpaquePointer?, _ name: String = "session") throws -> SessionHandle {
        guard let handle else { throw CFailure(NETMGR_E_INVALID, "\(name) is NULL") }
        guard let session = lock.withLock({ sessions[UInt(bitPattern: UnsafeRawPointer(handle))] }) else {
            throw CFailure(NETMGR_E_INVALID, "\(name) \(handle) is not an open session handle (closed, its client destroyed, or never made by netmgr_open_session)")
        }
        return session
    }

    /// False when another thread removed it first.
    @discardableResult
    func remove(_ client: ClientHandle) -> Bool {
        lock.withLock { clients.removeValue(forKey: client.token) != nil }
    }

    @discardableResult
    func remove(_ session: SessionHandle) -> Bool {
        lock.withLock { sessions.removeValue(forKey: session.token) != nil }
    }
}

/// A first-in first-out queue with O(1) removal at the front.
struct FIFO<Element> {
    private var storage: [Element?] = []
    private var head = 0

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }
    var first: Element? { isEmpty ? nil : storage[head] }

    mutating func append(_ element: Element) { storage.append(element) }

    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = storage[head]
        storage[head] = nil
        head += 1
        if head >= 1_024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        storage.removeAll()
        head = 0
    }
}
