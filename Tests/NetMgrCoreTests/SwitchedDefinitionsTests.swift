import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// The `hdlc-public` and `hdlc-isdn` keys (issue 12): the line's number, the dialling
/// command set, call direction, rings, redial and connect limits; each refused at its file
/// and line, and the ○ / △ promises they make.
@Suite("Switched line definitions")
struct SwitchedDefinitionsTests {
    static let cluster = """
        cluster:
          name: switched
          nodes:
            - { name: node-a, address: 127.0.63.11, lan: "127.0.63.11:7301" }
            - { name: node-b, address: 127.0.63.12, lan: "127.0.63.12:7301" }
          line-switch: 127.0.63.200:7400
          groups:
            - { name: hostlink, resources: [PSTN1, ISDNR1] }

        """

    /// Lines `DIAL1` (hdlc-public) and `ISDN1` (hdlc-isdn), with `dial`/`isdn` extra keys
    /// (indented as line keys) after their fixed ones.
    static func definitions(dial: String = "    number: \"0312340001\"\n", isdn: String = "", dialHost: String = "tel:0300001111",
                            isdnNodes: String? = nil) -> String {
        cluster + """
        lines:
          - name: DIAL1
            procedure: hdlc-public
            switch: COM1 Unit1 Line3
            station-address: 0xC1
            node-id: 05D00003
        \(dial)    nodes:
              node-a: { device: "tcp:127.0.63.200:7431" }
              node-b: { device: "tcp:127.0.63.200:7432" }
          - name: ISDN1
            procedure: hdlc-isdn
            station-address: 0xC1
            node-id: 05D00004
        \(isdn)    nodes:
        \(isdnNodes ?? """
                  node-a: { device: "tcp:127.0.63.150:7611", isdn-number: "0312340011" }
                  node-b: { device: "tcp:127.0.63.150:7612", isdn-number: "0312340012" }
            """)
        resources:
          - { name: PSTN1, line: DIAL1, host: "\(dialHost)" }
          - { name: ISDNR1, line: ISDN1, host: "tel:0300002222" }
        lus:
          - { name: DLLU02, address: 2, resource: PSTN1 }
          - { name: DLLU03, address: 3, resource: PSTN1 }
          - { name: INLU02, address: 2, resource: ISDNR1 }
          - { name: INLU03, address: 3, resource: ISDNR1 }

        """
    }

    static func load(_ text: String) throws -> LoadedDefinitions { try DefinitionsTestText.load(text, prefix: "netmgr-switcheddefs") }
    static func lineNumber(of needle: String, in text: String) -> Int? { DefinitionsTestText.lineNumber(of: needle, in: text) }

    @Test("both switched lines read with their settings, defaults where not written")
    func readsSettings() throws {
        let text = Self.definitions(dial: """
                number: "0312340001"
                dial: v25bis
                call: in
                answer-rings: 2
                redial-limit: 9
                redial-delay: 3
                connect-timeout: 30

            """, isdn: "    call: in\n    redial-limit: 2\n")
        let loaded = try Self.load(text)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let dial = try #require(loaded.definitions.line(named: "DIAL1"))
        #expect(dial.switched.number == "0312340001" && dial.switched.dial == .v25bis && dial.switched.call == .in)
        #expect(dial.switched.answerRings == 2 && dial.switched.redialLimit == 9)
        #expect(dial.switched.redialDelaySeconds == 3 && dial.switched.connectTimeoutSeconds == 30)
        #expect(dial.stationAddress == 0xC1 && dial.nodeID?.description == "05D00003")
        let isdn = try #require(loaded.definitions.line(named: "ISDN1"))
        #expect(isdn.switched.call == .in && isdn.switched.redialLimit == 2 && isdn.switched.number == nil)
        #expect(isdn.perNode["node-b"]?.isdnNumber == "0312340012")

        let defaults = try Self.load(Self.definitions())
        #expect(defaults.isValid, "\(defaults.diagnostics)")
        let plain = try #require(defaults.definitions.line(named: "DIAL1")).switched
        #expect(plain.dial == .hayes && plain.call == .out && plain.answerRings == 1)
        #expect(plain.redialLimit == 5 && plain.redialDelaySeconds == 2 && plain.connectTimeoutSeconds == 60)
    }

    @Test("the Phonebook's DIAL1 and ISDN1 are as the design says")
    func phonebook() throws {
        let loaded = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let definitions = loaded.definitions
        let dial = try #require(definitions.line(named: "DIAL1"))
        #expect(dial.procedure == .hdlcPublic && dial.switchUnit?.description == "COM1 Unit1 Line3" && dial.switched.number == "0312340001")
        #expect(dial.perNode["node-a"]?.device == "tcp:127.0.0.200:7431" && dial.perNode["node-b"]?.device == "tcp:127.0.0.200:7432")
        let isdn = try #require(definitions.line(named: "ISDN1"))
        #expect(isdn.procedure == .hdlcISDN && isdn.nodeID?.description == "05D00004")
        #expect(isdn.perNode["node-a"]?.isdnNumber == "0312340011" && isdn.perNode["node-b"]?.device == "tcp:127.0.0.150:7612")
        #expect(definitions.resource(named: "PSTN1")?.host == .number("0300001111"))
        #expect(definitions.resource(named: "ISDNR1")?.host == .number("0300002222"))
        #expect(definitions.lus(of: "PSTN1").map(\.name) == ["DLLU02", "DLLU03"])
        #expect(definitions.lus(of: "ISDNR1").map(\.address) == [2, 3])
        #expect(definitions.group(carrying: "PSTN1")?.name == "hostlink" && definitions.group(carrying: "ISDNR1")?.name == "hostlink")
    }

    struct Mistake: Sendable, CustomTestStringConvertible {
        var name: String
        var dial = "    number: \"0312340001\"\n"
        var isdn = ""
        var dialHost = "tel:0300001111"
        var isdnNodes: String?
        var key: String
        var problem: String
        /// Text on the line the error must point at.
        var at: String
        var testDescription: String { name }
    }

    static let mistakes: [Mistake] = [
        Mistake(name: "number missing", dial: "", key: "lines[DIAL1].number", problem: "is missing", at: "- name: DIAL1"),
        Mistake(name: "number with a letter", dial: "    number: 03123A\n", key: "lines[DIAL1].number", problem: "is not a telephone number", at: "number:"),
        Mistake(name: "number of 21 digits", dial: "    number: \"123456789012345678901\"\n", key: "lines[DIAL1].number", problem: "is not a telephone number", at: "number:"),
        Mistake(name: "unknown dial command set", dial: "    number: \"0312340001\"\n    dial: pulse\n", key: "lines[DIAL1].dial", problem: "is not known", at: "dial: pulse"),
        Mistake(name: "unknown call direction", dial: "    number: \"0312340001\"\n    call: both\n", key: "lines[DIAL1].call", problem: "is not known", at: "call: both"),
        Mistake(name: "answer-rings 16", dial: "    number: \"0312340001\"\n    call: in\n    answer-rings: 16\n", key: "lines[DIAL1].answer-rings", problem: "out of range", at: "answer-rings"),
        Mistake(name: "answer-rings on a call-out line", dial: "    number: \"0312340001\"\n    answer-rings: 2\n", key: "lines[DIAL1].answer-rings",
                problem: "the line calls out", at: "answer-rings"),
        Mistake(name: "redial-limit 0", dial: "    number: \"0312340001\"\n    redial-limit: 0\n", key: "lines[DIAL1].redial-limit", problem: "out of range", at: "redial-limit"),
        Mistake(name: "redial-limit 101", isdn: "    redial-limit: 101\n", key: "lines[ISDN1].redial-limit", problem: "out of range", at: "redial-limit"),
        Mistake(name: "redial-delay 61", dial: "    number: \"0312340001\"\n    redial-delay: 61\n", key: "lines[DIAL1].redial-delay", problem: "out of range", at: "redial-delay"),
        Mistake(name: "connect-timeout 2", isdn: "    connect-timeout: 2\n", key: "lines[ISDN1].connect-timeout", problem: "out of range", at: "connect-timeout"),
        Mistake(name: "connect-timeout not a number", isdn: "    connect-timeout: soon\n", key: "lines[ISDN1].connect-timeout", problem: "is the text", at: "connect-timeout"),
        Mistake(name: "number on an ISDN line", isdn: "    number: \"0312340011\"\n", key: "lines[ISDN1].number", problem: "applies to hdlc-public lines only", at: "    number: \"0312340011\""),
        Mistake(name: "dial on an ISDN line", isdn: "    dial: hayes\n", key: "lines[ISDN1].dial", problem: "applies to hdlc-public lines only", at: "dial: hayes"),
        Mistake(name: "ISDN node without a device", isdnNodes: """
                      node-a: { isdn-number: "0312340011" }
                      node-b: { device: "tcp:127.0.63.150:7612", isdn-number: "0312340012" }
                """, key: "lines[ISDN1].nodes.node-a.device", problem: "is missing", at: "node-a: { isdn-number"),
        Mistake(name: "ISDN node without a number", isdnNodes: """
                      node-a: { device: "tcp:127.0.63.150:7611" }
                      node-b: { device: "tcp:127.0.63.150:7612", isdn-number: "0312340012" }
                """, key: "lines[ISDN1].nodes.node-a.isdn-number", problem: "is missing", at: "node-a: { device: \"tcp:127.0.63.150:7611\" }"),
        Mistake(name: "both ISDN nodes with one number", isdnNodes: """
                      node-a: { device: "tcp:127.0.63.150:7611", isdn-number: "0312340011" }
                      node-b: { device: "tcp:127.0.63.150:7612", isdn-number: "0312340011" }
                """, key: "lines[ISDN1].nodes.node-b.isdn-number", problem: "is also node node-a's number", at: "node-b: { device: \"tcp:127.0.63.150:7612\", isdn-number: \"0312340011\""),
        Mistake(name: "ISDN device on a tty", isdnNodes: """
                      node-a: { device: "tty:/dev/ttyS1@9600", isdn-number: "0312340011" }
                      node-b: { device: "tcp:127.0.63.150:7612", isdn-number: "0312340012" }
                """, key: "lines[ISDN1].nodes.node-a.device", problem: "cannot carry a hdlc-isdn call", at: "tty:/dev/ttyS1"),
        Mistake(name: "ISDN number with +", isdnNodes: isdnNodes(a: "+49312340011"), key: "lines[ISDN1].nodes.node-a.isdn-number",
                problem: "is not a telephone number", at: "\"+49312340011\""),
        Mistake(name: "ISDN number with Arabic-Indic digits", isdnNodes: isdnNodes(a: "\u{663}\u{661}\u{662}"), key: "lines[ISDN1].nodes.node-a.isdn-number",
                problem: "is not a telephone number", at: "\u{663}\u{661}\u{662}"),
        Mistake(name: "ISDN number empty", isdnNodes: isdnNodes(a: ""), key: "lines[ISDN1].nodes.node-a.isdn-number",
                problem: "is empty", at: "isdn-number: \"\""),
        Mistake(name: "ISDN number of 21 digits", isdnNodes: isdnNodes(a: "123456789012345678901"), key: "lines[ISDN1].nodes.node-a.isdn-number",
                problem: "is not a telephone number", at: "\"123456789012345678901\""),
        Mistake(name: "host tel: with +", dialHost: "tel:+49300001111", key: "resources[PSTN1].host", problem: "is not a valid telephone number", at: "- { name: PSTN1"),
        Mistake(name: "host tel: with fullwidth digits", dialHost: "tel:\u{FF10}\u{FF13}", key: "resources[PSTN1].host", problem: "is not a valid telephone number", at: "- { name: PSTN1"),
        Mistake(name: "host tel: of 21 digits", dialHost: "tel:123456789012345678901", key: "resources[PSTN1].host", problem: "is not a valid telephone number", at: "- { name: PSTN1"),
        Mistake(name: "host tel: empty", dialHost: "tel:", key: "resources[PSTN1].host", problem: "is not a valid telephone number", at: "- { name: PSTN1"),
        Mistake(name: "host not a number", dialHost: "127.0.63.100:2323", key: "resources[PSTN1].host", problem: "does not fit a hdlc-public line", at: "- { name: PSTN1"),
    ]

    static func isdnNodes(a number: String) -> String {
        """
              node-a: { device: "tcp:127.0.63.150:7611", isdn-number: "\(number)" }
              node-b: { device: "tcp:127.0.63.150:7612", isdn-number: "0312340012" }
        """
    }

    @Test("dialled numbers: - separators are dropped, 20 ASCII digits are the most; + and other digits are refused")
    func dialledDigits() {
        #expect(SwitchedLineSettings.dialledDigits("030-0000-1111") == "03000001111")
        #expect(SwitchedLineSettings.dialledDigits(String(repeating: "9", count: 20)) == String(repeating: "9", count: 20))
        for bad in ["", "-", "-0300", "0300-", "+49300", String(repeating: "9", count: 21), "03\u{0663}", "0\u{FF11}", "12a"] {
            #expect(SwitchedLineSettings.dialledDigits(bad) == nil, "\(bad)")
        }
    }

    @Test("each bad switched-line key is refused at its file and line", arguments: mistakes)
    func mistake(_ mistake: Mistake) throws {
        let text = Self.definitions(dial: mistake.dial, isdn: mistake.isdn, dialHost: mistake.dialHost, isdnNodes: mistake.isdnNodes)
        let loaded = try Self.load(text)
        #expect(!loaded.isValid)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == mistake.key }, "\(loaded.diagnostics)")
        #expect(diagnostic.problem.contains(mistake.problem), "\(diagnostic)")
        #expect(diagnostic.location.file.hasSuffix("defs.yaml"))
        #expect(diagnostic.location.line == Self.lineNumber(of: mistake.at, in: text), "\(diagnostic)")
        #expect(diagnostic.expected?.isEmpty == false)
    }

    @Test("station-address and node-id are required on both switched procedures")
    func stationRequired() throws {
        let text = Self.definitions().replacingOccurrences(of: "    station-address: 0xC1\n    node-id: 05D00004\n", with: "")
        let loaded = try Self.load(text)
        let keys = Set(loaded.diagnostics.map(\.key))
        #expect(keys.contains("lines[ISDN1].station-address") && keys.contains("lines[ISDN1].node-id"), "\(loaded.diagnostics)")
        #expect(!keys.contains("lines[DIAL1].station-address"))
    }

    @Test("switched keys on other procedures are refused, naming the procedures that take them")
    func misplacedKeys() throws {
        let text = """
            \(Self.cluster.replacingOccurrences(of: "[PSTN1, ISDNR1]", with: "[SDLC1]"))lines:
              - name: LEASED1
                procedure: hdlc-leased
                switch: COM1 Unit1 Line1
                station-address: 0xC1
                node-id: 05D00001
                redial-limit: 3
                nodes:
                  node-a: { device: "tcp:127.0.63.200:7411" }
                  node-b: { device: "tcp:127.0.63.200:7412" }
            resources:
              - { name: SDLC1, line: LEASED1 }
            lus:
              - { name: SDLU02, address: 2, resource: SDLC1 }

            """
        let loaded = try Self.load(text)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == "lines[LEASED1].redial-limit" }, "\(loaded.diagnostics)")
        #expect(diagnostic.problem.contains("applies to hdlc-public and hdlc-isdn lines only"))
        #expect(diagnostic.location.line == Self.lineNumber(of: "redial-limit", in: text))
    }

    @Test("the promises: ○ the line's number on both nodes for hdlc-public, △ each node's number for hdlc-isdn")
    func promises() throws {
        let loaded = try Self.load(Self.definitions())
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let definitions = loaded.definitions
        let dial = definitions.promise(for: try #require(definitions.resource(named: "PSTN1")))
        #expect(dial.promise == .same)
        #expect(dial.addressByNode.map(\.address) == Array(repeating: "calling number 0312340001, XID 05D00003, LUs 2,3", count: 2))
        #expect(dial.reason.contains("COM1 Unit1 Line3"))
        let isdn = definitions.promise(for: try #require(definitions.resource(named: "ISDNR1")))
        #expect(isdn.promise == .different)
        #expect(isdn.addressByNode.map(\.address) == ["calling number 0312340011, XID 05D00004, LUs 2,3", "calling number 0312340012, XID 05D00004, LUs 2,3"])
    }

    @Test("check --against names a different number or call direction on the other node's copy")
    func comparison() throws {
        let ours = try Self.load(Self.definitions())
        let theirs = try Self.load(Self.definitions(dial: "    number: \"0312340009\"\n    call: in\n"))
        let differences = DefinitionsComparison.compare(ours.definitions, theirs.definitions)
        #expect(Set(differences.map(\.key)) == ["lines[DIAL1].number", "lines[DIAL1].call"], "\(differences)")
        let number = try #require(differences.first { $0.key == "lines[DIAL1].number" })
        #expect(number.this?.value == "0312340001" && number.other?.value == "0312340009")
    }
}
