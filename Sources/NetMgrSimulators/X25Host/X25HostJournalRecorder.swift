import Foundation
import NetMgrAddresses
import SDLC

/// Turns an X.25 line's host facts into journal entries (path `x25`): link-up per accepted
/// and identified call with the calling DTE and node id, `reject` for a refused call or node
/// id, `bind`/`message`/`sent`/`unbind` per LU with its local address, `link-down` when the
/// call ends. Every entry carries the calling DTE and node id the session runs under.
final class X25HostJournalRecorder {
    var line: String
    var luNames: [UInt8: String]
    let journal: HostJournal?
    private var calling: X121Address?
    private var called: X121Address?
    private var nodeID: XIDNodeID?
    private var sessions = HostJournalSessions()

    init(line: String, luNames: [UInt8: String], journal: HostJournal?) {
        self.line = line
        self.luNames = luNames
        self.journal = journal
    }

    func record(_ fact: X25HostFact) {
        switch fact {
        case .callAccepted(let calling, let called):
            self.calling = calling
            self.called = called
        case .callRefused(let calling, let reason):
            var entry = entry(.reject)
            entry.callingDte = calling.description
            entry.reason = "call refused: \(reason)"
            write(entry)
        case .terminalIdentified(let id):
            nodeID = id
        case .identificationRefused(let id, let reason):
            var entry = entry(.reject)
            entry.nodeId = id.map(SDLCHostJournalRecorder.nodeIDText)
            entry.reason = "QXID refused: \(reason)"
            write(entry)
            calling = nil
        case .linkUp:
            write(entry(.linkUp))
        case .callCleared(let reason):
            sessions.ended(cause: "call cleared", reason: reason) { entry($0, lu: $1) }.forEach(write)
            calling = nil
            nodeID = nil
        case .sna(let fact):
            record(fact)
        }
    }

    /// Link and station facts come from the X.25 side (call, QXID, QLLC link); the rest is
    /// journaled as on the SDLC line.
    private func record(_ fact: SNAHostFact) {
        if let entry = sessions.entry(for: fact, { entry($0, lu: $1) }) { write(entry) }
    }

    /// The host stops: sessions and call end with it.
    func close() {
        guard calling != nil || !sessions.isEmpty else { return }
        record(.callCleared(reason: "host simulator stopped"))
    }

    private func entry(_ event: HostJournalEntry.Event, lu: UInt8? = nil) -> HostJournalEntry {
        var entry = HostJournalEntry(event: event, path: "x25")
        entry.line = line
        entry.callingDte = calling?.description
        entry.calledDte = called?.description
        entry.nodeId = nodeID.map(SDLCHostJournalRecorder.nodeIDText)
        if let lu {
            entry.luAddress = Int(lu)
            entry.lu = luNames[lu]
        }
        return entry
    }

    private func write(_ entry: HostJournalEntry) {
        journal?.record(entry)
    }
}
