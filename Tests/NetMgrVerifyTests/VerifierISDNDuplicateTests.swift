import NetMgrTestSupport
import NetMgrVerify
import PacketCapture
import Testing

/// Duplicate D-channel messages are not new calls: a LAPD I frame retransmitted with the same
/// N(S), and a SETUP resent on T303 for a call still being set up.
@Suite("Verifier: ISDN retransmissions are not new calls")
struct VerifierISDNDuplicateTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "verify-isdn-dup") }

    static let setupElements: [UInt8] = [0x04, 0x02, 0x88, 0x90] + SwitchedScenarios.number(0x6C, "0312340011")
        + SwitchedScenarios.number(0x70, "0300002222")

    func q931(_ fromNetwork: Bool, ref: UInt8, flag: Bool, _ type: UInt8, _ elements: [UInt8] = [], ns: UInt8) -> [UInt8] {
        SwitchedScenarios.q931(fromNetwork: fromNetwork, reference: ref, flag: flag, type: type, elements: elements, sent: ns)
    }

    /// SABME from the network (C/R 1), TEI 0.
    var sabme: [UInt8] { LinuxLAPDHeader.encode(fromNetwork: true) + [0x02, 0x01, 0x7F] }

    func report(_ name: String, _ records: [([UInt8], Double)]) throws -> VerificationReport {
        let capture = try SyntheticCapture(path: directory.file(name), signalling: .linuxLAPD)
        for (bytes, t) in records { try capture.signalling(bytes, at: t) }
        try capture.close()
        return try Verifier(options: VerifyOptions()).verify(path: capture.path)
    }

    @Test("a SETUP retransmitted with the same N(S) after the call connected is read once")
    func retransmittedIFrame() throws {
        let report = try report("retransmit.pcapng", [
            (q931(true, ref: 1, flag: false, 0x05, Self.setupElements, ns: 0), 0),
            (q931(false, ref: 1, flag: true, 0x07, ns: 0), 20),
            (q931(true, ref: 1, flag: false, 0x05, Self.setupElements, ns: 0), 30),  // timer recovery: the same frame again
            (q931(true, ref: 1, flag: false, 0x0F, ns: 1), 40),
            (q931(true, ref: 1, flag: false, 0x45, SwitchedScenarios.cause(16), ns: 2), 100),
            (q931(false, ref: 1, flag: true, 0x5A, ns: 1), 101),
        ])
        let calls = try #require(report.switchedCalls)
        #expect(calls.count == 1, "\(calls)")
        #expect(calls.first?.connected == ReportTime(SyntheticCapture.time(20)) && calls.first?.endReason == "cleared")
        #expect(report.statistics.q931Messages == 5)
        #expect(report.notes.contains { $0.contains("1 LAPD I frame(s) repeated an N(S)") }, "\(report.notes)")
    }

    @Test("a SETUP resent on T303 (a new I frame) for the call being set up is that call; after clearing the same reference is a new call")
    func setupResentOnT303() throws {
        let report = try report("t303.pcapng", [
            (q931(true, ref: 1, flag: false, 0x05, Self.setupElements, ns: 0), 0),
            (q931(true, ref: 1, flag: false, 0x05, Self.setupElements, ns: 1), 4000),  // T303 expired: SETUP again
            (q931(false, ref: 1, flag: true, 0x07, ns: 0), 4020),
            (q931(false, ref: 1, flag: true, 0x5A, SwitchedScenarios.cause(16), ns: 1), 9000),
            (q931(true, ref: 1, flag: false, 0x05, Self.setupElements, ns: 2), 12000),  // a new call, same reference
        ])
        let calls = try #require(report.switchedCalls)
        try #require(calls.count == 2, "\(calls)")
        #expect(calls[0].setUp == ReportTime(SyntheticCapture.time(0)) && calls[0].connected == ReportTime(SyntheticCapture.time(4020)))
        #expect(calls[0].endReason == "cleared" && calls[0].cause == 16)
        #expect(calls[1].setUp == ReportTime(SyntheticCapture.time(12000)) && calls[1].endReason == "capture-end")
        #expect(report.statistics.q931Messages == 5)
    }

    @Test("SABME restarts the numbering: N(S) 0 after re-establishment is a new frame")
    func reestablishmentResetsSequence() throws {
        let report = try report("sabme.pcapng", [
            (q931(true, ref: 1, flag: false, 0x05, Self.setupElements, ns: 0), 0),
            (q931(true, ref: 1, flag: false, 0x45, SwitchedScenarios.cause(41), ns: 1), 100),
            (q931(false, ref: 1, flag: true, 0x5A, ns: 0), 101),
            (sabme, 200),
            (q931(true, ref: 2, flag: false, 0x05, Self.setupElements, ns: 0), 300),
        ])
        let calls = try #require(report.switchedCalls)
        #expect(calls.count == 2 && calls.last?.callReference == 2, "\(calls)")
        #expect(!report.notes.contains { $0.contains("repeated an N(S)") })
    }
}
