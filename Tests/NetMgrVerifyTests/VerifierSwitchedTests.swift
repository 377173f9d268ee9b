import Foundation
import NetMgrCore
import NetMgrTestSupport
import NetMgrVerify
import PacketCapture
import Testing

/// The switched path: pcapngs with a dial-up dialogue (USER1) or ISDN D-channel (LINUX_LAPD)
/// interface next to the line's SDLC, calls and their SDLC facts, ○ for hdlc-public and △ for
/// hdlc-isdn.
@Suite("Verifier: switched lines (dial-up ○, ISDN △)")
struct VerifierSwitchedTests {
    let directory: TemporaryDirectory
    let definitions: Definitions

    /// The Phonebook plus the switched lines of SWITCHED.md (DIAL1 node-id 05D00003, ISDN1 05D00004).
    static func switchedDefinitions(in directory: TemporaryDirectory) throws -> Definitions {
        let source = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        let target = directory.file("defs")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: source) where file.hasSuffix(".yaml") {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
        }
        var lines = try String(contentsOfFile: target + "/lines.yaml", encoding: .utf8)
        if !lines.contains("name: DIAL1") {
            lines += """

              - name: DIAL1
                procedure: hdlc-public
                switch: COM1 Unit1 Line3
                station-address: 0xC1
                node-id: 05D00003
                nodes:
                  node-a: { device: "tcp:127.0.0.200:7431" }
                  node-b: { device: "tcp:127.0.0.200:7432" }

              - name: ISDN1
                procedure: hdlc-isdn
                station-address: 0xC1
                node-id: 05D00004
                nodes:
                  node-a: { device: "tcp:127.0.0.150:7611", isdn-number: "0312340011" }
                  node-b: { device: "tcp:127.0.0.150:7612", isdn-number: "0312340012" }

            """
            try lines.write(toFile: target + "/lines.yaml", atomically: true, encoding: .utf8)
        }
        var phonebook = try String(contentsOfFile: target + "/phonebook.yaml", encoding: .utf8)
        if !phonebook.contains("name: PSTN1") {
            phonebook += """

              - name: PSTN1
                line: DIAL1
                host: tel:0300001111

              - name: ISDNR1
                line: ISDN1
                host: tel:0300002222

            """
            try phonebook.write(toFile: target + "/phonebook.yaml", atomically: true, encoding: .utf8)
        }
        return try DefinitionsLoader.load(directory: target).definitions
    }

    init() throws {
        directory = try TemporaryDirectory(prefix: "verify-switched")
        definitions = try Self.switchedDefinitions(in: directory)
    }

    func verify(_ path: String, definitions: Bool = true, expect: FailoverPromise? = nil) throws -> VerificationReport {
        try Verifier(options: VerifyOptions(definitions: definitions ? self.definitions : nil, expect: expect)).verify(path: path)
    }

    // MARK: ISDN △

    @Test("ISDN failover from the other node's number, same XID: △ kept; the call facts")
    func isdnKept() throws {
        let path = try SwitchedScenarios.isdn(directory.file("isdn.pcapng"), calls: [
            .init(calling: "0312340011", nodeID: 0x05D0_0004), .init(calling: "0312340012", nodeID: 0x05D0_0004),
        ])
        let report = try verify(path)
        #expect(report.capture.kind == "isdn" && report.capture.linkType.number == 177)
        let calls = try #require(report.switchedCalls)
        try #require(calls.count == 2)
        let a = calls[0], b = calls[1]
        #expect(a.callingNumber == "0312340011" && a.calledNumber == "0300002222" && a.placedBy == "node" && a.signalling == "q931")
        #expect(a.connected != nil && a.cleared != nil && a.cause == 41 && a.causeName == "temporary failure" && a.clearedBy == "node")
        #expect(a.endReason == "cleared" && a.nodeID == "05D00004" && a.station == "0xC1" && a.lus == [2, 3])
        #expect(b.callingNumber == "0312340012" && b.endReason == "capture-end" && b.lus == [2, 3] && b.links.count == 1)
        #expect(report.statistics.q931Messages == 9)
        let terminal = try #require(report.terminals.first)
        #expect(report.terminals.count == 1)
        #expect(terminal.kind == "isdn" && terminal.promise?.resource == "ISDNR1" && terminal.promise?.expected == .different)
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.verdict == .kept, "\(boundary.explanation)")
        #expect(boundary.differences == ["calling number 0312340011 → 0312340012"])
        #expect(report.summary.exitCode == 0)
        let text = ReportRenderer().render(report)
        #expect(text.contains("call 1: 0312340011 → 0300002222 (ISDN, set up by the node)"), "\(text)")
        #expect(text.contains("cleared by the node cause 41 temporary failure; XID 05D00004 station 0xC1 LU 2, 3"), "\(text)")
        // The JSON form round-trips with the call facts.
        let decoded = try VerificationReport.decode(json: try report.jsonData())
        #expect(decoded == report)
    }

    @Test("ISDN: the same calling number after the boundary breaks △; another XID too")
    func isdnBroken() throws {
        let same = try verify(try SwitchedScenarios.isdn(directory.file("same.pcapng"), calls: [
            .init(calling: "0312340011", nodeID: 0x05D0_0004), .init(calling: "0312340011", nodeID: 0x05D0_0004),
        ]))
        #expect(same.terminals.first?.boundaries.first?.verdict == .broken)
        #expect(same.summary.exitCode == 1)
        let otherXID = try verify(try SwitchedScenarios.isdn(directory.file("xid.pcapng"), calls: [
            .init(calling: "0312340011", nodeID: 0x05D0_0004), .init(calling: "0312340012", nodeID: 0x05D0_0009),
        ]))
        let boundary = try #require(otherXID.terminals.first?.boundaries.first)
        #expect(boundary.verdict == .broken && boundary.explanation.contains("05D00009"), "\(boundary.explanation)")
    }

    @Test("ISDN without definitions: facts, no promise")
    func isdnFactsOnly() throws {
        let report = try verify(try SwitchedScenarios.isdn(directory.file("facts.pcapng"), calls: [
            .init(calling: "0312340011", nodeID: 0x05D0_0004), .init(calling: "0312340012", nodeID: 0x05D0_0004),
        ]), definitions: false)
        let terminal = try #require(report.terminals.first)
        #expect(terminal.promise == nil && terminal.name == "ISDN calls with XID 05D00004")
        #expect(terminal.boundaries.first?.verdict == .unchecked)
        #expect(report.switchedCalls?.count == 2)
    }

    @Test("ISDN call placed by the host: 2-byte call reference, UI frames, cleared by RELEASE COMPLETE with a cause")
    func isdnHostCall() throws {
        let capture = try SyntheticCapture(path: directory.file("host-call.pcapng"), signalling: .linuxLAPD)
        func ui(_ fromNetwork: Bool, _ flag: Bool, _ type: UInt8, _ elements: [UInt8] = []) -> [UInt8] {
            LinuxLAPDHeader.encode(fromNetwork: fromNetwork) + [fromNetwork ? 0x02 : 0x00, 0x01, 0x03]
                + [0x08, 0x02, (flag ? 0x80 : 0) | 0x01, 0x02, type] + elements
        }
        try capture.signalling(ui(false, false, 0x05, [0xA1] + SwitchedScenarios.number(0x70, "0312340011")), at: 0)  // sending complete, called
        try capture.signalling(ui(true, true, 0x07), at: 10)
        try capture.signalling(LinuxLAPDHeader.encode(fromNetwork: true) + [0x02, 0x01, 0x01, 0x00], at: 11)  // RR: no Q.931
        try capture.signalling(ui(false, false, 0x5A, SwitchedScenarios.cause(16)), at: 100)
        try capture.close()
        let report = try verify(capture.path, definitions: false)
        let call = try #require(report.switchedCalls?.first)
        #expect(report.switchedCalls?.count == 1 && report.statistics.q931Messages == 3 && report.statistics.unreadableSwitchedRecords == 0)
        #expect(call.placedBy == "host" && call.callReference == 0x0102 && call.calledNumber == "0312340011" && call.callingNumber == nil)
        #expect(call.connected == ReportTime(SyntheticCapture.time(10)) && call.cleared == ReportTime(SyntheticCapture.time(100)))
        #expect(call.cause == 16 && call.causeName == "normal call clearing" && call.clearedBy == "host" && call.endReason == "cleared")
    }

    // MARK: Dial-up ○

    @Test("dial-up failover: same line number and XID: ○ kept; a different number: broken")
    func dialupSameAndDifferent() throws {
        let kept = try verify(try SwitchedScenarios.dialupHayes(directory.file("dial.pcapng"), calls: [
            .init(calling: "0312340001", nodeID: 0x05D0_0003), .init(calling: "0312340001", nodeID: 0x05D0_0003),
        ]))
        #expect(kept.capture.kind == "dialup" && kept.capture.linkType.number == 148)
        let calls = try #require(kept.switchedCalls)
        try #require(calls.count == 2)
        #expect(calls[0].callingNumber == "0312340001" && calls[0].placedBy == "node" && calls[0].signalling == "hayes")
        #expect(calls[0].modemResult == "NO CARRIER" && calls[0].endReason == "cleared" && calls[0].connected != nil)
        #expect(calls[0].nodeID == "05D00003" && calls[0].lus == [2, 3])
        let terminal = try #require(kept.terminals.first)
        #expect(terminal.promise?.resource == "PSTN1" && terminal.promise?.expected == .same)
        #expect(terminal.boundaries.first?.verdict == .kept, "\(terminal.boundaries.first?.explanation ?? "")")
        #expect(kept.summary.exitCode == 0)

        let broken = try verify(try SwitchedScenarios.dialupHayes(directory.file("dial2.pcapng"), calls: [
            .init(calling: "0312340001", nodeID: 0x05D0_0003), .init(calling: "0312349999", nodeID: 0x05D0_0003),
        ]))
        let boundary = try #require(broken.terminals.first?.boundaries.first)
        #expect(boundary.verdict == .broken && boundary.differences == ["calling number 0312340001 → 0312349999"])
        #expect(broken.summary.exitCode == 1)

        let unknown = try verify(try SwitchedScenarios.dialupHayes(directory.file("dial3.pcapng"), calls: [
            .init(calling: nil, nodeID: 0x05D0_0003), .init(calling: nil, nodeID: 0x05D0_0003),
        ]))
        #expect(unknown.terminals.first?.boundaries.first?.verdict == .undetermined)
    }

    @Test("Hayes call-progress failures and V.25bis calls become calls with their result")
    func modemResults() throws {
        let capture = try SyntheticCapture(path: directory.file("results.pcapng"), signalling: .user1)
        try capture.signalling(SwitchedScenarios.dte("ATDT0312340001\r"), at: 0)
        try capture.signalling(SwitchedScenarios.modem("ATDT0312340001\r\r\nBUSY\r\n"), at: 10)
        try capture.signalling(SwitchedScenarios.dte("ATDT0312340001\r"), at: 20)
        try capture.signalling(SwitchedScenarios.modem("\r\nNO ANSWER\r\n"), at: 30)
        try capture.signalling(SwitchedScenarios.dte("ATD0312340001\r"), at: 40)
        try capture.signalling(SwitchedScenarios.modem("\r\nCONNECT 9600\r\n"), at: 50)
        try capture.signalling(SwitchedScenarios.dte("+++"), at: 60)
        try capture.signalling(SwitchedScenarios.dte("ATH\r"), at: 1100)
        try capture.signalling(SwitchedScenarios.v25bis("CRN0312340001", toDTE: false), at: 2000)
        try capture.signalling(SwitchedScenarios.v25bis("VAL", toDTE: true), at: 2001)
        try capture.signalling(SwitchedScenarios.v25bis("CFIET", toDTE: true), at: 2010)
        try capture.signalling(SwitchedScenarios.v25bis("INC", toDTE: true), at: 3000)
        try capture.signalling(SwitchedScenarios.v25bis("CIC", toDTE: false), at: 3001)
        try capture.frame([0xC1, 0xBF], at: 3050)  // data mode: the first SDLC frame connects a V.25bis call
        try capture.close()
        let calls = try #require(try verify(capture.path, definitions: false).switchedCalls)
        try #require(calls.count == 5, "\(calls)")
        #expect(calls.map(\.modemResult) == ["BUSY", "NO ANSWER", "ATH", "CFI ET", nil])
        #expect(calls.map(\.placedBy) == ["host", "host", "host", "host", "node"])
        #expect(calls.map(\.calledNumber) == ["0312340001", "0312340001", "0312340001", "0312340001", nil])
        #expect(calls.map(\.endReason) == ["failed", "failed", "cleared", "failed", "capture-end"])
        #expect(calls[2].clearedBy == "host" && calls[2].connected == ReportTime(SyntheticCapture.time(50)))
        #expect(calls[4].signalling == "v25bis" && calls[4].connected == ReportTime(SyntheticCapture.time(3050)))
    }

    // MARK: Hostile input

    @Test("random records on every interface never trap the switched path", arguments: [UInt64(1), 2, 3])
    func randomRecords(seed: UInt64) throws {
        var random = SplitMix64Generator(seed: seed)
        for signalling in [LinkType.user1, .linuxLAPD] {
            let capture = try SyntheticCapture(path: directory.file("random-\(seed)-\(signalling.rawValue).pcapng"), signalling: signalling)
            var records = 0
            for i in 0..<400 {
                let count = Int.random(in: 0...80, using: &random)
                var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
                // Half the D-channel records carry a valid header, so the Q.931 decoder sees the rest.
                if signalling == .linuxLAPD, i % 2 == 0 { bytes = LinuxLAPDHeader.encode(fromNetwork: i % 4 == 0) + [0x02, 0x01, 0x00, 0x00, 0x08] + bytes }
                if signalling == .user1, i % 3 == 0 { bytes = [UInt8(i % 2)] + Array("\r\nRING\r\nNMBR = ".utf8) + bytes + [0x7E] }
                if i % 5 == 0 {
                    try capture.frame(bytes, at: Double(i))
                } else {
                    try capture.signalling(bytes, at: Double(i))
                }
                records += 1
            }
            try capture.close()
            let report = try verify(capture.path)
            #expect(report.capture.packets == records)
        }
    }
}
