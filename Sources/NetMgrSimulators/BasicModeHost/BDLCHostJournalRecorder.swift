import BasicMode
import NIOCore

/// Turns the BDLC control station's events into journal entries (path `bdlc`): `link-up`
/// and a `bind` per LU when the station answers, `message` per accepted text block with the
/// LU of its heading, a per-LU sequence number, digest and length, `unbind` per LU and
/// `link-down` when the station goes silent or its line closes.
final class BDLCHostJournalRecorder {
    let configuration: BDLCHostLineConfiguration
    let journal: HostJournal?
    private var sequences: [UInt8: Int] = [:]
    private var up = false

    init(configuration: BDLCHostLineConfiguration, journal: HostJournal?) {
        self.configuration = configuration
        self.journal = journal
    }

    func stationAnswering() {
        up = true
        write(entry(.linkUp))
        for lu in configuration.logicalUnits { write(entry(.bind, lu: lu.address)) }
    }

    func stationLost(reason: String) {
        guard up else { return }
        up = false
        for lu in configuration.logicalUnits {
            var entry = entry(.unbind, lu: lu.address)
            entry.reason = reason
            write(entry)
        }
        var entry = entry(.linkDown)
        entry.reason = reason
        write(entry)
    }

    /// A message the host took from a block it acknowledged.
    func accepted(lu: UInt8, payload: ByteBuffer) {
        var entry = entry(.message, lu: lu)
        let sequence = (sequences[lu] ?? 0) + 1
        sequences[lu] = sequence
        entry.sequence = sequence
        entry.digest = journalDigest(payload.readableBytesView)
        entry.length = payload.readableBytes
        write(entry)
    }

    private func entry(_ event: HostJournalEntry.Event, lu: UInt8? = nil) -> HostJournalEntry {
        var entry = HostJournalEntry(event: event, path: "bdlc")
        entry.line = configuration.journalName
        entry.station = bdlcHex(configuration.stationAddress.rawValue)
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
