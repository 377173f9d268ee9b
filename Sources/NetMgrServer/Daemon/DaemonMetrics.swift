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
    // Issue 18 (docs/METRICS.md defines each).
    private let sentCounter = Counter(label: "netmgr_messages_sent_total")
    private let ackedCounter = Counter(label: "netmgr_messages_acked_total")
    private let failedCounter = Counter(label: "netmgr_messages_failed_total")
    private let duplicatedCounter = Counter(label: "netmgr_messages_duplicated_total")
    private var nodeInfoGauge: Gauge?
    private var resourceSeries: [String: ResourceSeries] = [:]
    private var luBoundGauges: [String: Gauge] = [:]
    /// Per resource: the state last announced, an activation waiting for all its LUs to
    /// bind, and who held the resource last (nil node: this one) with that epoch.
    private var lastState: [String: ResourceState] = [:]
    private var activations: [String: (since: NIODeadline, lus: Int, takesOver: Bool)] = [:]
    private var holders: [String: (node: String?, epoch: UInt64)] = [:]

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

    /// 0 standby, 1 activating, 2 active, 3 deactivating; with the epoch and the resource's
    /// LU count. Standby → activating starts the activation-to-all-bound clock (and notes
    /// whether another node held the resource last); activating → active counts a failover
    /// if one did; standby unbinds every LU here.
    func resourceState(_ resource: String, _ state: ResourceState, epoch: UInt64 = 0, lus: Int = 0) {
        let gauge = stateGauges[resource] ?? Gauge(label: "netmgr_resource_state", dimensions: [("resource", resource)])
        stateGauges[resource] = gauge
        gauge.record(Int(state.rawValue))
        let series = self.series(resource)
        series.epoch.record(Int64(clamping: epoch))
        let previous = lastState[resource] ?? .standby
        lastState[resource] = state
        switch (previous, state) {
        case (.standby, .activating):
            let holder = holders[resource]
            let takesOver = holder.map { $0.node != nil && $0.epoch < epoch } ?? false
            activations[resource] = (NIODeadline.now(), lus, takesOver)
        case (.activating, .active):
            if activations[resource]?.takesOver == true {
                series.failovers.increment()
                activations[resource]?.takesOver = false
            }
            holders[resource] = (nil, epoch)
            allBoundCheck(resource)
        case (_, .standby):
            activations[resource] = nil
            for lu in bound[resource] ?? [] { luBound(resource, lu: lu, false) }
            bound[resource] = []
            boundGauges[resource]?.record(0)
        default:
            break
        }
    }

    /// A peer reported `resource` active or activating with `epoch` (an epoch this node accepted).
    func peerHolds(_ resource: String, node: String, epoch: UInt64) {
        guard epoch >= holders[resource]?.epoch ?? 0 else { return }
        holders[resource] = (node, epoch)
    }

    func luState(_ resource: String, lu: String, bound isBound: Bool) {
        if isBound { bound[resource, default: []].insert(lu) } else { bound[resource]?.remove(lu) }
        let gauge = boundGauges[resource] ?? Gauge(label: "netmgr_lus_bound", dimensions: [("resource", resource)])
        boundGauges[resource] = gauge
        gauge.record(bound[resource]?.count ?? 0)
        luBound(resource, lu: lu, isBound)
        if isBound { allBoundCheck(resource) }
    }

    /// LUs with a `netmgr_lu_bound{resource,lu}` series; the LUs beyond have none.
    static let luSeriesLimit = 2_000

    /// `netmgr_lu_bound{resource,lu}`: 1 bound, 0 not (the first `luSeriesLimit` LUs).
    func luBound(_ resource: String, lu: String, _ isBound: Bool) {
        let key = resource + "/" + lu
        // Each new labelled series copies the registry's table of that metric (swift-prometheus),
        // so per-LU series cost O(LUs) each: 50,000 LUs spent minutes of activation there
        // (issue 17). Past the limit the per-resource netmgr_lus_bound still counts every LU.
        if luBoundGauges[key] == nil, luBoundGauges.count >= Self.luSeriesLimit { return }
        let gauge = luBoundGauges[key] ?? Gauge(label: "netmgr_lu_bound", dimensions: [("resource", resource), ("lu", lu)])
        luBoundGauges[key] = gauge
        gauge.record(isBound ? 1 : 0)
    }

    /// Every LU of an activation that is still timed is bound: observe the time once.
    private func allBoundCheck(_ resource: String) {
        guard let activation = activations[resource], activation.lus > 0, (bound[resource]?.count ?? 0) >= activation.lus else { return }
        activations[resource] = nil
        let elapsed = NIODeadline.now() - activation.since
        series(resource).activationToAllBound.record(Double(elapsed.nanoseconds) / 1e9)
    }

    /// The host side connected, was refused, or scheduled retries (per resource).
    func hostEvents(_ resource: String, _ events: HostEventCounts) {
        let series = self.series(resource)
        if events.connects > 0 { series.connects.increment(by: events.connects) }
        if events.rejects > 0 { series.rejects.increment(by: events.rejects) }
        if events.retries > 0 { series.retries.increment(by: events.retries) }
    }

    /// State and epoch as they are (scrape time), without the transitions `resourceState` acts on.
    func resourceGauges(_ resource: String, state: ResourceState, epoch: UInt64) {
        let gauge = stateGauges[resource] ?? Gauge(label: "netmgr_resource_state", dimensions: [("resource", resource)])
        stateGauges[resource] = gauge
        gauge.record(Int(state.rawValue))
        series(resource).epoch.record(Int64(clamping: epoch))
        let bound = boundGauges[resource] ?? Gauge(label: "netmgr_lus_bound", dimensions: [("resource", resource)])
        boundGauges[resource] = bound
        bound.record(self.bound[resource]?.count ?? 0)
    }

    /// A client message handed to the host side (the first time in its session).
    func messageSent() { sentCounter.increment() }
    /// Messages the host accepted that an ACK to their client now covers.
    func messagesAcked(_ count: Int) { if count > 0 { ackedCounter.increment(by: count) } }
    /// A message that will not reach the host (host-rejected, queue-full, not active).
    func messageFailed() { failedCounter.increment() }
    /// A resent DATA this node had already handed to the host in its session.
    func messageDuplicated() { duplicatedCounter.increment() }

    /// `netmgr_node_info{node} 1`.
    func node(_ name: String) {
        if nodeInfoGauge == nil { nodeInfoGauge = Gauge(label: "netmgr_node_info", dimensions: [("node", name)]) }
        nodeInfoGauge?.record(1)
    }

    private final class ResourceSeries {
        let epoch: Gauge
        let failovers: Counter
        let connects: Counter
        let rejects: Counter
        let retries: Counter
        let activationToAllBound: Recorder

        init(_ resource: String) {
            let labels = [("resource", resource)]
            epoch = Gauge(label: "netmgr_resource_epoch", dimensions: labels)
            failovers = Counter(label: "netmgr_failovers_total", dimensions: labels)
            connects = Counter(label: "netmgr_host_connects_total", dimensions: labels)
            rejects = Counter(label: "netmgr_host_rejects_total", dimensions: labels)
            retries = Counter(label: "netmgr_host_retries_total", dimensions: labels)
            activationToAllBound = Recorder(label: "netmgr_activation_to_all_bound_seconds", dimensions: labels, aggregate: true)
        }
    }

    private func series(_ resource: String) -> ResourceSeries {
        if let series = resourceSeries[resource] { return series }
        let series = ResourceSeries(resource)
        resourceSeries[resource] = series
        return series
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
