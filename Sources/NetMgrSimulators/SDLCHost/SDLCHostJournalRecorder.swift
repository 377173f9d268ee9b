import Foundation
import SDLC

/// Turns the SDLC host's facts into journal entries (path `sdlc`): link-up/link-down with
/// the station and XID node id, `bind` per LU with its local address (and name), `message`
/// per LU-LU data record with its sequence number, digest and length, `unbind` when the
/// link takes the sessions down, `reject` when the terminal refuses an activation.
final class SDLCHostJournalRecorder {
    let configuration: SDLCHostLinkConfiguration
    let journal: HostJournal?
    private var nodeID: XIDNodeID?
    private var sessions = HostJournalSessions()

    init(configuration: SDLCHostLinkConfiguration, journal: HostJournal?) {
        self.configuration = configuration
        self.journal = journal
    }

    static func stationText(_ address: UInt8) -> String {
        "0x" + String(format: "%02X", address)
    }

    static func nodeIDText(_ nodeID: XIDNodeID) -> String {
        String(format: "%08X", nodeID.rawValue)
    }

    func record(_ fact: SNAHostFact, facts: SNAHostFacts) {
        switch fact {
        case .stationIdentified(_, let id):
            nodeID = id
        case .stationIdentificationUnreadable(_, let error):
            nodeID = nil
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

    /// The host stops: sessions and link end with it.
    func close(now facts: SNAHostFacts) {
        guard facts.stationAddress != nil || !sessions.isEmpty else { return }
        record(.linkDown(stationAddress: configuration.stationAddress, reason: "host simulator stopped"), facts: facts)
    }

    private func entry(_ event: HostJournalEntry.Event, lu: UInt8? = nil) -> HostJournalEntry {
        var entry = HostJournalEntry(event: event, path: "sdlc")
        entry.line = configuration.line
        entry.station = Self.stationText(configuration.stationAddress)
        entry.nodeId = nodeID.map(Self.nodeIDText)
        if let lu {
            entry.luAddress = Int(lu)
            entry.lu = configuration.luName(lu)
        }
        return entry
    }

    private func write(_ entry: HostJournalEntry) {
        journal?.record(entry)
    }
}
