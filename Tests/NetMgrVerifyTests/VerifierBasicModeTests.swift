import BasicMode
import Foundation
import NetMgrCore
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// The BDLC path: LINKTYPE_USER0 captures made with the host simulator's recorder from
/// BasicMode-encoded elements, judged against definitions where each node has its own line
/// and station address (△).
@Suite("Verifier: BDLC stations, episodes and the △ promise")
struct VerifierBasicModeTests {
    let directory: TemporaryDirectory
    let definitions: Definitions

    /// A cluster with one BDLC line (node-a station 0x41, node-b 0x42, each its own device:
    /// host lines 1 and 2 in the simulator's numbering) and resource BDLCTEST on it with LUs
    /// 2 and 3.
    static let definitionsText = """
        cluster:
          name: bdlc-test
          nodes:
            - name: node-a
              address: 127.0.31.111
              lan: 127.0.31.111:7301
            - name: node-b
              address: 127.0.31.112
              lan: 127.0.31.112:7301
          groups:
            - name: hostlink
              resources: [BDLCTEST]
        lines:
          - name: BSCTEST
            procedure: bdlc
            nodes:
              node-a: { device: "tcp:127.0.31.100:7511", bdlc-address: 0x41 }
              node-b: { device: "tcp:127.0.31.100:7512", bdlc-address: 0x42 }
        resources:
          - name: BDLCTEST
            line: BSCTEST
        lus:
          - { name: BTLU02, address: 2, resource: BDLCTEST }
          - { name: BTLU03, address: 3, resource: BDLCTEST }

        """

    static func writeDefinitions(into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try definitionsText.write(toFile: directory + "/netmgr.yaml", atomically: true, encoding: .utf8)
    }

    init() throws {
        directory = try TemporaryDirectory(prefix: "verify-bdlc")
        try Self.writeDefinitions(into: directory.file("definitions"))
        let loaded = try DefinitionsLoader.load(directory: directory.file("definitions"))
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        definitions = loaded.definitions
    }

    func verify(_ path: String, definitions: Bool = true, expect: FailoverPromise? = nil, silence: Duration? = nil) throws -> VerificationReport {
        try Verifier(options: VerifyOptions(definitions: definitions ? self.definitions : nil, expect: expect, linkSilence: silence)).verify(path: path)
    }

    /// node-a's station 0x41 on host line 1 carries LU 2 and LU 3 traffic (its blocks to the
    /// host, the host's blocks to it after a selection) until 3 s; then it answers no more
    /// polls. From 4 s `after` on host line `afterLine` answers and carries the traffic.
    /// Before that, line 2's station is polled and either stays silent or answers EOT.
    static func failover(in directory: TemporaryDirectory, name: String, after: UInt8 = 0x42, afterLine: Int = 2,
                         coding: BasicModeCoding = .ascii, standbyAnswers: Bool = false, badBlockAt: Int? = nil) throws -> String {
        let capture = try BasicModeCapture(path: directory.file(name))
        var message = 0
        func block(_ lu: UInt8) -> BasicModeElement {
            message += 1
            // Every third message holds control characters: transparent text.
            let text: [UInt8] = message % 3 == 0 ? [0x10, 0x03, UInt8(message & 0x3F) | 0x40] : Array("MSG\(message)".utf8).map { coding == .ebcdic ? $0 | 0x80 : $0 }
            return BasicModeCapture.block(lu: lu, text, coding: coding)
        }
        for cycle in 0..<80 {
            let t = Double(cycle) * 0.1
            if t < 3 {
                var blocks = [block(2)]
                if cycle == badBlockAt, case .textBlock(var bad) = block(3) {
                    bad.blockCheckMismatch = BasicModeBlockCheckMismatch(received: 0, computed: 1)
                    blocks.append(.textBlock(bad))
                }
                try capture.pollCycle(line: 1, station: 0x41, blocks: blocks, coding: coding, at: t, step: 0.002)
                if cycle % 3 == 0 { try capture.selectCycle(line: 1, station: 0x41, blocks: [block(3)], coding: coding, at: t + 0.03, step: 0.002) }
            } else {
                try capture.pollCycle(line: 1, station: 0x41, blocks: nil, coding: coding, at: t, step: 0.002)
            }
            if t >= 4 {
                try capture.pollCycle(line: afterLine, station: after, blocks: [block(2)], coding: coding, at: t + 0.05, step: 0.002)
                if cycle % 3 == 0 { try capture.selectCycle(line: afterLine, station: after, blocks: [block(3)], coding: coding, at: t + 0.07, step: 0.002) }
            } else if afterLine != 1 || after != 0x41 {
                try capture.pollCycle(line: afterLine, station: after, blocks: standbyAnswers ? [] : nil, coding: coding, at: t + 0.05, step: 0.002)
            }
        }
        capture.close()
        return capture.path
    }

    @Test("node-a's station 0x41 goes silent, node-b's 0x42 on its own line takes over: △ kept")
    func differentStation() throws {
        let path = try Self.failover(in: directory, name: "bdlc-failover.pcap")
        let report = try verify(path)
        #expect(report.capture.kind == "bdlc" && report.capture.linkType.number == 147)
        let stations = try #require(report.basicModeStations)
        #expect(stations.map(\.station) == ["0x41", "0x42"])
        let a = stations[0], b = stations[1]
        #expect(a.line == 1 && b.line == 2 && a.coding == "ascii")
        #expect(a.node == "node-a" && b.node == "node-b" && a.resource == "BDLCTEST" && b.resource == "BDLCTEST" && a.definedLine == "BSCTEST")
        #expect(a.polls == 80 && a.unansweredPolls == 49 && a.selects == 10)  // the last poll: the capture ends before its reply timeout
        #expect(a.blocksFromStation == 30 && a.blocksToStation == 10 && a.lus == [2, 3])
        #expect(b.polls == 80 && b.unansweredPolls == 40 && b.blocksFromStation == 40 && b.blocksToStation == 13)
        #expect(a.activities.map(\.endReason) == ["unanswered-polls"] && b.activities.map(\.endReason) == ["capture-end"])
        #expect(a.lastText.map { $0 < ReportTime(BasicModeCapture.time(3)) } == true)
        #expect(b.firstAnswer.map { $0 > ReportTime(BasicModeCapture.time(4)) } == true)

        let terminal = try #require(report.terminals.first)
        #expect(report.terminals.count == 1 && terminal.kind == "bdlc" && terminal.name == "resource BDLCTEST")
        #expect(terminal.promise?.expected == .different && terminal.promise?.resource == "BDLCTEST")
        #expect(terminal.episodes.count == 2 && terminal.attempts.isEmpty)
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.before.station == "0x41" && boundary.after.station == "0x42")
        #expect(boundary.before.node == "node-a" && boundary.after.node == "node-b")
        #expect(boundary.differences == ["station 0x41 → 0x42"])
        #expect(boundary.verdict == .kept, "\(boundary.explanation)")
        #expect(boundary.closed == a.lastAnswer && boundary.bound == b.firstText && !boundary.overlap)
        #expect(boundary.dataOutageSeconds > 1 && boundary.dataOutageSeconds < 1.2)
        #expect(boundary.notes.contains("line 1 → 2"))
        #expect(terminal.notes.isEmpty, "\(terminal.notes)")
        #expect(report.summary.exitCode == 0 && report.summary.verdict == "kept" && report.summary.kept == 1)
        #expect(report.statistics.unreadableBasicModeRecords == 0 && report.statistics.unattributedBasicModeElements == 0)

        // The readable report and the JSON say the same.
        let text = ReportRenderer().render(report)
        #expect(text.contains("BDLC stations") && text.contains("KEPT: the host saw a different terminal: station 0x41 → 0x42"))
        #expect(try VerificationReport.decode(json: try report.jsonData()) == report)
    }

    @Test("the same station answers again after the boundary: △ broken, exit 1")
    func sameStation() throws {
        let path = try Self.failover(in: directory, name: "bdlc-same.pcap", after: 0x41, afterLine: 1)
        let report = try verify(path)
        let stations = try #require(report.basicModeStations)
        #expect(stations.map(\.station) == ["0x41"])
        #expect(stations[0].activities.map(\.endReason) == ["unanswered-polls", "capture-end"])
        let terminal = try #require(report.terminals.first)
        #expect(terminal.episodes.count == 2)
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.verdict == .broken && boundary.sameAddress && boundary.differences.isEmpty)
        #expect(report.summary.exitCode == 1 && report.summary.verdict == "broken")
        // Promised the same (○), the same station is kept.
        #expect(try verify(path, definitions: false, expect: .same).summary.exitCode == 0)
    }

    @Test("EBCDIC lines are found by their control characters; blocks with a bad CRC are counted apart")
    func ebcdic() throws {
        let path = try Self.failover(in: directory, name: "bdlc-ebcdic.pcap", coding: .ebcdic, badBlockAt: 5)
        let report = try verify(path)
        let stations = try #require(report.basicModeStations)
        #expect(stations.map(\.coding) == ["ebcdic", "ebcdic"])
        #expect(stations[0].badBlocksFromStation == 1 && stations[0].blocksFromStation == 30)
        #expect(report.terminals.first?.boundaries.first?.verdict == .kept)
        #expect(report.statistics.unreadableBasicModeRecords == 0)
        // The test definitions leave BSCTEST at the default coding, ascii: the report says so.
        #expect(report.terminals.first?.notes.filter { $0.contains("spoke ebcdic, but the definitions give line BSCTEST coding: ascii") }.count == 2)
    }

    @Test("a NAKed block and its good repeat; a selection; elements before any poll are unattributed")
    func nakAndRepeat() throws {
        let capture = try BasicModeCapture(path: directory.file("bdlc-nak.pcap"))
        let address = try BasicModeCapture.address(0x41)
        capture.raw([0x10, 0x30], line: 1, fromTributary: true, at: 0)  // before the host addressed anyone
        try capture.host(.endOfTransmission, line: 1, at: 0.1)
        try capture.host(.poll(address), line: 1, at: 0.11)
        let good = BasicModeCapture.block(lu: 2, Array("ORDER 1".utf8))
        guard case .textBlock(var bad) = good else { return }
        bad.blockCheckMismatch = BasicModeBlockCheckMismatch(received: 0x00, computed: 0x01)
        try capture.station(.textBlock(bad), line: 1, at: 0.12)
        try capture.host(.negativeAcknowledgment, line: 1, at: 0.13)
        try capture.station(good, line: 1, at: 0.14)
        try capture.host(.ack1, line: 1, at: 0.15)
        try capture.station(.endOfTransmission, line: 1, at: 0.16)
        try capture.selectCycle(line: 1, station: 0x41, blocks: [BasicModeCapture.block(lu: 3, Array("REPLY".utf8))], at: 0.2)
        capture.raw([0xFF, 0xFF], line: 1, fromTributary: false, at: 0.5)  // no element in either coding
        capture.close()

        let report = try verify(capture.path)
        let station = try #require(report.basicModeStations?.first)
        #expect(station.polls == 1 && station.selects == 1 && station.unansweredPolls == 0)
        #expect(station.badBlocksFromStation == 1 && station.naksFromHost == 1 && station.blocksFromStation == 1 && station.blocksToStation == 1)
        #expect(station.lus == [2, 3] && station.answers == 5)
        #expect(report.statistics.unattributedBasicModeElements == 1 && report.statistics.unreadableBasicModeRecords == 1)
        #expect(report.terminals.first?.episodes.count == 1 && report.summary.verdict == "no-failover")
    }

    @Test("without definitions: stations grouped by the LU addresses their blocks name; --expect decides")
    func withoutDefinitions() throws {
        let path = try Self.failover(in: directory, name: "bdlc-nodefs.pcap")
        let facts = try verify(path, definitions: false)
        let terminal = try #require(facts.terminals.first)
        #expect(facts.terminals.count == 1 && terminal.name == "LUs 2,3 (stations 0x41, 0x42)")
        #expect(terminal.boundaries.first?.verdict == .unchecked && facts.summary.verdict == "facts-only")
        #expect(terminal.notes.contains { $0.contains("same LU local addresses") })
        #expect(try verify(path, definitions: false, expect: .different).summary.verdict == "kept")
        #expect(try verify(path, definitions: false, expect: .same).summary.exitCode == 1)
    }

    @Test("a standby station that answers polls with EOT before it takes over: an attempt, not an episode")
    func standbyAnswering() throws {
        let path = try Self.failover(in: directory, name: "bdlc-standby.pcap", standbyAnswers: true)
        let report = try verify(path)
        let stations = try #require(report.basicModeStations)
        #expect(stations[1].unansweredPolls == 0 && stations[1].activities.count == 1)
        let terminal = try #require(report.terminals.first)
        // node-b's station answered EOT from the start: one stretch, carrying text from 4 s on.
        #expect(terminal.episodes.map { $0.address.station } == ["0x41", "0x42"])
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.verdict == .kept && boundary.bound == stations[1].firstText)
        #expect(report.summary.exitCode == 0)
    }

    @Test("`netmgr verify` reads a BDLC capture: text report, JSON, exit code")
    func command() async throws {
        let path = try Self.failover(in: directory, name: "bdlc-cli.pcap", after: 0x41, afterLine: 1)
        let netmgr = BuiltProducts.path("netmgr")
        let text = try await runProcess(netmgr, ["verify", "--definitions", directory.file("definitions"), path])
        #expect(text.status == 1, "\(text.standardOutput)\(text.standardError)")
        #expect(text.standardOutput.contains("BDLC stations") && text.standardOutput.contains("BROKEN"))
        let json = try await runProcess(netmgr, ["verify", "--json", "--definitions", directory.file("definitions"), path])
        let report = try VerificationReport.decode(json: Data(json.standardOutput.utf8))
        #expect(json.status == 1 && report.basicModeStations?.count == 1)
    }
}
