import NetMgrCore
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// The X.25 path: LINKTYPE_SITA traces built with the X25 module.
@Suite("Verifier: X.25 calls, episodes and promises")
struct VerifierX25Tests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "verify-x25")
    }

    func verify(_ path: String, definitions: Definitions? = nil, expect: FailoverPromise? = .same) throws -> VerificationReport {
        try Verifier(options: VerifyOptions(definitions: definitions, expect: expect)).verify(path: path)
    }

    @Test("failover with the same calling DTE address, node id and LUs: ○ kept, exit 0")
    func sameTerminal() throws {
        let report = try verify(try X25Scenarios.failover(in: directory))
        #expect(report.capture.kind == "line" && report.capture.linkType.number == 196)
        let calls = try #require(report.calls)
        #expect(calls.count == 2)
        for call in calls {
            #expect(call.callingAddress == "44200001" && call.calledAddress == "44100001" && call.placedBy == "dte")
            #expect(call.callUserData == "C3" && call.nodeID == "05D00002" && call.logicalChannel == 1)
            #expect(call.connected != nil && call.qllcOpened != nil && call.physicalUnitActivated != nil)
            #expect(call.activeLUs == [2, 3])
            #expect(call.lus.allSatisfy { $0.bound != nil })
        }
        #expect(calls[0].endReason == "link-reset" && calls[1].endReason == "capture-end")
        #expect(calls[0].lus.first { $0.address == 2 }?.dataFrames == 2)  // the screen and its +RSP
        #expect(report.statistics.outOfSequenceIFrames == 0 && report.statistics.unreadableX25Packets == 0)
        #expect(calls.allSatisfy { $0.unreadablePIUs == 0 })

        let terminal = try #require(report.terminals.first)
        #expect(report.terminals.count == 1 && terminal.kind == "x25" && terminal.name == "calls to DTE 44100001")
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.before.description == "DTE 44200001 XID 05D00002 LUs 2,3")
        #expect(boundary.sameAddress && boundary.verdict == .kept)
        #expect(boundary.closed == calls[0].ended && boundary.bound == calls[1].firstBound)
        #expect(report.summary.exitCode == 0 && report.summary.verdict == "kept")

        let text = ReportRenderer().render(report)
        #expect(text.contains("X.25 calls"))
        #expect(text.contains("KEPT: the host saw the same terminal (DTE 44200001 XID 05D00002 LUs 2,3)"))
    }

    @Test("another calling DTE address after the failover breaks ○: exit 1")
    func differentCallingAddress() throws {
        let path = try X25Scenarios.failover(in: directory, name: "other-dte.pcap", secondCalling: "44200002")
        let report = try verify(path)
        let boundary = try #require(report.terminals.first?.boundaries.first)
        #expect(boundary.verdict == .broken)
        #expect(boundary.differences == ["calling DTE address 44200001 → 44200002"])
        #expect(report.summary.exitCode == 1 && report.summary.verdict == "broken")
        // Promised a different terminal: kept.
        #expect(try verify(path, expect: .different).summary.exitCode == 0)
    }

    @Test("another QXID node id after the failover breaks ○")
    func differentNodeID() throws {
        let report = try verify(try X25Scenarios.failover(in: directory, name: "other-xid.pcap", secondNodeID: 0x05D0_0009))
        let boundary = try #require(report.terminals.first?.boundaries.first)
        #expect(boundary.verdict == .broken && boundary.differences == ["XID node id 05D00002 → 05D00009"])
    }

    @Test("a cleared call shows its cause, diagnostic and who cleared it")
    func clearCause() throws {
        let report = try verify(try X25Scenarios.refusedThenAccepted(in: directory, cause: 0x01))
        let calls = try #require(report.calls)
        #expect(calls.count == 2)
        let refused = calls[0]
        #expect(refused.endReason == "clear" && refused.clearedBy == "dce")
        #expect(refused.clearCause == 1 && refused.clearCauseName == "number busy" && refused.clearDiagnostic == 0x47)
        #expect(refused.activeLUs.isEmpty && calls[1].logicalChannel == 2 && calls[1].activeLUs == [2])
        let terminal = try #require(report.terminals.first)
        #expect(terminal.episodes.count == 1 && terminal.boundaries.isEmpty)
        let attempt = try #require(terminal.attempts.first)
        #expect(attempt.outcome == "no-lu-activated" && attempt.reasons == ["cleared by dce: cause 1 (number busy)"])
        #expect(report.summary.verdict == "no-failover" && report.summary.exitCode == 0)
        let text = ReportRenderer().render(report)
        #expect(text.contains("1 number busy by dce, diagnostic 71"))
        // A clear from the DTE at the end of a used call.
        let cleared = try verify(try X25Scenarios.failover(in: directory, name: "cleared.pcap", clearCause: 0x00))
        #expect(cleared.calls?.last?.endReason == "clear" && cleared.calls?.last?.clearedBy == "dte" && cleared.calls?.last?.clearCause == 0)
    }

    @Test("the JSON report carries the calls and round-trips")
    func json() throws {
        let report = try verify(try X25Scenarios.failover(in: directory, name: "json.pcap"))
        let data = try report.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"callingAddress\" : \"44200001\"") && text.contains("\"dteAddress\" : \"44200001\""))
        #expect(try VerificationReport.decode(json: data) == report)
    }
}

extension VerifierX25Tests {
    @Test("XOT (TCP port 1998): the same calling DTE address from the other node's connection is ○ kept; another is broken")
    func xotFailover() throws {
        let report = try verify(try X25Scenarios.xotFailover(in: directory))
        #expect(report.capture.kind == "ip")
        let calls = try #require(report.calls)
        #expect(calls.map(\.index) == [1, 2] && calls.map(\.endReason) == ["xot-reset", "capture-end"])
        #expect(calls.allSatisfy { $0.callingAddress == "44200001" && $0.nodeID == "05D00002" && $0.activeLUs == [2, 3] })
        #expect(report.statistics.xotConnections == 2 && report.statistics.xotFramingErrors == 0 && report.statistics.x25Packets ?? 0 > 20)
        let terminal = try #require(report.terminals.first { $0.kind == "x25" })
        let boundary = try #require(terminal.boundaries.first)
        #expect(boundary.verdict == .kept && boundary.closed == calls[0].ended)
        #expect(report.summary.exitCode == 0)

        let other = try verify(try X25Scenarios.xotFailover(in: directory, name: "xot-other.pcap", secondCalling: "44200003"))
        #expect(other.terminals.first { $0.kind == "x25" }?.boundaries.first?.differences == ["calling DTE address 44200001 → 44200003"])
        #expect(other.summary.exitCode == 1)
    }
}

extension VerifierX25Tests {
    static func phonebook() throws -> Definitions {
        try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
    }

    @Test("with the Phonebook: calls to dte:44100001 are resource X25R1 (○); a calling address other than PKT1's dte-address is named")
    func definitions() throws {
        let phonebook = try Self.phonebook()
        let kept = try verify(try X25Scenarios.failover(in: directory, name: "defs.pcap"), definitions: phonebook, expect: nil)
        let terminal = try #require(kept.terminals.first)
        #expect(terminal.promise?.resource == "X25R1" && terminal.promise?.expected == .same && terminal.promise?.source == "definitions")
        #expect(terminal.notes.isEmpty, "\(terminal.notes)")
        #expect(kept.summary.exitCode == 0)

        let broken = try verify(try X25Scenarios.failover(in: directory, name: "defs-other.pcap", secondCalling: "44200002"), definitions: phonebook, expect: nil)
        #expect(broken.summary.exitCode == 1)
        #expect(broken.terminals.first?.notes == ["episode 2: calling DTE address 44200002 is not the line's dte-address 44200001 (line PKT1)"])
    }

    /// Two resources call the same host DTE from different lines: each is its own terminal,
    /// told apart by the calling DTE the definitions give each line; no false boundary
    /// between them. Without a mapping resource the calling DTE groups the calls.
    @Test("two terminals calling the same host DTE are two terminals, not a failover")
    func twoTerminalsOneHost() throws {
        var definitions = try Self.phonebook()
        var line = try #require(definitions.line(named: "PKT1"))
        line.name = "PKT2"
        line.x25.dteAddress = "44200002"
        definitions.lines.append(line)
        var resource = try #require(definitions.resource(named: "X25R1"))
        resource.name = "X25R2"
        resource.line = "PKT2"
        definitions.resources.append(resource)
        let path = try X25Scenarios.failover(in: directory, name: "two-terminals.pcap", secondCalling: "44200002")
        let report = try verify(path, definitions: definitions, expect: nil)
        #expect(report.terminals.map(\.name) == ["calls to DTE 44100001 for X25R1", "calls to DTE 44100001 for X25R2"])
        #expect(report.terminals.map { $0.promise?.resource } == ["X25R1", "X25R2"])
        #expect(report.terminals.allSatisfy { $0.boundaries.isEmpty && $0.episodes.count == 1 })

        // Definitions that map neither call (another host): grouped by calling DTE.
        definitions.resources = definitions.resources.filter { !["X25R1", "X25R2"].contains($0.name) }
        let unmapped = try verify(path, definitions: definitions, expect: nil)
        #expect(unmapped.terminals.map(\.name) == ["calls to DTE 44100001 from DTE 44200001", "calls to DTE 44100001 from DTE 44200002"])
        #expect(unmapped.terminals.allSatisfy { $0.boundaries.isEmpty })
    }
}
