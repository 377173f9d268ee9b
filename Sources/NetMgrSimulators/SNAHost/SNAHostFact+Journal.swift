import SDLC

extension SNAHostFact {
    /// The journal entry of a PU, LU, session or message fact, the same on every SNA line
    /// (SDLC, X.25/QLLC); `entry` makes an entry stamped with the line's path and addresses.
    /// Nil for the facts each line journals its own way (station, link) or not at all.
    func journalEntry(_ entry: (HostJournalEntry.Event, UInt8?) -> HostJournalEntry) -> HostJournalEntry? {
        switch self {
        case .physicalUnitRefused(_, let sense):
            var result = entry(.reject, nil)
            result.reason = "ACTPU refused, sense \(sense)"
            return result
        case .logicalUnitRefused(let lu, let sense):
            var result = entry(.reject, lu)
            result.reason = "ACTLU refused, sense \(sense)"
            return result
        case .sessionRefused(let lu, let sense):
            var result = entry(.reject, lu)
            result.reason = "BIND refused, sense \(sense)"
            return result
        case .sessionBound(let lu):
            return entry(.bind, lu)
        case .messageReceived(let lu, let sequenceNumber, let payload), .messageSent(let lu, let sequenceNumber, let payload):
            var result = entry(self.isReceived ? .message : .sent, lu)
            result.sequence = Int(sequenceNumber)
            result.digest = journalDigest(payload.readableBytesView)
            result.length = payload.readableBytes
            return result
        case .stationIdentified, .stationIdentificationUnreadable, .linkUp, .linkDown, .physicalUnitActivated,
             .logicalUnitActivated, .messageAccepted, .messageRejected, .protocolError:
            return nil
        }
    }

    private var isReceived: Bool {
        if case .messageReceived = self { return true }
        return false
    }
}
