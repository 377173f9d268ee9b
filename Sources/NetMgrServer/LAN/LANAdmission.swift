import NIOCore

/// Which LAN connections netmgrd keeps: at most `maximumConnections` open, and none that
/// has not said HELLO within `handshakeTimeout`. When full, a new connection takes the
/// place of the oldest one still without HELLO; if every connection has said HELLO, the
/// new one is refused. A value type with time as an input: the router performs what it
/// returns.
struct LANAdmission {
    typealias ConnectionID = ObjectIdentifier

    struct Limits: Sendable, Equatable {
        var maximumConnections: Int
        var handshakeTimeout: TimeAmount
    }

    enum Admission: Equatable {
        case accept
        /// Accept, and close this connection that has not said HELLO to make room.
        case acceptEvicting(ConnectionID)
        /// Full of connections that said HELLO: close the new one.
        case refuse
    }

    let limits: Limits
    /// Connections that have not said HELLO, with their deadlines, oldest first. The deque
    /// may hold connections that have since said HELLO or closed; `awaitingHello` is the truth.
    private var handshakeOrder = CircularBuffer<(id: ConnectionID, deadline: NIODeadline)>()
    private var awaitingHello: [ConnectionID: NIODeadline] = [:]
    private var established: Set<ConnectionID> = []

    init(limits: Limits) {
        self.limits = limits
    }

    var count: Int { awaitingHello.count + established.count }
    var awaitingHelloCount: Int { awaitingHello.count }

    mutating func opened(_ id: ConnectionID, at now: NIODeadline) -> Admission {
        var evicted: ConnectionID?
        if count >= limits.maximumConnections {
            guard let oldest = popOldestAwaitingHello() else { return .refuse }
            evicted = oldest
        }
        let deadline = now + limits.handshakeTimeout
        awaitingHello[id] = deadline
        handshakeOrder.append((id, deadline))
        return evicted.map { .acceptEvicting($0) } ?? .accept
    }

    mutating func saidHello(_ id: ConnectionID) {
        guard awaitingHello.removeValue(forKey: id) != nil else { return }
        established.insert(id)
    }

    mutating func closed(_ id: ConnectionID) {
        awaitingHello[id] = nil
        established.remove(id)
        compact()
    }

    /// The connections whose HELLO deadline has passed by `now`; they are forgotten here.
    mutating func expired(at now: NIODeadline) -> [ConnectionID] {
        var result: [ConnectionID] = []
        while let first = handshakeOrder.first, first.deadline <= now {
            handshakeOrder.removeFirst()
            if awaitingHello[first.id] == first.deadline {
                awaitingHello[first.id] = nil
                result.append(first.id)
            }
        }
        return result
    }

    /// When the next HELLO deadline falls, if any connection is still waiting.
    var nextDeadline: NIODeadline? {
        mutating get {
            compact()
            return handshakeOrder.first?.deadline
        }
    }

    private mutating func popOldestAwaitingHello() -> ConnectionID? {
        while let first = handshakeOrder.first {
            handshakeOrder.removeFirst()
            if awaitingHello[first.id] == first.deadline {
                awaitingHello[first.id] = nil
                return first.id
            }
        }
        return nil
    }

    /// Drops leading entries of connections that said HELLO or closed since.
    private mutating func compact() {
        while let first = handshakeOrder.first, awaitingHello[first.id] != first.deadline { handshakeOrder.removeFirst() }
    }
}
