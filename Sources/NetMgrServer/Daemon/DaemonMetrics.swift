import Metrics
import NIOCore
import NetMgrProtocol

/// netmgrd's metrics, through swift-metrics: the executable bootstraps the Prometheus
/// backend and the admin socket's `metrics` command prints them. Confined to the router's loop.
final class DaemonMetrics {
    private let received = Counter(label: "netmgr_messages_received_total")
    private let accepted = Counter(label: "netmgr_messages_accepted_total")
    private let rejected = Counter(label: "netmgr_messages_rejected_total")
    private let protocolErrors = Counter(label: "netmgr_lan_protocol_errors_total")
    private let hostDataDroppedCounter = Counter(label: "netmgr_host_data_dropped_total")
    private let connectionsRefusedCounter = Counter(label: "netmgr_lan_connections_refused_total")
    private let handshakesDroppedCounter = Counter(label: "netmgr_lan_handshakes_dropped_total")
    private let slowClientsClosedCounter = Counter(label: "netmgr_lan_slow_clients_closed_total")
    private let queueFullCounter = Counter(label: "netmgr_messages_queue_full_total")
    private let connectionsGauge = Gauge(label: "netmgr_client_connections")
    private let sessionsGauge = Gauge(label: "netmgr_sessions")
    private let clientsInUseGauge = Gauge(label: "netmgr_clients_in_use")
    private let clientsLimitGauge = Gauge(label: "netmgr_clients_limit")
    private let licenceRefusedCounter = Counter(label: "netmgr_clients_refused_total")
    private let notAuthorisedCounter = Counter(label: "netmgr_opens_not_authorised_total")
    private var sessionCount = 0
    private var bound: [String: Set<String>] = [:]
    private var boundGauges: [String: Gauge] = [:]
    private var stateGauges: [String: Gauge] = [:]

    init() {}

    func messageReceived() { received.increment() }
    func messageAccepted() { accepted.increment() }
    func messageRejected() { rejected.increment() }
    func protocolError() { protocolErrors.increment() }
    /// Host data dropped because its client did not read its earlier output.
    func hostDataDropped() { hostDataDroppedCounter.increment() }
    /// A connection refused because the LAN side was full of connections that said HELLO.
    func connectionRefused() { connectionsRefusedCounter.increment() }
    /// A connection closed before HELLO: its deadline passed, or it made room for a newer one.
    func handshakeDropped() { handshakesDroppedCounter.increment() }
    /// A connection closed because its client stopped reading.
    func slowClientClosed() { slowClientsClosedCounter.increment() }
    /// A DATA refused because its LU had too many messages waiting for the host.
    func queueFull() { queueFullCounter.increment() }
    func clientConnections(_ count: Int) { connectionsGauge.record(count) }
    /// Client identities holding a licence, and the licence count (`max-clients`; 0: no limit).
    func clients(inUse: Int, limit: Int?) {
        clientsInUseGauge.record(inUse)
        clientsLimitGauge.record(limit ?? 0)
    }
    /// A HELLO refused as licence-exhausted.
    func licenceRefused() { licenceRefusedCounter.increment() }
    /// An OPEN refused as not-authorised.
    func notAuthorised() { notAuthorisedCounter.increment() }

    func sessions(delta: Int) {
        sessionCount += delta
        sessionsGauge.record(sessionCount)
    }

    /// 0 standby, 1 activating, 2 active, 3 deactivating.
    func resourceState(_ resource: String, _ state: ResourceState) {
        let gauge = stateGauges[resource] ?? Gauge(label: "netmgr_resource_state", dimensions: [("resource", resource)])
        stateGauges[resource] = gauge
        gauge.record(Int(state.rawValue))
    }

    func luState(_ resource: String, lu: String, bound isBound: Bool) {
        if isBound { bound[resource, default: []].insert(lu) } else { bound[resource]?.remove(lu) }
        let gauge = boundGauges[resource] ?? Gauge(label: "netmgr_lus_bound", dimensions: [("resource", resource)])
        boundGauges[resource] = gauge
        gauge.record(bound[resource]?.count ?? 0)
    }

    func boundCount(_ resource: String) -> Int { bound[resource]?.count ?? 0 }

    private var deliveryGauges: [String: (unacked: Gauge, oldest: Gauge, bind: Gauge)] = [:]

    /// Per LU: unacked messages, the oldest one's age and the last time to bind (seconds).
    func luDelivery(_ resource: String, lu: String, _ status: LUDeliveryStatus) {
        let key = resource + "/" + lu
        let gauges = deliveryGauges[key] ?? (
            Gauge(label: "netmgr_lu_unacked_messages", dimensions: [("resource", resource), ("lu", lu)]),
            Gauge(label: "netmgr_lu_oldest_unacked_seconds", dimensions: [("resource", resource), ("lu", lu)]),
            Gauge(label: "netmgr_lu_time_to_bind_seconds", dimensions: [("resource", resource), ("lu", lu)]))
        deliveryGauges[key] = gauges
        gauges.unacked.record(status.unacked)
        gauges.oldest.record(Double(status.oldestUnacked?.nanoseconds ?? 0) / 1e9)
        if let bind = status.timeToBind { gauges.bind.record(Double(bind.nanoseconds) / 1e9) }
    }
}
