/// Every metric netmgrd exports, with its type, labels and the help text the scrape shows.
/// One list for the Prometheus factory (HELP lines), the docs (docs/METRICS.md says the
/// same in more words) and tests that check a dashboard uses only names that exist.
/// No metric carries a node label: Prometheus adds `instance`, and `netmgr_node_info`
/// maps an instance to its node.
public enum MetricsCatalogue {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public struct Entry: Sendable {
        public var name: String
        public var kind: Kind
        public var labels: [String]
        public var help: String
    }

    /// The buckets (seconds) of `netmgr_activation_to_all_bound_seconds`, like the anchors'
    /// response-time monitors; Prometheus adds +Inf.
    public static let activationBuckets: [Double] = [0.5, 1, 2, 5]

    public static let entries: [Entry] = [
        // Clients and the LAN side.
        Entry(name: "netmgr_messages_received_total", kind: .counter, labels: [],
              help: "DATA frames received from clients on open sessions, replays included."),
        Entry(name: "netmgr_messages_sent_total", kind: .counter, labels: [],
              help: "Client messages handed to the host side for the first time in their session (replays that are not sent again are not counted)."),
        Entry(name: "netmgr_messages_accepted_total", kind: .counter, labels: [],
              help: "Messages the host accepted (each counted once)."),
        Entry(name: "netmgr_messages_acked_total", kind: .counter, labels: [],
              help: "Messages the host accepted that an ACK to the owning client covered when the host accepted them."),
        Entry(name: "netmgr_messages_rejected_total", kind: .counter, labels: [],
              help: "Messages the host refused (host-rejected to the client)."),
        Entry(name: "netmgr_messages_failed_total", kind: .counter, labels: [],
              help: "Messages that will not reach the host: refused by the host, or refused by netmgrd (queue-full, resource not active)."),
        Entry(name: "netmgr_messages_duplicated_total", kind: .counter, labels: [],
              help: "DATA frames a client resent whose sequence number this node had already handed to the host in that session; not sent again."),
        Entry(name: "netmgr_messages_queue_full_total", kind: .counter, labels: [],
              help: "DATA frames refused because their LU had too many messages waiting for the host."),
        Entry(name: "netmgr_lan_protocol_errors_total", kind: .counter, labels: [],
              help: "Client connections closed for a frame that does not parse."),
        Entry(name: "netmgr_host_data_dropped_total", kind: .counter, labels: [],
              help: "Host data records dropped because their client did not read its earlier output."),
        Entry(name: "netmgr_lan_connections_refused_total", kind: .counter, labels: [],
              help: "Client connections refused at the connection limit."),
        Entry(name: "netmgr_lan_handshakes_dropped_total", kind: .counter, labels: [],
              help: "Client connections closed before HELLO (deadline passed, or room made for a newer one)."),
        Entry(name: "netmgr_lan_slow_clients_closed_total", kind: .counter, labels: [],
              help: "Client connections closed because the client stopped reading."),
        Entry(name: "netmgr_client_connections", kind: .gauge, labels: [],
              help: "Client connections open now."),
        Entry(name: "netmgr_sessions", kind: .gauge, labels: [],
              help: "Client sessions (OPEN LUs) now."),
        Entry(name: "netmgr_clients_in_use", kind: .gauge, labels: [],
              help: "Client identities holding a licence now."),
        Entry(name: "netmgr_clients_limit", kind: .gauge, labels: [],
              help: "The licence count (max-clients); 0 means no limit."),
        Entry(name: "netmgr_clients_refused_total", kind: .counter, labels: [],
              help: "HELLOs refused as licence-exhausted."),
        Entry(name: "netmgr_opens_not_authorised_total", kind: .counter, labels: [],
              help: "OPENs refused as not-authorised."),
        // Resources.
        Entry(name: "netmgr_node_info", kind: .gauge, labels: ["node"],
              help: "Always 1; the node label names this netmgrd's node in the definitions."),
        Entry(name: "netmgr_resource_state", kind: .gauge, labels: ["resource"],
              help: "The resource's state on this node: 0 standby, 1 activating, 2 active, 3 deactivating."),
        Entry(name: "netmgr_resource_epoch", kind: .gauge, labels: ["resource"],
              help: "The epoch of the resource's current (or last) activation on this node; 0 if never activated here."),
        Entry(name: "netmgr_lus_bound", kind: .gauge, labels: ["resource"],
              help: "LUs of the resource bound at the host from this node."),
        Entry(name: "netmgr_failovers_total", kind: .counter, labels: ["resource"],
              help: "Activations that made the resource active here while, as far as this node knew, another node had last held it."),
        Entry(name: "netmgr_activation_to_all_bound_seconds", kind: .histogram, labels: ["resource"],
              help: "From the start of an activation on this node to the moment every LU of the resource was bound."),
        Entry(name: "netmgr_host_connects_total", kind: .counter, labels: ["resource"],
              help: "Connections to the host that opened (TN3270: TCP connections of the LUs; SDLC, BDLC: the host set the link up or polled; X.25, dial-up, ISDN: a call connected)."),
        Entry(name: "netmgr_host_rejects_total", kind: .counter, labels: ["resource"],
              help: "Times the host refused (TN3270E REJECT or a session closed before input; a call cleared or a line result such as BUSY; a link or block the host would not take). See docs/METRICS.md."),
        Entry(name: "netmgr_host_retries_total", kind: .counter, labels: ["resource"],
              help: "Retries scheduled after a failed connect, a refusal, a lost session or link, or a timeout (a reconnect, a line reopened, a call placed again)."),
        // LUs.
        Entry(name: "netmgr_lu_bound", kind: .gauge, labels: ["resource", "lu"],
              help: "1 while the LU is bound at the host from this node, else 0."),
        Entry(name: "netmgr_lu_unacked_messages", kind: .gauge, labels: ["resource", "lu"],
              help: "Messages handed to the host side for the LU and not acked yet."),
        Entry(name: "netmgr_lu_oldest_unacked_seconds", kind: .gauge, labels: ["resource", "lu"],
              help: "Age of the LU's oldest unacked message; 0 when none waits."),
        Entry(name: "netmgr_lu_time_to_bind_seconds", kind: .gauge, labels: ["resource", "lu"],
              help: "The LU's last time to bind: from the bind request (activation, or the loss of the session) to the bind."),
    ]

    /// Help text by name.
    public static let help: [String: String] = Dictionary(entries.map { ($0.name, $0.help) }, uniquingKeysWith: { first, _ in first })

    /// Every name a scrape can show, histogram series included (`_bucket`, `_sum`, `_count`).
    public static var seriesNames: Set<String> {
        var names: Set<String> = []
        for entry in entries {
            names.insert(entry.name)
            if entry.kind == .histogram { for suffix in ["_bucket", "_sum", "_count"] { names.insert(entry.name + suffix) } }
        }
        return names
    }
}
