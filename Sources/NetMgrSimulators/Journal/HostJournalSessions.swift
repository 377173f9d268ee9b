import SDLC

/// The LU sessions a host journal recorder has seen bound, and the entries they make: each
/// per-LU fact through `SNAHostFact.journalEntry`, and, when the link or the call goes, an
/// `unbind` per bound LU followed by `link-down`. The SDLC, switched and X.25 hosts' recorders
/// share it; each adds what its path knows (station, numbers, DTE addresses, PU) in `make`.
struct HostJournalSessions {
    typealias Make = (HostJournalEntry.Event, UInt8?) -> HostJournalEntry
    private(set) var bound: Set<UInt8> = []

    var isEmpty: Bool { bound.isEmpty }

    mutating func reset() { bound = [] }

    /// The entry of a per-LU fact (bind, message, sent, unbind, reject), if it makes one.
    mutating func entry(for fact: SNAHostFact, _ make: Make) -> HostJournalEntry? {
        if case .sessionBound(let lu) = fact { bound.insert(lu) }
        return fact.journalEntry(make)
    }

    /// The link or call is gone: `unbind` per bound LU, in address order, with the reason
    /// "`cause`: `reason`", then `link-down` with the reason. No session is left bound.
    mutating func ended(cause: String, reason: String, _ make: Make) -> [HostJournalEntry] {
        var entries: [HostJournalEntry] = []
        for lu in bound.sorted() {
            var entry = make(.unbind, lu)
            entry.reason = "\(cause): \(reason)"
            entries.append(entry)
        }
        bound = []
        var entry = make(.linkDown, nil)
        entry.reason = reason
        entries.append(entry)
        return entries
    }
}
