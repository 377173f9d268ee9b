import Logging
import NIOCore
import TN3270

/// What all connections of one simulated host share: the LU table, the journal and the
/// open connections. Lives on the host's one event loop and is only touched there.
final class TN3270HostCore {
    let configuration: TN3270HostConfiguration
    let logger: Logger
    let eventLoop: any EventLoop
    private let journal: HostJournal?
    private let observer: (@Sendable (HostJournalEntry) -> Void)?
    private(set) var table: TN3270HostLUTable
    private var channels: [TN3270HostLUTable.ConnectionID: any Channel] = [:]
    private var nextConnectionID = 1
    private var expiryTimer: Scheduled<Void>?
    private(set) var isShuttingDown = false

    init(
        configuration: TN3270HostConfiguration, journal: HostJournal?, logger: Logger, eventLoop: any EventLoop,
        observer: (@Sendable (HostJournalEntry) -> Void)?
    ) {
        self.configuration = configuration
        self.journal = journal
        self.logger = logger
        self.eventLoop = eventLoop
        self.observer = observer
        self.table = TN3270HostLUTable(map: configuration.luMap, holdAfterClose: configuration.holdAfterClose)
    }

    /// A new connection; nil while shutting down (the caller closes it).
    func register(_ channel: any Channel) -> TN3270HostLUTable.ConnectionID? {
        eventLoop.preconditionInEventLoop()
        guard !isShuttingDown else { return nil }
        let id = nextConnectionID
        nextConnectionID += 1
        channels[id] = channel
        return id
    }

    func unregister(_ connection: TN3270HostLUTable.ConnectionID) {
        channels[connection] = nil
    }

    func record(_ entry: HostJournalEntry) {
        journal?.record(entry)
        observer?(entry)
    }

    /// Decides an LU request. An LU the connection was granted but never bound (a client
    /// that backs off from TN3270E to basic and asks again) is given up first.
    func request(_ request: TN3270LURequest, holder: TN3270HostLUTable.Holder) -> TN3270HostLUTable.Decision {
        let now = NIODeadline.now()
        logExpired(table.expire(now: now))
        table.release(connection: holder.connection, hold: false, now: now)
        return table.request(request.target, deviceType: request.deviceType, holder: holder, now: now)
    }

    /// The connection is gone: journal the unbind (if it was bound) and release its LU,
    /// which lingers for `holdAfterClose` when the connection closed rather than died.
    func release(_ connection: TN3270HostLUTable.ConnectionID, session: TN3270HostSession, reason: HostJournalEntry.TN3270UnbindReason) {
        let bound = session.binding != nil
        let hold = bound && (reason == .closed || reason == .protocolError)
        let now = NIODeadline.now()
        guard let lu = table.release(connection: connection, hold: hold, now: now) else { return }
        if bound {
            var entry = HostJournalEntry.tn3270(.unbind, session)
            entry.reason = reason.rawValue
            record(entry)
        }
        if hold, configuration.holdAfterClose > .zero {
            logger.info("LU \(lu) stays busy for \(configuration.holdAfterClose) after its connection from \(session.client):\(session.port) closed")
            scheduleExpiry()
        } else {
            logger.info("LU \(lu) is free (\(reason.rawValue), connection from \(session.client):\(session.port))")
        }
    }

    /// Frees lingering LUs on time, so the log says when they became free again (requests
    /// also check, so a late timer never grants too early or too late).
    private func scheduleExpiry() {
        expiryTimer?.cancel()
        guard let next = table.nextExpiry, !isShuttingDown else { return }
        expiryTimer = eventLoop.assumeIsolated().scheduleTask(deadline: next) { [weak self] in
            guard let self else { return }
            self.logExpired(self.table.expire(now: .now()))
            self.scheduleExpiry()
        }
    }

    private func logExpired(_ lus: [String]) {
        for lu in lus { logger.info("LU \(lu) is free: its hold after close ran out") }
    }

    /// Stops accepting and closes every connection; bound LUs are journaled as unbound
    /// with reason `shutdown`. Completes when every connection is closed.
    func shutdown() -> EventLoopFuture<Void> {
        isShuttingDown = true
        expiryTimer?.cancel()
        let closing = channels.values.map { channel in
            channel.close(mode: .all).flatMapError { _ in channel.eventLoop.makeSucceededVoidFuture() }
                .flatMap { channel.closeFuture }
        }
        return EventLoopFuture.andAllComplete(closing, on: eventLoop)
    }
}
