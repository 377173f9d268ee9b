import Foundation
import NetMgrSimulators
import Testing

@Suite("Delivery ledger: what an application sent against what the host journaled")
struct DeliveryLedgerTests {
    func message(_ lu: String, _ digest: String, at time: Double = 0) -> HostJournalEntry {
        var entry = HostJournalEntry(time: time, event: .message, path: "tn3270")
        entry.lu = lu
        entry.digest = digest
        return entry
    }

    @Test("lost, delivered and duplicated per LU and in total; acks counted per LU")
    func tally() {
        var ledger = DeliveryLedger()
        ledger.register(resource: "R", lu: "QUIET")
        for (index, digest) in ["a", "b", "c"].enumerated() { ledger.submitted(resource: "R", lu: "LU1", digest: digest, at: Double(index)) }
        ledger.submitted(resource: "R", lu: "LU2", digest: "a", at: 10)
        ledger.acked(lu: "LU1", count: 2)
        ledger.journaled([message("LU1", "a"), message("LU1", "a"), message("LU1", "c"), message("LU2", "a"), message("LU2", "zzz")])
        var sent = HostJournalEntry(time: 0, event: .sent, path: "tn3270")
        sent.lu = "LU1"
        sent.digest = "b"
        ledger.journaled(sent)  // only accepted messages count

        #expect(ledger.tally(lu: "LU1") == DeliveryLedger.Tally(sent: 3, acked: 2, delivered: 2, lost: 1, duplicated: 1))
        #expect(ledger.tally(lu: "LU2") == DeliveryLedger.Tally(sent: 1, acked: 0, delivered: 1, lost: 0, duplicated: 0))
        #expect(ledger.tally(lu: "QUIET") == DeliveryLedger.Tally())
        #expect(ledger.tally() == DeliveryLedger.Tally(sent: 4, acked: 2, delivered: 3, lost: 1, duplicated: 1))
        #expect(ledger.lost(lu: "LU1").map(\.digest) == ["b"])
        #expect(ledger.lus.map(\.lu) == ["QUIET", "LU1", "LU2"])
        #expect(ledger.resource(of: "LU2") == "R")
        // A window counts the messages submitted in it, without acks.
        #expect(ledger.tally(submittedIn: 0.5...1.5) == DeliveryLedger.Tally(sent: 1, lost: 1))
        #expect(ledger.tally(submittedIn: 1.5...100) == DeliveryLedger.Tally(sent: 2, delivered: 2))
    }

    @Test("the ledger file round-trips; a last line cut short is skipped, a bad line elsewhere is an error naming it")
    func file() throws {
        let path = NSTemporaryDirectory() + "/ledger-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try DeliveryLedgerFile(path: path)
        let submissions = (0..<3).map { DeliveryLedger.Submission(time: Double($0), resource: "R", lu: "LU\($0)", digest: "d\($0)") }
        submissions.forEach(file.append)
        file.close()
        #expect(try DeliveryLedger.readSubmissions(path: path) == submissions)

        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"time":3,"reso"#.utf8))
        try handle.close()
        #expect(try DeliveryLedger.readSubmissions(path: path) == submissions)

        try Data("not json\n".utf8 + (try Data(contentsOf: URL(fileURLWithPath: path)))).write(to: URL(fileURLWithPath: path))
        #expect(throws: DeliveryLedger.LedgerError.self) { try DeliveryLedger.readSubmissions(path: path) }
        do {
            _ = try DeliveryLedger.readSubmissions(path: path)
        } catch {
            #expect("\(error)".contains("line 1"))
        }
    }
}
