import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// The `hdlc-packet` keys (issue 11): X.121 addresses, LAPB and packet-layer settings,
/// each refused at its file and line, and the ○ promise they make.
@Suite("X.25 definitions")
struct X25DefinitionsTests {
    static let cluster = """
        cluster:
          name: x25
          nodes:
            - { name: node-a, address: 127.0.32.11, lan: "127.0.32.11:7301" }
            - { name: node-b, address: 127.0.32.12, lan: "127.0.32.12:7301" }
          line-switch: 127.0.32.20:7400
          groups:
            - { name: hostlink, resources: [X25R1] }

        """

    /// A line `PKT1` with `extra` keys (indented as line keys) after its fixed ones.
    static func definitions(line extra: String = "", host: String = "dte:44100001", devices: (String, String) = ("tcp:127.0.32.20:7421", "tcp:127.0.32.20:7422"),
                            switchUnit: String? = "COM1 Unit1 Line2") -> String {
        cluster + """
        lines:
          - name: PKT1
            procedure: hdlc-packet
        \(switchUnit.map { "    switch: \($0)\n" } ?? "")    node-id: 05D00002
        \(extra)    nodes:
              node-a: { device: "\(devices.0)" }
              node-b: { device: "\(devices.1)" }
        resources:
          - { name: X25R1, line: PKT1, host: "\(host)" }
        lus:
          - { name: PKLU02, address: 2, resource: X25R1 }
          - { name: PKLU03, address: 3, resource: X25R1 }

        """
    }

    static func load(_ text: String) throws -> LoadedDefinitions { try DefinitionsTestText.load(text, prefix: "netmgr-x25defs") }
    static func lineNumber(of needle: String, in text: String) -> Int? { DefinitionsTestText.lineNumber(of: needle, in: text) }

    @Test("a full hdlc-packet line reads with its settings, defaults where not written")
    func readsSettings() throws {
        let text = Self.definitions(line: """
                dte-address: 44200001
                packet-size: 256
                packet-window: 3
                lapb-t1: 500ms
                lapb-n2: 12
                lapb-window: 5
                logical-channel: 17

            """)
        let loaded = try Self.load(text)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let line = try #require(loaded.definitions.line(named: "PKT1"))
        #expect(line.x25.dteAddress == "44200001")
        #expect(line.x25.packetSize == 256 && line.x25.packetWindow == 3)
        #expect(line.x25.lapbT1Milliseconds == 500 && line.x25.lapbN2 == 12 && line.x25.lapbWindow == 5)
        #expect(line.x25.logicalChannel == 17)
        #expect(line.nodeID?.description == "05D00002")

        let defaults = try Self.load(Self.definitions(line: "    dte-address: \"0442\"\n"))
        #expect(defaults.isValid, "\(defaults.diagnostics)")
        let plain = try #require(defaults.definitions.line(named: "PKT1")).x25
        #expect(plain.dteAddress == "0442")
        #expect(plain.packetSize == 128 && plain.packetWindow == 2 && plain.lapbT1Milliseconds == 3000)
        #expect(plain.lapbN2 == 10 && plain.lapbWindow == 7 && plain.logicalChannel == 1)
    }

    struct Mistake: Sendable, CustomTestStringConvertible {
        var name: String
        var line: String
        var host = "dte:44100001"
        var key: String
        var problem: String
        /// Text on the line the error must point at.
        var at: String
        var testDescription: String { name }
    }

    static let mistakes: [Mistake] = [
        Mistake(name: "dte-address with a letter", line: "    dte-address: 4420A001\n", key: "lines[PKT1].dte-address", problem: "is not an X.121 address", at: "dte-address"),
        Mistake(name: "dte-address of 16 digits", line: "    dte-address: \"1234567890123456\"\n", key: "lines[PKT1].dte-address", problem: "is not an X.121 address", at: "dte-address"),
        Mistake(name: "dte-address missing", line: "", key: "lines[PKT1].dte-address", problem: "is missing", at: "- name: PKT1"),
        Mistake(name: "packet size not a power of two", line: "    dte-address: 44200001\n    packet-size: 100\n", key: "lines[PKT1].packet-size", problem: "not a power of two", at: "packet-size"),
        Mistake(name: "packet size too large", line: "    dte-address: 44200001\n    packet-size: 8192\n", key: "lines[PKT1].packet-size", problem: "out of range", at: "packet-size"),
        Mistake(name: "packet size 4096 on the switched line", line: "    dte-address: 44200001\n    packet-size: 4096\n", key: "lines[PKT1].packet-size", problem: "does not fit the HDLC line", at: "packet-size"),
        Mistake(name: "packet window 8", line: "    dte-address: 44200001\n    packet-window: 8\n", key: "lines[PKT1].packet-window", problem: "out of range", at: "packet-window"),
        Mistake(name: "lapb-t1 not a duration", line: "    dte-address: 44200001\n    lapb-t1: soon\n", key: "lines[PKT1].lapb-t1", problem: "not a T1 duration", at: "lapb-t1"),
        Mistake(name: "lapb-t1 too long", line: "    dte-address: 44200001\n    lapb-t1: 90s\n", key: "lines[PKT1].lapb-t1", problem: "not a T1 duration", at: "lapb-t1"),
        Mistake(name: "lapb-n2 zero", line: "    dte-address: 44200001\n    lapb-n2: 0\n", key: "lines[PKT1].lapb-n2", problem: "out of range", at: "lapb-n2"),
        Mistake(name: "lapb-window zero", line: "    dte-address: 44200001\n    lapb-window: 0\n", key: "lines[PKT1].lapb-window", problem: "out of range", at: "lapb-window"),
        Mistake(name: "logical channel 4096", line: "    dte-address: 44200001\n    logical-channel: 4096\n", key: "lines[PKT1].logical-channel", problem: "out of range", at: "logical-channel"),
        Mistake(name: "host dte with a letter", line: "    dte-address: 44200001\n", host: "dte:441X0001", key: "resources[X25R1].host", problem: "not a valid X.121 DTE address", at: "- { name: X25R1"),
        Mistake(name: "host not a dte", line: "    dte-address: 44200001\n", host: "127.0.0.1:23", key: "resources[X25R1].host", problem: "does not fit a hdlc-packet line", at: "- { name: X25R1"),
    ]

    @Test("each bad X.25 key is refused at its file and line", arguments: mistakes)
    func mistake(_ mistake: Mistake) throws {
        let text = Self.definitions(line: mistake.line, host: mistake.host)
        let loaded = try Self.load(text)
        #expect(!loaded.isValid)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == mistake.key }, "\(loaded.diagnostics)")
        #expect(diagnostic.problem.contains(mistake.problem), "\(diagnostic)")
        #expect(diagnostic.location.file.hasSuffix("defs.yaml"))
        #expect(diagnostic.location.line == Self.lineNumber(of: mistake.at, in: text), "\(diagnostic)")
    }

    @Test("packet-size 4096 is fine over XOT, 2048 on the switched line")
    func largestPacketSizes() throws {
        let xot = try Self.load(Self.definitions(
            line: "    dte-address: 44200001\n    packet-size: 4096\n", devices: ("xot:127.0.32.20:1998", "xot:127.0.32.20:1998"), switchUnit: nil))
        #expect(xot.isValid, "\(xot.diagnostics)")
        let switched = try Self.load(Self.definitions(line: "    dte-address: 44200001\n    packet-size: 2048\n"))
        #expect(switched.isValid, "\(switched.diagnostics)")
        #expect(X25LineSettings.switchedFrameLength(packetSize: 2048) <= X25LineSettings.switchedLineMaximumFrameLength)
        #expect(X25LineSettings.switchedFrameLength(packetSize: 4096) > X25LineSettings.switchedLineMaximumFrameLength)
    }

    @Test("X.25 keys on a leased line are refused as misplaced")
    func misplaced() throws {
        let text = Self.cluster.replacingOccurrences(of: "[X25R1]", with: "[SD1]") + """
            lines:
              - name: L1
                procedure: hdlc-leased
                switch: COM1 Unit1 Line1
                station-address: 0xC1
                node-id: 05D00001
                packet-window: 3
                nodes:
                  node-a: { device: "tcp:127.0.32.20:7411" }
                  node-b: { device: "tcp:127.0.32.20:7412" }
            resources:
              - { name: SD1, line: L1 }
            lus:
              - { name: SDLU02, address: 2, resource: SD1 }

            """
        let loaded = try Self.load(text)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == "lines[L1].packet-window" }, "\(loaded.diagnostics)")
        #expect(diagnostic.problem.contains("applies to hdlc-packet lines only"))
        #expect(diagnostic.location.line == Self.lineNumber(of: "packet-window", in: text))
    }

    @Test("an XOT line needs no line switch, but a bad xot device is refused")
    func xot() throws {
        let good = try Self.load(Self.definitions(line: "    dte-address: 44200001\n", devices: ("xot:127.0.32.30:1998", "xot:127.0.32.30:1998"), switchUnit: nil))
        #expect(good.isValid, "\(good.diagnostics)")
        let text = Self.definitions(line: "    dte-address: 44200001\n", devices: ("xot:127.0.32.30", "xot:127.0.32.30:1998"), switchUnit: nil)
        let bad = try Self.load(text)
        let diagnostic = try #require(bad.diagnostics.first { $0.key == "lines[PKT1].nodes.node-a.device" }, "\(bad.diagnostics)")
        #expect(diagnostic.problem.contains("is not xot:HOST:PORT"))
        #expect(diagnostic.location.line == Self.lineNumber(of: "xot:127.0.32.30\"", in: text))
    }

    @Test("--explain promises ○ with the same calling DTE, XID node id and LU addresses on both nodes")
    func promise() throws {
        let loaded = try Self.load(Self.definitions(line: "    dte-address: 44200001\n"))
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let d = loaded.definitions
        let promise = d.promise(for: try #require(d.resource(named: "X25R1")))
        #expect(promise.promise == .same)
        #expect(promise.addressByNode.map(\.node) == ["node-a", "node-b"])
        #expect(promise.addressByNode.allSatisfy { $0.address == "calling DTE 44200001, XID 05D00002, LUs 2,3" }, "\(promise.addressByNode)")
        #expect(promise.reason.contains("same calling DTE address, XID node id and LU addresses"))
    }

    @Test("durations read as T1 values", arguments: [("3s", 3000), ("500ms", 500), ("2", 2000), ("1.5s", 1500)])
    func durations(text: String, milliseconds: Int) {
        #expect(X25LineSettings.milliseconds(parsing: text) == milliseconds)
    }

    @Test("non-durations are refused", arguments: ["", "s", "ms", "-1s", "1e9s", "abc", "99999999999s"])
    func badDurations(text: String) {
        #expect(X25LineSettings.milliseconds(parsing: text) == nil)
    }
}
