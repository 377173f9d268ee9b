import NetMgrTestSupport
import NetMgrVerify
import PacketCapture
import Testing

/// V.25bis in the dial-up dialogue as the Dialup module reads it: CNX connects, a CFI on a
/// connected call (the simulated modem's CFIAB when the far end hangs up) clears it, frames
/// with a bad FCS are unreadable, not calls.
@Suite("Verifier: V.25bis dialogue (CNX, CFI, FCS)")
struct VerifierDialupV25bisTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "verify-v25bis") }

    @Test("CNX connects the call; CFIAB in data mode clears it by the node; a frame with a bad FCS is skipped")
    func connectAndClear() throws {
        let capture = try SyntheticCapture(path: directory.file("v25bis.pcapng"), signalling: .user1)
        var corrupt = SwitchedScenarios.v25bis("INC0312340009", toDTE: true)
        corrupt[corrupt.count - 2] ^= 0x01  // the FCS's high byte
        try capture.signalling(corrupt, at: 0)
        try capture.signalling(SwitchedScenarios.v25bis("INC0312340001", toDTE: true), at: 100)
        try capture.signalling(SwitchedScenarios.v25bis("CIC", toDTE: false), at: 101)
        try capture.signalling(SwitchedScenarios.v25bis("VAL", toDTE: true), at: 102)
        try capture.signalling(SwitchedScenarios.v25bis("CNX", toDTE: true), at: 200)
        try capture.frame([0xC1, 0xBF], at: 300)
        try capture.signalling(SwitchedScenarios.v25bis("CFIAB", toDTE: true), at: 5000)
        try capture.close()
        let report = try Verifier(options: VerifyOptions()).verify(path: capture.path)
        let calls = try #require(report.switchedCalls)
        try #require(calls.count == 1, "\(calls)")
        let call = calls[0]
        #expect(call.signalling == "v25bis" && call.placedBy == "node" && call.callingNumber == "0312340001")
        #expect(call.connected == ReportTime(SyntheticCapture.time(200)), "CNX, not the first SDLC frame")
        #expect(call.cleared == ReportTime(SyntheticCapture.time(5000)) && call.clearedBy == "node" && call.modemResult == "CFI AB")
        #expect(call.endReason == "cleared")
        #expect(report.statistics.v25bisFrames == 5 && report.statistics.unreadableSwitchedRecords == 1)
    }
}
