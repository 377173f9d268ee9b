import Foundation
import TN3270

/// Journal entries of the TN3270 host (path `tn3270`).
extension HostJournalEntry {
    /// Why an LU stopped being bound.
    enum TN3270UnbindReason: String {
        /// The client closed the connection (or it was reset).
        case closed
        /// Probing found the connection dead.
        case probeTimeout = "probe-timeout"
        /// The host closed it because the client broke the protocol.
        case protocolError = "protocol-error"
        /// The simulator is shutting down.
        case shutdown
        /// The host refused the terminal at screen level (`screenReject`) and closed.
        case refused
    }

    static func tn3270(_ event: Event, _ session: TN3270HostSession) -> HostJournalEntry {
        var entry = HostJournalEntry(event: event, path: "tn3270")
        entry.lu = session.lu
        entry.client = session.client
        entry.clientPort = session.port
        entry.dialect = session.dialectName
        entry.deviceType = session.binding?.deviceType
        return entry
    }

    static func tn3270Reject(_ session: TN3270HostSession, request: TN3270LURequest, reason: TN3270ERejectReason, explanation: String) -> HostJournalEntry {
        var entry = tn3270(.reject, session)
        entry.lu = request.luName
        entry.dialect = request.dialect == .tn3270e ? "tn3270e" : "tn3270"
        entry.deviceType = request.deviceType
        entry.reason = "\(reason): \(explanation)"
        return entry
    }

    /// A record that crossed the wire: `data` without the TN3270E header.
    static func tn3270Record(_ event: Event, _ session: TN3270HostSession, sequence: Int, data: some Sequence<UInt8>, length: Int) -> HostJournalEntry {
        var entry = tn3270(event, session)
        entry.sequence = sequence
        entry.digest = journalDigest(data)
        entry.length = length
        return entry
    }
}
