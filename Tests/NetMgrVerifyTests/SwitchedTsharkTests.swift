import Foundation
import NetMgrTestSupport
import NetMgrVerify
import PacketCapture
import Testing

/// tshark decodes the switched captures the verifier reads, and agrees with it: the Q.931
/// calling numbers and causes of the D channel (LINUX_LAPD), the dialogue lines of the dial-up
/// interface (USER1, with Integrations/wireshark/dialup.lua); no malformed packets. Runs on
/// synthetic captures and on every committed Captures/*.pcapng of those kinds.
@Suite("tshark: switched captures (ISDN D channel, dial-up dialogue)")
struct SwitchedTsharkTests {
    static let root = BuiltProducts.packageRoot.path
    static let script = root + "/Integrations/wireshark/dialup.lua"

    /// Committed switched captures, found by their first interface's link type: adding
    /// Captures/NAME.pcapng (with NAME.args and NAME.expected.json for CapturesReportTests) is all.
    static func committed(_ linkType: LinkType) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Captures")) ?? []
        return names.filter { $0.hasSuffix(".pcapng") }.sorted().map { root + "/Captures/" + $0 }.filter { path in
            (try? PcapNGReader(path: path))?.firstLinkType == linkType
        }
    }

    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "tshark-switched") }

    func isdnCaptures() throws -> [String] {
        let synthetic = try SwitchedScenarios.isdn(directory.file("isdn.pcapng"), calls: [
            .init(calling: "0312340011", nodeID: 0x05D0_0004), .init(calling: "0312340012", nodeID: 0x05D0_0004),
        ])
        return [synthetic] + Self.committed(.linuxLAPD)
    }

    func malformed(_ path: String, options: [String] = []) async throws -> Int {
        try await Tshark.fields(path, ["frame.number"], filter: "_ws.malformed || _ws.expert.severity == error", options: options).count
    }

    @Test("Q.931 calling numbers and causes: tshark equals the verifier, nothing malformed")
    func isdn() async throws {
        for path in try isdnCaptures() {
            let rows = try await Tshark.fields(path, ["q931.calling_party_number.digits", "q931.cause_value", "q931.message_type"], filter: "q931")
            let report = try Verifier().verify(path: path)
            let calls = try #require(report.switchedCalls, "\(path)")
            #expect(!calls.isEmpty && !rows.isEmpty, "\(path)")
            let tsharkCalling = rows.map { $0[0] }.filter { !$0.isEmpty }
            #expect(tsharkCalling == calls.compactMap(\.callingNumber), "\(path): \(rows)")
            // The first cause of each clearing, as the verifier keeps it.
            let tsharkCauses = Set(rows.compactMap { Int($0[1]) })
            #expect(Set(calls.compactMap(\.cause)).isSubset(of: tsharkCauses), "\(path): \(rows)")
            #expect(tsharkCauses.isSubset(of: Set(calls.compactMap(\.cause))) || calls.contains { $0.cause == nil }, "\(path)")
            #expect(try await malformed(path) == 0, "\(path)")
            // The B channel's SDLC is on interface 1.
            let sdlc = try await Tshark.fields(path, ["frame.interface_id"], filter: "sdlc")
            #expect(!sdlc.isEmpty && sdlc.allSatisfy { $0 == ["1"] }, "\(path)")
        }
    }

    @Test("dialup.lua shows the Hayes lines and V.25bis frames of the USER1 interface")
    func dialup() async throws {
        let hayes = try SwitchedScenarios.dialupHayes(directory.file("dial.pcapng"), calls: [
            .init(calling: "0312340001", nodeID: 0x05D0_0003), .init(calling: "0312340001", nodeID: 0x05D0_0003),
        ])
        let options = ["-X", "lua_script:" + Self.script]
        let rows = try await Tshark.fields(hayes, ["dialup.direction", "dialup.line"], filter: "dialup", options: options + ["-E", "occurrence=a", "-E", "aggregator=|"])
        let lines = rows.flatMap { $0[1].split(separator: "|").map(String.init) }
        for expected in ["ATZ", "OK", "RING", "NMBR = 0312340001", "ATA", "CONNECT 9600", "NO CARRIER"] {
            #expect(lines.contains(expected), "\(expected) not in \(lines)")
        }
        #expect(rows.contains { $0[0] == "0x00" } && rows.contains { $0[0] == "0x01" }, "\(rows)")
        #expect(try await malformed(hayes, options: options) == 0)

        let capture = try SyntheticCapture(path: directory.file("v25.pcapng"), signalling: .user1)
        try capture.signalling(SwitchedScenarios.v25bis("CRN0300001111", toDTE: false), at: 0)
        try capture.signalling(SwitchedScenarios.v25bis("VAL", toDTE: true), at: 1)
        try capture.signalling(SwitchedScenarios.v25bis("CFINT", toDTE: true), at: 2)
        try capture.close()
        let frames = try await Tshark.fields(capture.path, ["dialup.v25bis", "dialup.fcs_good"], filter: "dialup", options: options)
        #expect(frames.map { $0[0] } == ["CRN0300001111", "VAL", "CFINT"], "\(frames)")
        #expect(frames.allSatisfy { $0[1] == "True" || $0[1] == "1" }, "\(frames)")
        for path in Self.committed(.user1) {
            #expect(try await malformed(path, options: options) == 0, "\(path)")
            #expect(!(try await Tshark.fields(path, ["dialup.direction"], filter: "dialup", options: options)).isEmpty, "\(path)")
        }
    }
}
