import Foundation
import SDLC

/// Turns a switched session's facts into journal entries (path `dialup` or `isdn`), like the
/// SDLC host's: link-up/link-down with the station and XID node id, `bind`/`message`/`reject`
/// per LU through `SNAHostFact.journalEntry`, `unbind` when the link or the call goes, and a
/// `reject` when the caller's node id is not a PU of the switched major node. Every entry
/// carries the call's calling and called numbers.
final class SwitchedHostJournalRecorder {
    let path: String
    let line: String
    let journal: HostJournal?
    var callingNumber: String?
    var calledNumber: String?
    private var pu: SwitchedPU?
    private var station: UInt8?
    private var nodeID: XIDNodeID?
    private var sessions = HostJournalSessions()

    init(path: String, line: String, journal: HostJournal?) {
        self.path = path
        self.line = line
        self.journal = journal
    }

    /// A new call: numbers known, PU not yet.
    func callConnected(calling: String?, called: String?) {
        callingNumber = calling
        calledNumber = called
        pu = nil
        station = nil
        nodeID = nil
        sessions.reset()
    }

    func identified(_ pu: SwitchedPU, stationAddress: UInt8) {
        self.pu = pu
        station = stationAddress
        nodeID = pu.nodeID
    }

    func refused(nodeID: XIDNodeID?, reason: String) {
        self.nodeID = nodeID
        var entry = entry(.reject)
        entry.reason = "switched PU refused: \(reason)"
        write(entry)
    }

    func record(_ fact: SNAHostFact) {
        switch fact {
        case .stationIdentified(_, let id):
            nodeID = id
        case .stationIdentificationUnreadable(_, let error):
            var entry = entry(.reject)
            entry.reason = "XID unreadable: \(error)"
            write(entry)
        case .linkUp:
            write(entry(.linkUp))
        case .linkDown(_, let reason):
            sessions.ended(cause: "link down", reason: reason) { entry($0, lu: $1) }.forEach(write)
        default:
            if let entry = sessions.entry(for: fact, { entry($0, lu: $1) }) { write(entry) }
        }
    }

    private func entry(_ event: HostJournalEntry.Event, lu: UInt8? = nil) -> HostJournalEntry {
        var entry = HostJournalEntry(event: event, path: path)
        entry.line = pu?.lineName ?? line
        entry.station = station.map(SDLCHostJournalRecorder.stationText)
        entry.nodeId = nodeID.map(SDLCHostJournalRecorder.nodeIDText)
        entry.callingNumber = callingNumber
        entry.calledNumber = calledNumber
        if let lu {
            entry.luAddress = Int(lu)
            entry.lu = pu?.luName(lu)
        }
        return entry
    }

    private func write(_ entry: HostJournalEntry) {
        journal?.record(entry)
    }
}
