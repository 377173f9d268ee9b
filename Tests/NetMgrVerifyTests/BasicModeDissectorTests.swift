import BasicMode
import Foundation
import NIOCore
import NetMgrTestSupport
import Testing

/// The Lua dissector Integrations/wireshark/basic-mode.lua, run by tshark on captures the
/// simulator's recorder writes from BasicMode-encoded elements, decodes what was sent: both
/// codings, control sequences, poll/select addresses, LU headings, transparent text with
/// DLE undoubled, and block checks good and bad. tshark is required (scripts/test installs
/// it); the test fails, not skips, without it.
@Suite("BDLC Lua dissector through tshark")
struct BasicModeDissectorTests {
    static var script: String {
        BuiltProducts.packageRoot.appendingPathComponent("Integrations/wireshark/basic-mode.lua").path
    }

    static let fields = [
        "bdlc.direction", "bdlc.line", "bdlc.coding", "bdlc.element", "bdlc.control", "bdlc.station", "bdlc.select",
        "bdlc.lu", "bdlc.transparent", "bdlc.text_len", "bdlc.text", "bdlc.end", "bdlc.bcc", "bdlc.bcc_valid",
        "_ws.malformed", "bdlc.malformed", "bdlc.trailing",
    ]

    /// What one record must decode to (nil: the field must be absent).
    struct Expected: CustomStringConvertible {
        var fromTributary: Bool
        var line: Int
        var coding: BasicModeCoding
        var element: String
        var station: UInt8? = nil
        var select: Bool? = nil
        var lu: Int? = nil
        var transparent: Bool? = nil
        var text: [UInt8]? = nil
        var end: String? = nil
        var bcc: UInt16? = nil
        var bccValid: Bool? = nil

        var description: String { "\(fromTributary ? "trib" : "host") L\(line) \(coding) \(element)" }
    }

    /// Records elements and what the dissector must make of them.
    final class Script {
        let capture: BasicModeCapture
        var expected: [Expected] = []
        var t = 0.0

        init(_ capture: BasicModeCapture) { self.capture = capture }

        func send(_ element: BasicModeElement, line: Int, coding: BasicModeCoding, fromTributary: Bool) throws {
            t += 0.01
            if fromTributary {
                try capture.station(element, line: line, coding: coding, at: t)
            } else {
                try capture.host(element, line: line, coding: coding, at: t)
            }
            var e = Expected(fromTributary: fromTributary, line: line, coding: coding, element: "")
            switch element {
            case .poll(let a): (e.element, e.station, e.select) = ("POLL", a.rawValue, false)
            case .select(let a): (e.element, e.station, e.select) = ("SELECT", a.rawValue, true)
            case .endOfTransmission: e.element = "EOT"
            case .enquiry: e.element = "ENQ"
            case .ack0: e.element = "ACK0"
            case .ack1: e.element = "ACK1"
            case .negativeAcknowledgment: e.element = "NAK"
            case .waitBeforeTransmit: e.element = "WACK"
            case .reverseInterrupt: e.element = "RVI"
            case .textBlock(let block):
                e.element = "TEXT"
                e.lu = block.luLocalAddress.map(Int.init)
                e.transparent = block.isTransparent
                e.text = Array(block.text.readableBytesView)
                e.end = block.end == .endOfText ? "ETX" : "ETB"
                let wire = try BasicModeCapture.bytes(element, coding: coding)
                let check = coding.blockCheck
                let tail = wire.suffix(check.length)
                e.bcc = check.length == 1 ? UInt16(tail.first ?? 0) : UInt16(tail.first ?? 0) | UInt16(tail.last ?? 0) << 8
                e.bccValid = block.blockCheckMismatch == nil
            }
            expected.append(e)
        }
    }

    /// A block whose block check on the wire is off by one bit.
    static func badBlock(lu: UInt8, _ message: [UInt8], coding: BasicModeCoding) throws -> BasicModeElement {
        guard case .textBlock(var block) = BasicModeCapture.block(lu: lu, message, coding: coding) else { return .enquiry }
        let good = try BasicModeEncoder(coding: coding, synchronousIdles: 0).bytes(.textBlock(block))
        let check = coding.blockCheck
        let tail = good.suffix(check.length)
        let value = check.length == 1 ? UInt16(tail.first ?? 0) : UInt16(tail.first ?? 0) | UInt16(tail.last ?? 0) << 8
        block.blockCheckMismatch = BasicModeBlockCheckMismatch(received: value ^ 0x0001, computed: value)
        return .textBlock(block)
    }

    static func conversation(_ s: Script, line: Int, station: UInt8, coding: BasicModeCoding) throws {
        let address = try BasicModeCapture.address(station)
        let dle = coding.characters.dataLinkEscape, etx = coding.characters.endOfText
        // Poll: a normal block, a transparent one (DLE and ETX inside), nothing more.
        try s.send(.endOfTransmission, line: line, coding: coding, fromTributary: false)
        try s.send(.poll(address), line: line, coding: coding, fromTributary: false)
        try s.send(BasicModeCapture.block(lu: 2, Array("HELLO".utf8).map { coding == .ascii ? $0 : $0 | 0x80 }, coding: coding),
                   line: line, coding: coding, fromTributary: true)
        try s.send(.ack1, line: line, coding: coding, fromTributary: false)
        try s.send(BasicModeCapture.block(lu: 3, [0x41, dle, etx, dle, dle, 0x42], coding: coding), line: line, coding: coding, fromTributary: true)
        try s.send(.ack0, line: line, coding: coding, fromTributary: false)
        // A block with a bad block check: NAKed, sent again, WACKed.
        try s.send(badBlock(lu: 2, [0x51, 0x52, 0x53], coding: coding), line: line, coding: coding, fromTributary: true)
        try s.send(.negativeAcknowledgment, line: line, coding: coding, fromTributary: false)
        try s.send(BasicModeCapture.block(lu: 2, [0x51, 0x52, 0x53], coding: coding), line: line, coding: coding, fromTributary: true)
        try s.send(.waitBeforeTransmit, line: line, coding: coding, fromTributary: false)
        try s.send(.enquiry, line: line, coding: coding, fromTributary: true)
        try s.send(.ack1, line: line, coding: coding, fromTributary: false)
        try s.send(.endOfTransmission, line: line, coding: coding, fromTributary: true)
        // Select: the station takes a transparent block, then asks for the line with RVI.
        try s.send(.endOfTransmission, line: line, coding: coding, fromTributary: false)
        try s.send(.select(address), line: line, coding: coding, fromTributary: false)
        try s.send(.ack0, line: line, coding: coding, fromTributary: true)
        try s.send(BasicModeCapture.block(lu: 0x1F, [dle, 0x01, 0x02], coding: coding), line: line, coding: coding, fromTributary: false)
        try s.send(.reverseInterrupt, line: line, coding: coding, fromTributary: true)
        try s.send(.endOfTransmission, line: line, coding: coding, fromTributary: false)
    }

    static func run(_ path: String, preferences: [String] = []) async throws -> [[String]] {
        var arguments = ["-X", "lua_script:\(script)", "-r", path, "-n", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
        for preference in preferences { arguments += ["-o", preference] }
        for field in fields { arguments += ["-e", field] }
        let result = try await runProcess("tshark", arguments, timeout: .seconds(120))
        #expect(result.status == 0, "tshark: \(result.standardError)")
        #expect(!result.standardError.contains("Lua"), "tshark reported a Lua problem: \(result.standardError)")
        return result.standardOutput.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// tshark 4.0 prints booleans as 1/0, later releases as True/False.
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true": return true
        case "0", "false": return false
        default: return nil
        }
    }

    static func hex(_ text: String) -> Int? {
        let digits = text.lowercased().hasPrefix("0x") ? String(text.dropFirst(2)) : text
        return Int(digits, radix: 16)
    }

    static func check(_ rows: [[String]], against expected: [Expected]) {
        #expect(rows.count == expected.count, "one row per record: \(rows.count) rows for \(expected.count) records")
        for (row, e) in zip(rows, expected) {
            guard row.count == fields.count else {
                Issue.record("\(e): \(row.count) columns")
                continue
            }
            let c = Dictionary(uniqueKeysWithValues: zip(fields, row))
            let what = "\(e): \(row)"
            #expect(c["bdlc.direction"] == (e.fromTributary ? "1" : "0"), "\(what)")
            #expect(c["bdlc.line"] == String(e.line), "\(what)")
            #expect(c["bdlc.coding"] == e.coding.rawValue, "\(what)")
            #expect(c["bdlc.element"] == e.element, "\(what)")
            #expect(c["bdlc.control"] == (e.element == "TEXT" ? "" : e.element), "\(what)")
            #expect(hex(c["bdlc.station"] ?? "") == e.station.map(Int.init), "\(what)")
            #expect(bool(c["bdlc.select"] ?? "") == e.select, "\(what)")
            #expect(Int(c["bdlc.lu"] ?? "") == e.lu, "\(what)")
            #expect(bool(c["bdlc.transparent"] ?? "") == e.transparent, "\(what)")
            #expect(Int(c["bdlc.text_len"] ?? "") == e.text?.count, "\(what)")
            let text = e.text.map { $0.map { String(format: "%02x", $0) }.joined() }
            #expect((c["bdlc.text"] ?? "").replacingOccurrences(of: ":", with: "") == (text == "" ? "" : text ?? ""), "\(what)")
            #expect(c["bdlc.end"] == (e.end ?? ""), "\(what)")
            #expect(hex(c["bdlc.bcc"] ?? "") == e.bcc.map(Int.init), "\(what)")
            #expect(bool(c["bdlc.bcc_valid"] ?? "") == e.bccValid, "\(what)")
            #expect(c["_ws.malformed"] == "" && c["bdlc.malformed"] == "" && c["bdlc.trailing"] == "", "\(what): malformed")
        }
    }

    @Test("both codings on two lines: control sequences, poll/select, LU headings, transparent text, good and bad BCC")
    func bothCodings() async throws {
        let directory = try TemporaryDirectory(prefix: "bdlc-dissector")
        let capture = try BasicModeCapture(path: directory.file("bdlc.pcap"))
        let script = Script(capture)
        try Self.conversation(script, line: 1, station: 0x41, coding: .ascii)
        try Self.conversation(script, line: 2, station: 0xC2, coding: .ebcdic)
        capture.close()
        #expect(capture.recordsWritten == script.expected.count)
        #expect(script.expected.filter { $0.bccValid == false }.count == 2, "one bad block per coding")
        #expect(script.expected.filter { $0.transparent == true }.count >= 4, "transparent blocks in both codings")

        // The default preference (ascii) detects the EBCDIC line; forcing ebcdic detects the ASCII one.
        Self.check(try await Self.run(capture.path), against: script.expected)
        Self.check(try await Self.run(capture.path, preferences: ["bdlc.coding:ebcdic"]), against: script.expected)

        // The full tree has no Lua error and nothing malformed.
        let verbose = try await runProcess("tshark", ["-X", "lua_script:\(Self.script)", "-r", capture.path, "-n", "-V"], timeout: .seconds(120))
        #expect(verbose.status == 0, "tshark: \(verbose.standardError)")
        #expect(verbose.standardOutput.contains("Basic-mode data link control"))
        for bad in ["Lua Error", "Malformed", "Dissector bug"] {
            #expect(!verbose.standardOutput.contains(bad), "tshark -V shows \(bad)")
        }
        // One checksum expert info per bad block (the NAKed one in each coding).
        #expect(verbose.standardOutput.components(separatedBy: "Expert Info (Error/Checksum)").count - 1 == 2)
    }

    @Test("the committed demo recording Captures/bdlc-failover.pcap: node-a's 0x41 on line 1, then node-b's 0x42 on line 2")
    func committedCapture() async throws {
        let path = BuiltProducts.packageRoot.appendingPathComponent("Captures/bdlc-failover.pcap").path
        let rows = try await Tshark.basicModeFields(path, ["frame.number"] + Self.fields)
        #expect(rows.count == 195)
        var stationsByLine: [String: Set<String>] = [:]
        var elements: Set<String> = []
        var lus: [String: Set<String>] = [:]
        for row in rows {
            guard row.count == Self.fields.count + 1 else {
                Issue.record("\(row)")
                continue
            }
            let c = Dictionary(uniqueKeysWithValues: zip(Self.fields, row.dropFirst()))
            let what = "frame \(row[0]): \(row)"
            #expect(c["bdlc.coding"] == "ascii" && ["1", "2"].contains(c["bdlc.line"]), "\(what)")
            #expect(c["_ws.malformed"] == "" && c["bdlc.malformed"] == "" && c["bdlc.trailing"] == "", "\(what)")
            let element = c["bdlc.element"] ?? ""
            elements.insert(element)
            if element == "POLL" { stationsByLine[c["bdlc.line"] ?? "", default: []].insert(c["bdlc.station"] ?? "") }
            if element == "TEXT" {
                #expect(c["bdlc.direction"] == "1" && Self.bool(c["bdlc.bcc_valid"] ?? "") == true, "\(what)")
                #expect((Int(c["bdlc.text_len"] ?? "") ?? 0) > 0 && c["bdlc.end"] == "ETX", "\(what)")
                lus[c["bdlc.line"] ?? "", default: []].insert(c["bdlc.lu"] ?? "")
            }
        }
        #expect(stationsByLine == ["1": ["0x41"], "2": ["0x42"]])
        #expect(lus == ["1": ["2", "3"], "2": ["2", "3"]], "each station carried both LUs' messages")
        #expect(elements == ["EOT", "POLL", "TEXT", "ACK0", "ACK1"], "\(elements)")
    }

    @Test("with detection off, the preference decides: EBCDIC control sequences read as ascii are UNKNOWN, not misread")
    func detectionOff() async throws {
        let directory = try TemporaryDirectory(prefix: "bdlc-dissector")
        let capture = try BasicModeCapture(path: directory.file("ebcdic.pcap"))
        try capture.host(.ack1, line: 3, coding: .ebcdic, at: 0)  // 10 61
        try capture.host(.poll(try BasicModeCapture.address(0xC1)), line: 3, coding: .ebcdic, at: 0.01)  // C1 C1 2D
        capture.close()
        let rows = try await Self.run(capture.path, preferences: ["bdlc.detect:FALSE"])
        #expect(rows.map { $0[3] } == ["UNKNOWN", "UNKNOWN"], "\(rows)")
        #expect(rows.map { $0[2] } == ["ascii", "ascii"], "\(rows)")
        let detected = try await Self.run(capture.path)
        #expect(detected.map { $0[3] } == ["ACK1", "POLL"], "\(detected)")
    }
}
