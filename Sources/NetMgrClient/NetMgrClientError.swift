import NetMgrProtocol

/// Why a NetMgrClient call failed, or why a server refused a session.
///
/// What the application gets where:
/// - `LUSession.send` throws `.hostRejected` when the host refused that message for good
///   (the server gives up after the host refused it several times). The client has then
///   dropped the message from its replay ledger and goes on with the next one.
///   `submit` callers see the same as the event `messageRejected`.
/// - `LUSession.send` throws `.serverQueueFull` when the server refused that message
///   because too many of the LU's messages wait for the host (ERROR queue-full); like
///   `.hostRejected`, the message is dropped from the replay ledger and the next goes on.
/// - `submit`, `trySubmit` and `send` throw `.tooLarge` for a message over
///   `NetMgrClientConfiguration.maximumMessageSize`, before anything is queued.
/// - `trySubmit` throws `.queueFull` when the session already holds
///   `sessionQueueLimit` messages the host has not accepted; `submit` waits instead.
/// - Every pending call of a session throws `.sessionClosed` once the session is closed,
///   and every pending call of the client throws `.clientShutDown` after `shutdown()`.
/// - `openSession` throws `.unknownResource` or `.unknownLU` when the servers do not
///   define what was asked for.
/// - `openSession` throws `.notAuthorised` when the client's identity may not open that
///   resource or LU (the `clients:` section of the cluster's definitions); it is not retried.
/// - `.licenceExhausted` is what a server that already serves its `max-clients` said
///   before closing the connection; the client logs it and connects again later.
/// - `.notActive`, `.luInUse`, `.serverShuttingDown` and `.protocolError` describe why a
///   server refused a session; the client retries those by itself and reports them in the
///   event `sessionRefused`.
public enum NetMgrClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The host refused message `sequence` of this session for good.
    case hostRejected(resource: String, lu: String, sequence: UInt64, reason: String)
    /// The server refused message `sequence`: the LU has too many messages waiting for the host.
    case serverQueueFull(resource: String, lu: String, sequence: UInt64, detail: String)
    /// The session was closed before the call completed.
    case sessionClosed(resource: String, lu: String)
    /// The session holds `limit` messages the host has not accepted (`trySubmit` only).
    case queueFull(resource: String, lu: String, limit: Int)
    /// A message of `size` bytes; at most `limit` fit in a LAN frame.
    case tooLarge(resource: String, lu: String, size: Int, limit: Int)
    /// No server defines this resource.
    case unknownResource(resource: String, detail: String)
    /// The resource has no such LU.
    case unknownLU(resource: String, lu: String, detail: String)
    /// The resource is not active on the server asked (or was deactivated there).
    case notActive(resource: String, detail: String)
    /// Another client's session holds the LU on that server.
    case luInUse(resource: String, lu: String, detail: String)
    /// The server is shutting down.
    case serverShuttingDown(detail: String)
    /// This client's identity may not open the resource or LU (`clients:` in cluster.yaml).
    case notAuthorised(resource: String, lu: String, detail: String)
    /// The server already serves as many clients as its licence allows (`max-clients`).
    case licenceExhausted(detail: String)
    /// `shutdown()` was called on this client.
    case clientShutDown
    /// The server found a frame it could not take, or a session id it did not know.
    case protocolError(code: String, detail: String)

    /// The error a LAN `ERROR` frame stands for.
    public init(code: LANErrorCode, resource: String, lu: String, sequence: UInt64, message: String) {
        switch code {
        case .hostRejected: self = .hostRejected(resource: resource, lu: lu, sequence: sequence, reason: message)
        case .queueFull: self = .serverQueueFull(resource: resource, lu: lu, sequence: sequence, detail: message)
        case .unknownResource: self = .unknownResource(resource: resource, detail: message)
        case .unknownLU: self = .unknownLU(resource: resource, lu: lu, detail: message)
        case .notActive, .deactivated: self = .notActive(resource: resource, detail: message)
        case .luInUse: self = .luInUse(resource: resource, lu: lu, detail: message)
        case .shuttingDown: self = .serverShuttingDown(detail: message)
        case .notAuthorised: self = .notAuthorised(resource: resource, lu: lu, detail: message)
        case .licenceExhausted: self = .licenceExhausted(detail: message)
        case .unsupportedVersion, .unknownSession, .malformed, .sessionExists: self = .protocolError(code: code.description, detail: message)
        }
    }

    public var description: String {
        switch self {
        case .hostRejected(let resource, let lu, let sequence, let reason):
            return "the host refused message \(sequence) on \(resource)/\(lu): \(reason)"
        case .serverQueueFull(let resource, let lu, let sequence, let detail):
            return "the server refused message \(sequence) on \(resource)/\(lu), too many wait for the host: \(detail)"
        case .sessionClosed(let resource, let lu):
            return "session \(resource)/\(lu) is closed"
        case .queueFull(let resource, let lu, let limit):
            return "session \(resource)/\(lu) already holds \(limit) messages the host has not accepted (sessionQueueLimit)"
        case .tooLarge(let resource, let lu, let size, let limit):
            return "a message of \(size) bytes for \(resource)/\(lu) is larger than the \(limit) bytes a LAN frame carries"
        case .unknownResource(let resource, let detail):
            return "unknown resource \(resource)\(detail.isEmpty ? "" : ": \(detail)")"
        case .unknownLU(let resource, let lu, let detail):
            return "resource \(resource) has no LU \(lu)\(detail.isEmpty ? "" : ": \(detail)")"
        case .notActive(let resource, let detail):
            return "\(resource) is not active there\(detail.isEmpty ? "" : ": \(detail)")"
        case .luInUse(let resource, let lu, let detail):
            return "LU \(resource)/\(lu) is held by another session\(detail.isEmpty ? "" : ": \(detail)")"
        case .serverShuttingDown(let detail):
            return "the server is shutting down\(detail.isEmpty ? "" : ": \(detail)")"
        case .notAuthorised(let resource, let lu, let detail):
            return "not authorised to open LU \(resource)/\(lu)\(detail.isEmpty ? "" : ": \(detail)")"
        case .licenceExhausted(let detail):
            return "the server has no licence left for another client\(detail.isEmpty ? "" : ": \(detail)")"
        case .clientShutDown:
            return "the client was shut down"
        case .protocolError(let code, let detail):
            return "LAN protocol error \(code): \(detail)"
        }
    }
}
