import Foundation
import NIOCore
import NetMgrCore
import NetMgrProtocol

/// Who may open what (`clients:`), the access licence count (`max-clients`), and the
/// bound on epochs learnt from peers.
extension Router {
    /// A connection's identity as authorisation and licensing see it. Without TLS a peer
    /// netmgrd is recognised by the HELLO name PeerWatcher sends ("netmgrd NODE (peer)",
    /// NODE another node of the cluster) so that it does not use a licence; like every
    /// name in development mode that is no authentication.
    func effectiveIdentity(_ connection: ClientConnection, client: String? = nil) -> ConnectionIdentity {
        guard connection.identity == .unauthenticated, let name = client ?? connection.clientName,
              name.hasPrefix("netmgrd "), name.hasSuffix(" (peer)") else { return connection.identity }
        let peer = String(name.dropFirst("netmgrd ".count).dropLast(" (peer)".count))
        guard peer != node.name, definitions.cluster.nodes.contains(where: { $0.name == peer }) else { return connection.identity }
        return .node(peer)
    }

    /// Who a connection is, for log lines: "payroll (application payroll) at 10.0.0.5:40000".
    func describe(_ connection: ClientConnection, client: String? = nil) -> String {
        "client \(client ?? connection.clientName ?? "?") (\(connection.identity)) at \(connection.remote)"
    }

    /// The key under which an LU remembers its last owner: a returning owner (same identity
    /// and client name) resumes its sequence numbers, anyone else starts afresh.
    static func ownerKey(_ connection: ClientConnection, client: String) -> String {
        connection.identity == .unauthenticated ? client : "\(connection.identity)\u{0}\(client)"
    }

    // MARK: - Licence

    /// This node's licence count (`max-clients`); nil is unlimited.
    var clientLimit: Int? { node.maxClients }

    /// At HELLO: counts the connection's identity, or refuses it with licence-exhausted
    /// (and closes it) when every licence is held by other identities. Nodes are not counted.
    func admitLicence(_ connection: ClientConnection, client: String) -> Bool {
        guard let identity = effectiveIdentity(connection, client: client).applicationName(clientName: client) else { return true }
        switch lan.licence.admit(connection.id, identity: identity, limit: clientLimit) {
        case .admitted(let newIdentity):
            if newIdentity { metrics.clients(inUse: lan.licence.inUse, limit: clientLimit) }
            return true
        case .refused(let limit):
            metrics.licenceRefused()
            logLimited(\.licenceLog, "\(describe(connection, client: client)) refused: licence exhausted, \(limit) client identities (max-clients) already connected",
                       summary: "clients refused as the licence count was exhausted")
            connection.close(after: .error(session: 0, code: .licenceExhausted, sequence: 0,
                                           message: "this node serves at most \(limit) clients (max-clients in the cluster definitions)"))
            return false
        }
    }

    /// The connection is gone: its identity's licence is freed with its last connection.
    func releaseLicence(_ connection: ClientConnection) {
        if lan.licence.release(connection.id) { metrics.clients(inUse: lan.licence.inUse, limit: clientLimit) }
    }

    // MARK: - Authorisation

    /// Whether the connection may open LU `lu` of `resource`: a node never may; an
    /// application (or, without TLS, the HELLO name) needs a `clients:` grant covering
    /// both, unless the definitions have no `clients:` section.
    func mayOpen(_ connection: ClientConnection, resource: String, lu: String) -> Bool {
        if connection.identity == .tnServer { return true }  // the TN server's LU map decided (TNLUAssigner)
        guard let identity = effectiveIdentity(connection).applicationName(clientName: connection.clientName) else { return false }
        return definitions.authorises(identity, resource: resource, lu: lu)
    }

    /// The ERROR for a refused OPEN: it names only what the asker asked for.
    func refuseUnauthorised(_ connection: ClientConnection, session: UInt32, resource: String, lu: String) {
        metrics.notAuthorised()
        logLimited(\.authorisationLog, "OPEN of LU \(lu) of \(resource) by \(describe(connection)) refused: not authorised (cluster.clients)",
                   summary: "OPENs refused as not authorised")
        connection.send(.error(session: session, code: .notAuthorised, sequence: 0,
                               message: "not authorised to open LU \(lu) of resource \(resource)"))
    }

    /// After a reload changed `clients:`: the sessions no grant covers any more end, as
    /// those of a removed LU do (ERROR not-authorised, then CLOSED), and are logged.
    func closeUnauthorisedSessions() {
        for connection in connections.values {
            for (session, place) in connection.sessions where !mayOpen(connection, resource: place.resource, lu: place.lu) {
                connection.sessions[session] = nil
                if let runtime = resources[place.resource], let lu = runtime.lus[place.lu], lu.owner?.connection === connection, lu.owner?.session == session {
                    lu.owner = nil
                    updateHostDataFlow(runtime, lu)
                }
                logger.warning("session of \(describe(connection)) on LU \(place.lu) of \(place.resource) closed: a reload of cluster.clients no longer authorises it")
                connection.send(.error(session: session, code: .notAuthorised, sequence: 0,
                                       message: "not authorised to open LU \(place.lu) of resource \(place.resource) any more (the definitions were reloaded)"))
                connection.send(.closed(session: session))
                metrics.sessions(delta: -1)
            }
        }
    }

    /// Licence figures for status.
    var clientsStatus: AdminResponse.ClientsStatus {
        AdminResponse.ClientsStatus(inUse: lan.licence.inUse, limit: clientLimit)
    }

    // MARK: - Peers' epochs

    /// How far past this node's clock an epoch from a peer may lie: epochs are at least the
    /// clock in milliseconds (`Epoch.clockFloor`), so a peer's honest epoch is near its
    /// clock; 60 s allows for skew between the nodes' clocks.
    static let peerEpochMarginMilliseconds: UInt64 = 60_000

    /// Whether a peer's epoch is believable: not beyond now plus the margin. One beyond
    /// is logged (rate-limited) and must be ignored, so that a peer cannot push the
    /// cluster's epochs (and the epoch store) towards `Epoch.maximum`.
    func acceptsPeerEpoch(_ epoch: Epoch, resource: String, state: ResourceState, peer: String, now: Date = Date()) -> Bool {
        let bound = Epoch.clockFloor(now).value.addingReportingOverflow(Self.peerEpochMarginMilliseconds)
        guard !bound.overflow, epoch.value > bound.partialValue else { return true }
        logLimited(\.peerEpochLog, "\(peer) reports \(resource) \(state) with epoch \(epoch), more than \(Self.peerEpochMarginMilliseconds / 1000) s past this node's clock (\(bound.partialValue)): ignored",
                   summary: "epochs from peers ignored as lying in the future")
        return false
    }
}
