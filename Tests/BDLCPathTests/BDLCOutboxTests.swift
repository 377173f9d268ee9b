import NIOCore
@testable import NetMgrServer
import Testing

/// The BDLC attachment's outbox: what it holds for the host and which prefix of each LU's
/// messages the tributary station has. A backlog longer than the station's queue waits,
/// nothing is refused, and the LUs take turns.
@Suite("BDLC: the attachment's outbox")
struct BDLCOutboxTests {
    static func entry(_ sequence: UInt64, lu: UInt8 = 2) -> BDLCOutbox.Entry {
        BDLCOutbox.Entry(lu: lu, tag: MessageTag(generation: 1, sequence: sequence), payload: ByteBuffer(string: "m\(sequence)"),
                         since: .uptimeNanoseconds(sequence))
    }

    @Test("a backlog longer than the window waits and follows, in order, as the host ACKs")
    func backlogFollowsACKs() throws {
        var outbox = BDLCOutbox(window: 4)
        var station: [UInt64] = []
        for sequence in 1...10 { outbox.append(Self.entry(UInt64(sequence))) }
        outbox.feed { station.append($0.tag.sequence); return true }
        #expect(station == [1, 2, 3, 4])
        #expect(outbox.count == 10 && outbox.handed == 4 && outbox.waiting == 6)
        var accepted: [UInt64] = []
        while let head = station.first {
            station.removeFirst()
            let entry = outbox.accepted(MessageTag(generation: 1, sequence: head))
            accepted.append(try #require(entry).tag.sequence)
            outbox.feed { station.append($0.tag.sequence); return true }
            #expect(station.count <= 4)
        }
        #expect(accepted == Array(1...10))
        #expect(outbox.isEmpty && outbox.handed == 0)
    }

    @Test("a refused hand-over stays waiting and is offered again first")
    func refusedHandOverWaits() {
        var outbox = BDLCOutbox(window: 8)
        for sequence in 1...3 { outbox.append(Self.entry(UInt64(sequence))) }
        var offered: [UInt64] = []
        outbox.feed { offered.append($0.tag.sequence); return $0.tag.sequence < 2 }
        #expect(offered == [1, 2] && outbox.handed == 1)
        offered = []
        outbox.feed { offered.append($0.tag.sequence); return true }
        #expect(offered == [2, 3] && outbox.handed == 3)
    }

    @Test("a new station has nothing: everything is handed again from the oldest")
    func stationResetHandsAgain() {
        var outbox = BDLCOutbox(window: 3)
        for sequence in 1...5 { outbox.append(Self.entry(UInt64(sequence))) }
        outbox.feed { _ in true }
        let first = outbox.accepted(MessageTag(generation: 1, sequence: 1))
        #expect(first?.tag.sequence == 1)
        outbox.stationReset()
        var station: [UInt64] = []
        outbox.feed { station.append($0.tag.sequence); return true }
        #expect(station == [2, 3, 4])
        let stale = outbox.accepted(MessageTag(generation: 1, sequence: 1))
        #expect(stale == nil, "a stale report changes nothing")
        #expect(outbox.handed == 3 && outbox.count == 4)
    }

    @Test("discard drops the LU's waiting messages and those the station gave back, keeps the one on the line")
    func discardKeepsTheOneOnTheLine() {
        var outbox = BDLCOutbox(window: 3)
        for sequence in 1...6 { outbox.append(Self.entry(UInt64(sequence), lu: sequence % 2 == 0 ? 2 : 3)) }
        outbox.feed { _ in true }  // 1 (LU 3, on the line), 2 (LU 2), 3 (LU 3) in the station
        outbox.discard(lu: 3, givenBack: [MessageTag(generation: 1, sequence: 3)])
        #expect(outbox.held(lu: 3).map(\.tag.sequence) == [1])
        #expect(outbox.held(lu: 2).map(\.tag.sequence) == [2, 4, 6])
        #expect(outbox.handed == 2, "1 and 2 are still in the station")
        var station: [UInt64] = []
        outbox.feed { station.append($0.tag.sequence); return true }
        #expect(station == [4])
    }

    @Test("one LU's long backlog does not hold another LU of the station back: the LUs take turns")
    func lusTakeTurns() {
        var outbox = BDLCOutbox(window: 4)
        for sequence in 1...10 { outbox.append(Self.entry(UInt64(sequence), lu: 2)) }  // a replay of LU 2's ledger
        outbox.append(Self.entry(11, lu: 3))
        var station: [UInt64] = []
        outbox.feed { station.append($0.tag.sequence); return true }
        #expect(station == [1, 11, 2, 3])
        #expect(outbox.handed(lu: 2).map(\.tag.sequence) == [1, 2, 3], "in order per LU")
    }

    /// Random events against a model of the station's FIFO queue: the station always holds
    /// exactly each LU's first handed entries, in order, never more than the window, and every
    /// message ends accepted once, in order per LU, or discarded on purpose; none is refused.
    @Test(arguments: [UInt64(1), 2, 3, 17, 2026])
    func randomEventsKeepTheInvariants(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let window = Int.random(in: 1...6, using: &random)
        var outbox = BDLCOutbox(window: window)
        var station: [MessageTag] = []
        var next: UInt64 = 1
        var accepted: [UInt8: [UInt64]] = [:]
        var discarded: Set<UInt64> = []
        for _ in 0..<2_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...3:
                outbox.append(Self.entry(next, lu: Bool.random(using: &random) ? 2 : 3))
                next += 1
            case 4...6:
                if let head = station.first {  // the host ACKs the block on the line
                    station.removeFirst()
                    let answered = outbox.accepted(head)
                    let entry = try #require(answered)
                    #expect(entry.tag == head)
                    accepted[entry.lu, default: []].append(entry.tag.sequence)
                }
            case 7:
                station.removeAll()  // the line was opened again: a fresh station
                outbox.stationReset()
            default:
                // A client leaves: the station gives back the LU's messages but the one on the line.
                let lu: UInt8 = Bool.random(using: &random) ? 2 : 3
                let ofLU = Set(outbox.held(lu: lu).map(\.tag))
                let givenBack = station.dropFirst().filter { ofLU.contains($0) }
                station.removeAll { givenBack.contains($0) }
                let before = Set(outbox.held(lu: lu).map(\.tag.sequence))
                outbox.discard(lu: lu, givenBack: Set(givenBack))
                discarded.formUnion(before.subtracting(outbox.held(lu: lu).map(\.tag.sequence)))
            }
            outbox.feed { station.append($0.tag); return true }
            for lu: UInt8 in [2, 3] {
                let inStation = Set(outbox.held(lu: lu).map(\.tag))
                #expect(station.filter { inStation.contains($0) } == outbox.handed(lu: lu).map(\.tag), "seed \(seed): LU \(lu)")
            }
            #expect(station.count == outbox.handed, "seed \(seed)")
            #expect(outbox.handed <= window && (outbox.handed == window || outbox.waiting == 0), "seed \(seed): the window is kept full")
        }
        // Drain: every message still held is accepted.
        while let head = station.first {
            station.removeFirst()
            let answered = outbox.accepted(head)
            let entry = try #require(answered)
            accepted[entry.lu, default: []].append(entry.tag.sequence)
            outbox.feed { station.append($0.tag); return true }
        }
        #expect(outbox.isEmpty)
        for (lu, sequences) in accepted { #expect(sequences == sequences.sorted(), "seed \(seed): LU \(lu) out of order") }
        let all = accepted.values.flatMap { $0 }
        #expect(all.count == Set(all).count, "seed \(seed): accepted twice")
        #expect(Set(all).union(discarded) == Set(1..<next), "seed \(seed): every message accepted or discarded")
        #expect(Set(all).isDisjoint(with: discarded))
    }
}
