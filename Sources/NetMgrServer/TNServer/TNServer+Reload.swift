import Logging
import NIOCore
import NetMgrCore

/// Issue 15 part 3: a definitions reload (SIGHUP; `Router.reload` calls `reload(_:)` with the
/// set it takes, already validated) gives the TN server its new map, pools and timers. The
/// assigner keeps the LUs emulators hold (their sessions go on; an LU removed from the
/// definitions loses its session through the router) and the keep-lu reservations of LUs
/// that are still defined and still offered by the map or a pool, with their deadlines.
/// New timers apply to connections accepted from then on; connections open now keep theirs.
/// The listeners stay as they are: a changed `vip` or `starttls` is refused (it takes a restart), as are
/// changes to the nodes' `tn-server:` (Router.reload refuses node changes).
extension TNServer {
    /// Takes `definitions.cluster.tn-server`; puts back what it refuses. Returns the refusals.
    func reload(_ definitions: inout Definitions) -> [String] {
        let old = settings
        guard var new = definitions.cluster.tnServer else {
            definitions.cluster.tnServer = old
            let text = "cluster.tn-server: removed, but this node's TN server runs; the running map, pools and timers are kept (stopping the TN server takes removing tn-server: from the node and a restart)"
            return [text]
        }
        var refused: [String] = []
        if new.vip != old.vip {
            refused.append("cluster.tn-server.vip: \(old.vip?.description ?? "none") → \(new.vip?.description ?? "none") takes a restart of netmgrd (the listener is bound at start); still listening on \(old.vip?.description ?? "no VIP")")
            new.vip = old.vip
            definitions.cluster.tnServer = new
        }
        if new.startTLS != old.startTLS {
            refused.append("cluster.tn-server.starttls: \(old.startTLS.rawValue) → \(new.startTLS.rawValue) takes a restart of netmgrd (the listener's TLS is set up at start); still \(old.startTLS.rawValue)")
            new.startTLS = old.startTLS
            definitions.cluster.tnServer = new
        }
        let changes = Self.changes(from: old, to: new)
        let defined = Set(definitions.lus.map(\.name))
        let offered = Self.offeredLUs(new).intersection(defined)
        settings = new
        let dropped = assigner.take(new, printerLUs: Self.printerLUs(in: definitions), keepingReservationsOf: offered)
        for (lu, reservation) in dropped.sorted(by: { $0.key < $1.key }) {
            logger.notice("TN server reload: LU \(lu) is no longer \(defined.contains(lu) ? "offered by the map or a pool" : "defined"); its keep-lu reservation for \(reservation.client) is dropped")
        }
        for (lu, client) in assigner.held.sorted(by: { $0.key < $1.key }) where !offered.contains(lu) {
            logger.notice("TN server reload: LU \(lu) is no longer \(defined.contains(lu) ? "offered by the map or a pool" : "defined"); the emulator at \(client) keeps it until its session ends\(defined.contains(lu) ? "" : " (the router ends it)")")
        }
        if changes.isEmpty {
            logger.info("TN server reload: map, pools and timers unchanged; \(assigner.held.count) LU(s) held, \(assigner.reserved.count) kept (keep-lu)")
        } else {
            logger.notice("TN server reload: \(changes.joined(separator: "; ")); \(assigner.held.count) LU(s) held and \(assigner.reserved.count) kept (keep-lu) stay")
        }
        return refused
    }

    /// Every LU the settings offer: map entries' lus, lu and printer-lu, the pools' lus, the
    /// printers paired with displays.
    static func offeredLUs(_ settings: TNServerSettings) -> Set<String> {
        var lus = Set(settings.pools.flatMap(\.lus))
        lus.formUnion(settings.printers.map(\.printer))
        for entry in settings.map {
            lus.formUnion(entry.lus)
            if case .lu(let lu)? = entry.generic { lus.insert(lu) }
            if case .lu(let lu)? = entry.printerGeneric { lus.insert(lu) }
        }
        return lus
    }

    /// What differs between two settings, for the log and for `netmgr check --against`,
    /// each naming the key (and the pool or map entry) and both values.
    static func changes(from old: TNServerSettings, to new: TNServerSettings) -> [String] {
        TNServerSettingsComparison.differences(old, new, timers: true).map { difference in
            "\(difference.key) \(difference.this?.value ?? "(none)") → \(difference.other?.value ?? "(none)")"
        }
    }
}
