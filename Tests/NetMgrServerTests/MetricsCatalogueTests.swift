import Foundation
import CoreMetrics
@testable import NetMgrServer
import NetMgrTestSupport
import Testing

/// The metric names are a contract with dashboards (issue 18): every metric netmgrd
/// creates is in `MetricsCatalogue`, and the factory gives each its HELP line and the
/// activation histogram its buckets.
@Suite("Metrics catalogue and factory")
struct MetricsCatalogueTests {
    @Test("names are unique, snake case with the netmgr_ prefix, counters end in _total")
    func names() {
        let names = MetricsCatalogue.entries.map(\.name)
        #expect(Set(names).count == names.count)
        for entry in MetricsCatalogue.entries {
            #expect(entry.name.hasPrefix("netmgr_") && entry.name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(entry.name)")
            #expect((entry.kind == .counter) == entry.name.hasSuffix("_total"), "\(entry.name)")
            #expect(!entry.help.isEmpty)
        }
    }

    @Test("every metric label in DaemonMetrics is in the catalogue, and every catalogue entry is created there")
    func sourcesMatch() throws {
        let source = try String(contentsOf: BuiltProducts.packageRoot.appendingPathComponent("Sources/NetMgrServer/Daemon/DaemonMetrics.swift"), encoding: .utf8)
        let expression = try NSRegularExpression(pattern: #"label: "([a-z_]+)""#)
        let created = Set(expression.matches(in: source, range: NSRange(source.startIndex..., in: source)).map {
            String(source[Range($0.range(at: 1), in: source)!])
        })
        #expect(created == Set(MetricsCatalogue.entries.map(\.name)))
    }

    @Test("the factory writes HELP lines and the activation buckets 0.5, 1, 2, 5")
    func factory() {
        let factory = NetMgrMetricsFactory()
        factory.makeCounter(label: "netmgr_failovers_total", dimensions: [("resource", "TNVIP")]).increment(by: 2)
        factory.makeRecorder(label: "netmgr_activation_to_all_bound_seconds", dimensions: [("resource", "TNVIP")], aggregate: true).record(0.7)
        factory.makeRecorder(label: "netmgr_lu_bound", dimensions: [("resource", "TNVIP"), ("lu", "VIPLU01")], aggregate: false).record(1.0)
        let text = factory.exposition()
        #expect(text.contains("# HELP netmgr_failovers_total \(MetricsCatalogue.help["netmgr_failovers_total"]!)\n"), "\(text)")
        #expect(text.contains("# TYPE netmgr_activation_to_all_bound_seconds histogram\n"))
        let buckets = text.split(separator: "\n").filter { $0.hasPrefix("netmgr_activation_to_all_bound_seconds_bucket{") }
        #expect(buckets.count == 5, "\(buckets)")
        #expect(buckets.contains { $0.contains("le=\"0.5\"") && $0.hasSuffix(" 0") })
        #expect(buckets.contains { $0.contains("le=\"1") && $0.hasSuffix(" 1") })
        #expect(buckets.contains { $0.contains("le=\"+Inf\"") && $0.hasSuffix(" 1") })
        #expect(text.contains("netmgr_failovers_total{resource=\"TNVIP\"} 2"))
    }

    @Test("the host ledger says how many accepted messages an ACK covers")
    func ledgerCovers() {
        var ledger = HostLedger()
        for sequence in 1...4 { ledger.handed(sequence: UInt64(sequence), bytes: 1) }
        #expect(ledger.accepted(2).acceptedCovered == 0)  // behind 1, still pending
        #expect(ledger.rejected(3).acceptedCovered == 0)
        let report = ledger.accepted(1)
        #expect(report.ack == 2 && report.acceptedCovered == 2)  // 1 and 2; 3 was rejected
        #expect(ledger.accepted(4).acceptedCovered == 1)
    }
}
