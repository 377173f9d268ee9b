import NetMgrCore
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// The line path: LINKTYPE_SDLC traces built with the SDLC module.
@Suite("Verifier: SDLC links, episodes and promises")
struct VerifierLineTests {
    let directory: TemporaryDirectory
    let phonebook: Definitions

    init() throws {
        directory = try TemporaryDirectory(prefix: "verify-line")
        phonebook = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
    }

    func verify(_ path: String, definitions: Bool = true, expect: FailoverPromise? = nil, silence: Duration? = nil) throws -> VerificationReport {
        try Verifier(options: VerifyOptions(definitions: definitions ? phonebook : nil, expect: expect, linkSilence: silence)).verify(path: path)
    }

    @Test("line switch failover: same station, node id and LUs: ○ kept")
    func sameTerminal() throws {
        let report = try verify(try Scenarios.lineFailover(in: directory))
        #expect(report.capture.kind == "line" && report.capture.linkType.number == 268 && report.capture.linkType.name == "SDLC")
        #expect(report.links.count == 2)
        let first = report.links[0], second = report.links[1]
        #expect(first.station == "0xC1" && first.nodeID == "05D00001")
        #expect(first.activeLUs == [2, 3] && second.activeLUs == [2, 3])
        #expect(first.established == ReportTime(SyntheticCapture.time(3)))
        #expect(first.endReason == .recontacted && second.endReason == .captureEnd)
        #expect(first.physicalUnitActivated != nil)
        #expect(first.lus.allSatisfy { $0.bound != nil && $0.activated != nil && $0.dataFrames == 3 })  // screen, its +RSP, an inbound record

        let terminal = try #require(report.terminals.first)
        #expect(terminal.name == "station 0xC1")
        #expect(terminal.promise?.resource == "SDLC1" && terminal.promise?.expected == .same)
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.before == boundary.after && boundary.sameAddress)
        #expect(boundary.before.description == "station 0xC1 XID 05D00001 LUs 2,3")
        #expect(boundary.verdict == .kept)
        #expect(boundary.closed == first.ended && boundary.bound == second.firstBound)
        #expect((boundary.closeToBindSeconds ?? 0) > 0 && boundary.dataOutageSeconds > (boundary.closeToBindSeconds ?? 0))
        #expect(terminal.notes.isEmpty)
        #expect(report.summary.exitCode == 0 && report.summary.verdict == "kept")
    }

    @Test("a different XID node id after the line switch breaks the ○ promise")
    func differentNodeID() throws {
        let path = try Scenarios.lineFailover(in: directory, name: "other-node.pcap", secondNodeID: 0x05D0_0002)
        let report = try verify(path)
        let boundary = try #require(report.terminals.first?.boundaries.first)
        #expect(boundary.verdict == .broken)
        #expect(boundary.differences == ["XID node id 05D00001 → 05D00002"])
        #expect(report.terminals.first?.notes.contains { $0.contains("05D00002 is not the defined 05D00001") } == true)
        #expect(report.summary.exitCode == 1)
        // A system the definitions do not describe, promised different: kept.
        #expect(try verify(path, definitions: false, expect: .different).summary.exitCode == 0)
    }

    @Test("DISC/UA and DM end links; a link without an LU activated is an attempt")
    func disconnects() throws {
        let capture = try SyntheticCapture(path: directory.file("disc.pcap"), link: .sdlc)
        var line = SDLCTrace(capture, station: 0xC1)
        var t = try line.contact(nodeID: 0x05D0_0001, at: 0)
        t = try line.activate(lus: [2], at: t)
        t = try line.data(lu: 2, at: t)
        try line.unnumbered(.disc, at: t + 10)
        try line.unnumbered(.ua, at: t + 11)
        // Node-b answers DM until it is ready, then comes up without activating the LU.
        try line.unnumbered(.snrm, at: t + 100)
        try line.unnumbered(.ua, at: t + 101)
        try line.unnumbered(.dm, at: t + 150)
        t = try line.contact(nodeID: 0x05D0_0001, at: t + 200)
        t = try line.activate(lus: [2], at: t)
        _ = try line.data(lu: 2, at: t)
        try capture.close()

        let report = try verify(capture.path)
        #expect(report.links.map(\.endReason) == [.disconnected, .disconnectedMode, .captureEnd])
        let terminal = try #require(report.terminals.first)
        #expect(terminal.episodes.map(\.link) == [1, 3])
        #expect(terminal.attempts.map(\.link) == [2] && terminal.attempts.first?.outcome == "no-lu-activated")
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.attemptsBetween == 1)
        // The host saw the same terminal both times; that it is not the whole defined
        // terminal (LU 3 never came up) is a note, not a broken promise.
        #expect(boundary.verdict == .kept)
        #expect(terminal.notes.contains { $0.contains("active LUs 2 differ from the defined 2,3") })
    }

    @Test("a station silent past --link-silence has lost its link")
    func silence() throws {
        let capture = try SyntheticCapture(path: directory.file("silence.pcap"), link: .sdlc)
        var line = SDLCTrace(capture, station: 0xC2)
        var t = try line.contact(nodeID: 0x017_00042, at: 0)
        t = try line.activate(lus: [5], at: t)
        t = try line.data(lu: 5, at: t)
        // The monitor saw nothing for 5 s, then an I-frame with data (the link is up again
        // but its establishment was not captured).
        _ = try line.data(lu: 5, at: t + 5000)
        try capture.close()
        let quiet = try verify(capture.path, definitions: false, expect: .same, silence: .seconds(2))
        #expect(quiet.links.map(\.endReason) == [.silence, .captureEnd])
        #expect(quiet.links[0].ended == quiet.links[0].lastData)
        let boundary = try #require(quiet.terminals.first?.boundaries.first)
        #expect(boundary.verdict == .undetermined)  // no XID after the gap
        #expect(boundary.explanation.contains("XID node id"))
        let patient = try verify(capture.path, definitions: false, expect: .same)
        #expect(patient.links.count == 1 && patient.summary.verdict == "no-failover")
    }
}
