import PropertyBased
@testable import NetMgrServer
import Testing

/// `HostLedger` under host answers in random order, repeated, and for unknown sequences.
@Suite("Router: host ledger")
struct HostLedgerTests {
    @Test("random answer order: each message settles once, ACK N never covers a pending message, and all are covered in the end")
    func randomOrder() async {
        // Gaps in the sequences stand for messages the client dropped before a failover.
        await propertyCheck(count: 200, input: Gen.int(in: 1...3).array(of: 1...30), Gen.int(in: 0...200).array(of: 0...80)) { gaps, answers in
            var ledger = HostLedger()
            var sequences: [UInt64] = []
            var next: UInt64 = 0
            for gap in gaps {
                next += UInt64(gap)
                sequences.append(next)
                ledger.handed(sequence: next, bytes: gap * 10)
            }
            var pending = Set(sequences)
            var accepted = Set<UInt64>()
            var lastAck: UInt64 = 0
            func answer(_ sequence: UInt64, accept: Bool) {
                let report = accept ? ledger.accepted(sequence) : ledger.rejected(sequence)
                #expect(report.settled == pending.contains(sequence), "settled once: \(sequence)")
                if report.settled {
                    pending.remove(sequence)
                    if accept { accepted.insert(sequence) }
                }
                if let ack = report.ack {
                    #expect(ack > lastAck && accepted.contains(ack))
                    #expect(!pending.contains { $0 <= ack }, "ACK \(ack) with \(pending.sorted()) pending")
                    lastAck = ack
                }
                #expect(ledger.pendingBytes == sequences.enumerated().filter { pending.contains($0.element) }.map { gaps[$0.offset] * 10 }.reduce(0, +))
            }
            for code in answers {
                // Now and then a sequence never handed over: past the last, or in a gap.
                let picked = sequences[(code / 2) % sequences.count]
                let sequence = code % 17 == 0 ? next + 1 : code % 13 == 0 ? picked - 1 : picked
                answer(sequence, accept: code % 2 == 0)
            }
            for sequence in sequences { answer(sequence, accept: true) }
            #expect(ledger.messages == 0 && ledger.pendingBytes == 0)
            #expect(ledger.settledThrough == sequences.last)
            #expect(lastAck == accepted.max() ?? 0)
        }
    }
}
