import NetMgrCore
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// tshark 4.0 decodes the X.25 line captures (LINKTYPE_SITA) independently: LAPB, X.25
/// call and clear packets, QLLC (`-o x25.payload_is_qllc_sna:TRUE`) and the SNA PIUs.
/// tshark is required: a missing tshark fails these tests.
@Suite("tshark: X.25 line captures")
struct X25TsharkTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "x25-tshark") }

    @Test("a SITA capture of a QLLC call decodes as lapb → x25 → qllc → sna, nothing malformed")
    func decodes() async throws {
        let path = try X25Scenarios.failover(in: directory, clearCause: 0x00)
        let rows = try await X25TsharkChecks.rows(path)
        X25TsharkChecks.expectClean(rows)

        // Direction: the DTE's frames "from Local" (flag bit clear), the DCE's "from Remote";
        // LAPB command addresses B 0x01 from the DTE, A 0x03 from the DCE for I-frames.
        let call = try #require(rows.first { !$0["x25.calling_address"].isEmpty })
        #expect(call["sita.flags.flags"] == "0" && call["lapb.address"] == "0x01")
        #expect(call["x25.called_address"] == X25Scenarios.hostDTE)
        #expect(rows.contains { $0["sita.flags.flags"] == "1" && $0["lapb.address"] == "0x03" })

        #expect(X25TsharkChecks.callingAddresses(rows) == [X25Scenarios.nodeDTE, X25Scenarios.nodeDTE])
        let qllc = Set(rows.map { $0["qllc.control"] }.filter { !$0.isEmpty })
        #expect(qllc == ["0xbf", "0x93", "0x73"], "QXID, QSM, QUA: \(qllc)")
        // The node id in the QXID (tshark 4.0 shows no field for the QXID's XID: match bytes).
        let qxid = try await Tshark.fields(path, ["frame.number"], filter: "qllc.control == 0xbf && frame contains 05:d0:00:02", options: X25TsharkChecks.options)
        #expect(qxid.count == 2, "QXIDs carrying node id 05D00002: \(qxid)")
        #expect(X25TsharkChecks.actluRequests(rows).sorted() == [2, 2, 3, 3])
        // The CLEAR REQUEST at the end: cause 0 (DTE originated).
        #expect(rows.map { $0["x25.clear_cause"] }.filter { !$0.isEmpty } == ["0x00"])
    }

    @Test("a refused call: tshark and the verifier read the same clearing cause and diagnostic")
    func clearCause() async throws {
        let path = try X25Scenarios.refusedThenAccepted(in: directory, cause: 0x01)
        let rows = try await X25TsharkChecks.rows(path)
        X25TsharkChecks.expectClean(rows)
        let clear = try #require(rows.first { !$0["x25.clear_cause"].isEmpty })
        #expect(clear["x25.clear_cause"] == "0x01" && clear["sita.flags.flags"] == "1")
        let report = try Verifier(options: VerifyOptions(expect: .same)).verify(path: path)
        let refused = try #require(report.calls?.first)
        #expect(X25TsharkChecks.number(clear["x25.clear_cause"]) == refused.clearCause)
        #expect(X25TsharkChecks.number(clear["x25.diagnostic"]) == refused.clearDiagnostic)
    }

    @Test("tshark's calling addresses before and after the failover equal the verifier's")
    func callingAddressesMatchVerifier() async throws {
        let path = try X25Scenarios.failover(in: directory, name: "other-dte.pcap", secondCalling: "44200002")
        let rows = try await X25TsharkChecks.rows(path)
        let report = try Verifier(options: VerifyOptions(expect: .same)).verify(path: path)
        let boundary = try #require(report.terminals.first?.boundaries.first)
        #expect(X25TsharkChecks.callingAddresses(rows) == [boundary.before.dteAddress, boundary.after.dteAddress].compactMap { $0 })
        #expect(X25TsharkChecks.callingAddresses(rows) == ["44200001", "44200002"])
    }
}

extension X25TsharkTests {
    @Test("XOT: the same call over TCP port 1998 decodes as xot → x25 → qllc → sna, nothing malformed")
    func xot() async throws {
        let path = try X25Scenarios.xotCall(in: directory, clearCause: 0x09)
        let fields = ["frame.number", "_ws.malformed", "_ws.expert.severity", "frame.protocols", "x25.calling_address", "x25.called_address",
                      "x25.clear_cause", "qllc.control", "sna.th.daf", "sna.th.oaf", "sna.rh.rri", "sna.rh.ru_category", "data.data"]
        let rows = try await Tshark.fields(path, fields, filter: "xot", options: X25TsharkChecks.options)
        #expect(rows.count >= 15, "tshark decoded \(rows.count) XOT packets")
        #expect(rows.allSatisfy { $0.count == fields.count && $0[1].isEmpty }, "malformed: \(rows.filter { $0.count > 1 && !$0[1].isEmpty })")
        #expect(rows.allSatisfy { $0[3].contains("tcp:xot:x25") })
        #expect(rows.contains { $0[3].contains("x25:qllc:sna") })
        #expect(rows.compactMap { $0[4].isEmpty ? nil : $0[4] } == [X25Scenarios.nodeDTE])
        #expect(rows.compactMap { $0[5].isEmpty ? nil : $0[5] } == [X25Scenarios.hostDTE])
        #expect(rows.compactMap { $0[6].isEmpty ? nil : $0[6] } == ["0x09"])
        #expect(Set(rows.compactMap { $0[7].isEmpty ? nil : $0[7] }) == ["0xbf", "0x93", "0x73"])
        let actlu = rows.filter { $0[11] == "0x03" && $0[10] == "0" && $0[12].hasPrefix("0d") }.compactMap { X25TsharkChecks.number($0[8]) }
        #expect(actlu == [2, 3])
    }
}

extension X25TsharkTests {
    @Test("Captures/x25-line-failover.pcap: tshark decodes it cleanly and its calling addresses before and after the failover equal the verifier's")
    func committedCapture() async throws {
        let path = BuiltProducts.packageRoot.path + "/Captures/x25-line-failover.pcap"
        let rows = try await X25TsharkChecks.rows(path)
        X25TsharkChecks.expectClean(rows)
        let definitions = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path).definitions
        let report = try Verifier(options: VerifyOptions(definitions: definitions)).verify(path: path)
        let calls = try #require(report.calls)
        let boundary = try #require(report.terminals.first { $0.kind == "x25" }?.boundaries.first)
        #expect(boundary.verdict == .kept)
        let tshark = X25TsharkChecks.callingAddresses(rows)
        #expect(tshark == calls.map(\.callingAddress))
        #expect(tshark.first == boundary.before.dteAddress && tshark.last == boundary.after.dteAddress && tshark.count == 2)
        #expect(rows.map { $0["x25.called_address"] }.filter { !$0.isEmpty } == calls.map(\.calledAddress))
        #expect(Set(X25TsharkChecks.actluRequests(rows)) == Set(calls.flatMap(\.activeLUs)))
    }
}
