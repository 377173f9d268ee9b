import NetMgrTestSupport
import NetMgrVerify
import PacketCapture
import Testing

/// A long capture's calls are bounded: beyond the cap they are counted and the report says so.
@Suite("Verifier: switched call log is bounded")
struct VerifierSwitchedCallCapTests {
    @Test("10,050 dial attempts keep the first 10,000 calls and note the 50 dropped")
    func capped() throws {
        let directory = try TemporaryDirectory(prefix: "verify-call-cap")
        let capture = try SyntheticCapture(path: directory.file("many.pcapng"), signalling: .user1)
        for block in 0..<201 {
            let lines = String(repeating: "ATD0312340001\r", count: 50)
            try capture.signalling(SwitchedScenarios.dte(lines), at: Double(block))
        }
        try capture.close()
        let report = try Verifier(options: VerifyOptions()).verify(path: capture.path)
        #expect(report.switchedCalls?.count == 10_000)
        #expect(report.switchedCalls?.last?.endReason == "next-call")
        #expect(report.notes.contains("50 call(s) beyond the first 10000 were not kept"), "\(report.notes)")
    }
}
