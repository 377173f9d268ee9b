/// The access licence count (`max-clients`): how many distinct client identities have at
/// least one live connection that said HELLO. A reconnect (or a second connection) of an
/// identity already counted is free; nodes are never counted. A value type: the router
/// feeds it connections, the decision is its own.
struct ClientLicence {
    /// Live connections per counted identity.
    private(set) var connectionsByIdentity: [String: Int] = [:]
    private var identityOf: [ObjectIdentifier: String] = [:]

    /// Identities counted now.
    var inUse: Int { connectionsByIdentity.count }

    enum Decision: Equatable {
        /// Counted; `newIdentity` when it was not counted before.
        case admitted(newIdentity: Bool)
        /// Every one of `limit` licences is held by another identity.
        case refused(limit: Int)
    }

    /// A connection of `identity` said HELLO. `limit` nil is unlimited.
    mutating func admit(_ connection: ObjectIdentifier, identity: String, limit: Int?) -> Decision {
        if identityOf[connection] != nil { return .admitted(newIdentity: false) }
        let known = connectionsByIdentity[identity] != nil
        if !known, let limit, inUse >= limit { return .refused(limit: limit) }
        connectionsByIdentity[identity, default: 0] += 1
        identityOf[connection] = identity
        return .admitted(newIdentity: !known)
    }

    /// The connection is gone; its identity stops counting with its last connection.
    /// Returns whether a licence was freed.
    @discardableResult
    mutating func release(_ connection: ObjectIdentifier) -> Bool {
        guard let identity = identityOf.removeValue(forKey: connection), let count = connectionsByIdentity[identity] else { return false }
        if count <= 1 {
            connectionsByIdentity[identity] = nil
            return true
        }
        connectionsByIdentity[identity] = count - 1
        return false
    }
}
