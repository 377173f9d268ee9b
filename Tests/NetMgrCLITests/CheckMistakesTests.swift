import Foundation
import NetMgrTestSupport
import Testing

/// One operator mistake: edits to a copy of Phonebook/ and what `netmgr check` must say.
struct Mistake: CustomTestStringConvertible, Sendable {
    struct Edit: Sendable {
        var file: String
        /// Text replaced in `file`; nil appends `replacement` to the file; "" empties it.
        var original: String?
        var replacement: String
    }

    var name: String
    var edits: [Edit]
    /// The file the error must name (default: the first edit's).
    var file: String?
    /// A fragment of the line the error must point at, searched in the edited file ("" = line 1).
    var lineContaining: String
    /// The key path the message must name.
    var key: String

    init(_ name: String, _ file: String, _ original: String?, _ replacement: String, at lineContaining: String, key: String,
         also: [Edit] = []) {
        self.name = name
        self.edits = [Edit(file: file, original: original, replacement: replacement)] + also
        self.lineContaining = lineContaining
        self.key = key
    }

    var errorFile: String { file ?? edits[0].file }
    var testDescription: String { name }
}

let isdnLine = Mistake.Edit(file: "lines.yaml", original: nil, replacement: """
      - name: ISDN9
        procedure: hdlc-isdn
        station-address: 0xC1
        node-id: 05D00009
        nodes:
          node-a: { device: "tcp:127.0.0.150:7621", isdn-number: "0311112222" }
          node-b: { device: "tcp:127.0.0.150:7622", isdn-number: "0311113333" }

    """)
let bdlcLine = Mistake.Edit(file: "lines.yaml", original: nil, replacement: """
      - name: BSC9
        procedure: bdlc
        nodes:
          node-a: { device: "tcp:127.0.0.100:7521", bdlc-address: 0x40 }
          node-b: { device: "tcp:127.0.0.100:7522", bdlc-address: 0x41 }

    """)

let mistakes: [Mistake] = [
    Mistake("YAML syntax error", "lines.yaml", "procedure: tnetos", "procedure: [tnetos", at: "procedure: [tnetos", key: "(document)"),
    Mistake("unknown top-level section", "lus.yaml", nil, "phonebooks: []\n", at: "phonebooks:", key: "phonebooks"),
    Mistake("misspelt key", "lines.yaml", "station-address: 0xC1", "station-adress: 0xC1", at: "station-adress", key: "lines[LEASED1].station-adress"),
    Mistake("number where a terminal type is expected", "phonebook.yaml", "terminal-type: IBM-3278-2\n    dialect: tn3270e",
            "terminal-type: 3278\n    dialect: tn3270e", at: "terminal-type: 3278", key: "resources[TNVIP].terminal-type"),
    Mistake("text where a number is expected", "lines.yaml", "station-address: 0xC1", "station-address: high",
            at: "station-address: high", key: "lines[LEASED1].station-address"),
    Mistake("text where a list is expected", "cluster.yaml", "resources: [TNVIP, TNREAL, SDLC1, BDLC1, X25R1, PSTN1, ISDNR1]", "resources: TNVIP",
            at: "resources: TNVIP", key: "cluster.groups[hostlink].resources"),
    Mistake("missing required key", "phonebook.yaml", "    line: LEASED1", "    host: tel:123", at: "- name: SDLC1", key: "resources[SDLC1].line"),
    Mistake("missing name", "lus.yaml", "{ name: REALLU02, address: 3", "{ address: 3", at: "{ address: 3", key: "lus[5].name"),
    Mistake("duplicate LU name", "lus.yaml", "name: VIPLU03", "name: VIPLU02", at: "address: 4, resource: TNVIP", key: "lus[VIPLU02].name"),
    Mistake("duplicate resource name", "phonebook.yaml", "name: TNREAL", "name: TNVIP # again", at: "TNVIP # again", key: "resources[TNVIP].name"),
    Mistake("duplicate node name", "cluster.yaml", "name: node-b", "name: node-a # again", at: "node-a # again", key: "cluster.nodes[node-a].name"),
    Mistake("LU address 0", "lus.yaml", "VIPLU01, address: 2", "VIPLU01, address: 0", at: "VIPLU01, address: 0", key: "lus[VIPLU01].address"),
    Mistake("LU address 255", "lus.yaml", "SDLU03, address: 3", "SDLU03, address: 255", at: "SDLU03, address: 255", key: "lus[SDLU03].address"),
    Mistake("LU address used twice on one resource", "lus.yaml", "REALLU02, address: 3", "REALLU02, address: 2",
            at: "REALLU02, address: 2", key: "lus[REALLU02].address"),
    Mistake("LU on an undefined resource", "lus.yaml", "resource: SDLC1 }\n  - { name: SDLU03", "resource: SDLC2 }\n  - { name: SDLU03",
            at: "resource: SDLC2", key: "lus[SDLU02].resource"),
    Mistake("resource on an undefined line", "phonebook.yaml", "line: LEASED1", "line: LEASED9", at: "line: LEASED9", key: "resources[SDLC1].line"),
    Mistake("group carries an undefined resource", "cluster.yaml", "[TNVIP, TNREAL, SDLC1, BDLC1, X25R1, PSTN1, ISDNR1]", "[TNVIP, TNREAL, SDLC1, BDLC1, X25R1, PSTN1, ISDNR1, SDLC2]",
            at: "SDLC2]", key: "cluster.groups[hostlink].resources"),
    Mistake("own-address names an undefined VIP", "phonebook.yaml", "own-address: VIP1", "own-address: VIP2",
            at: "own-address: VIP2", key: "resources[TNVIP].own-address"),
    Mistake("per-node facts for an undefined node", "lines.yaml", "node-b: { device", "node-c: { device", at: "node-c:", key: "lines[LEASED1].nodes.node-c"),
    Mistake("VIP equal to a node address", "cluster.yaml", "address: 127.0.0.10", "address: 127.0.0.12 # vip",
            at: "127.0.0.12 # vip", key: "cluster.groups[hostlink].vip.address"),
    Mistake("line switch unit used twice", "lines.yaml", nil, """
              - name: LEASED2
                procedure: hdlc-public
                switch: COM1 Unit1 Line1 # twice
                nodes:
                  node-a: { device: "tcp:127.0.0.200:7421" }
                  node-b: { device: "tcp:127.0.0.200:7422" }

            """, at: "COM1 Unit1 Line1 # twice", key: "lines[LEASED2].switch"),
    Mistake("VIP promised on an ISDN line", "phonebook.yaml", nil, """
              - name: ISDNRES
                line: ISDN9
                host: tel:0300001111
                own-address: VIP1 # isdn

            """, at: "VIP1 # isdn", key: "resources[ISDNRES].own-address", also: [isdnLine]),
    Mistake("VIP promised on a BDLC line", "phonebook.yaml", nil, """
              - name: BSCRES
                line: BSC9
                own-address: VIP1 # bdlc

            """, at: "VIP1 # bdlc", key: "resources[BSCRES].own-address", also: [bdlcLine]),
    Mistake("unknown procedure", "lines.yaml", "procedure: hdlc-leased", "procedure: sdlc", at: "procedure: sdlc", key: "lines[LEASED1].procedure"),
    Mistake("malformed switch unit", "lines.yaml", "switch: COM1 Unit1 Line1", "switch: COM1 Line1", at: "switch: COM1 Line1", key: "lines[LEASED1].switch"),
    Mistake("switch unit on a TCP/IP line", "lines.yaml", "procedure: tnetos", "procedure: tnetos\n    switch: COM2 Unit1 Line1",
            at: "switch: COM2", key: "lines[LAN1].switch"),
    Mistake("switched procedure without a switch", "lines.yaml", "switch: COM1 Unit1 Line1", "# no switch", at: "- name: LEASED1", key: "lines[LEASED1].switch"),
    Mistake("station address 255", "lines.yaml", "station-address: 0xC1", "station-address: 0xFF", at: "station-address: 0xFF", key: "lines[LEASED1].station-address"),
    Mistake("malformed XID node id", "lines.yaml", "node-id: 05D00001", "node-id: 05D-1", at: "node-id: 05D-1", key: "lines[LEASED1].node-id"),
    Mistake("host port out of range", "phonebook.yaml", "host: 127.0.0.100:2323\n    own-address: none", "host: 127.0.0.100:70000\n    own-address: none",
            at: "127.0.0.100:70000", key: "resources[TNREAL].host"),
    Mistake("TN3270 host without a port", "phonebook.yaml", "host: 127.0.0.100:2323          #", "host: 127.0.0.100 # no port #",
            at: "127.0.0.100 # no port", key: "resources[TNVIP].host"),
    Mistake("node address not an IP", "cluster.yaml", "address: 127.0.0.11 ", "address: node-a.local ", at: "node-a.local", key: "cluster.nodes[node-a].address"),
    Mistake("resource in two groups", "cluster.yaml", nil, "    - name: second\n      resources: [TNREAL] # twice\n",
            at: "[TNREAL] # twice", key: "cluster.groups[second].resources"),
    Mistake("unknown dialect", "phonebook.yaml", "dialect: tn3270e", "dialect: tn5250", at: "dialect: tn5250", key: "resources[TNVIP].dialect"),
    Mistake("unknown LU kind", "lus.yaml", "kind: printer", "kind: plotter", at: "kind: plotter", key: "lus[VIPLU04].kind"),
    Mistake("TN3270 resource without own-address", "phonebook.yaml", "own-address: VIP1", "# no own-address", at: "- name: TNVIP",
            key: "resources[TNVIP].own-address"),
    Mistake("own-address on a leased line", "phonebook.yaml", "    line: LEASED1", "    line: LEASED1\n    own-address: none # leased",
            at: "none # leased", key: "resources[SDLC1].own-address"),
    Mistake("invalid LU name", "lus.yaml", "name: SDLU02", "name: sdlu-two", at: "sdlu-two", key: "lus[sdlu-two].name"),
    Mistake("line device missing on one node", "lines.yaml", "      node-b: { device: \"tcp:127.0.0.200:7412\" }\n", "",
            at: "    nodes:", key: "lines[LEASED1].nodes.node-b.device"),
    Mistake("no cluster section", "cluster.yaml", "", "", at: "", key: "cluster"),
]

/// Copies Phonebook/ and applies one mistake's edits; returns the edited text of the file the error must name.
func definitionsWith(_ mistake: Mistake, in directory: TemporaryDirectory) throws -> (path: String, text: String) {
    let source = BuiltProducts.packageRoot.appendingPathComponent("Phonebook")
    for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
        try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: directory.url.appendingPathComponent(name))
    }
    for edit in mistake.edits {
        let file = directory.url.appendingPathComponent(edit.file)
        var text = try String(contentsOf: file, encoding: .utf8)
        switch edit.original {
        case nil: text += edit.replacement
        case ""?: text = ""
        case let original?:
            #expect(text.contains(original), "the fixture \(edit.file) no longer contains \(original.debugDescription)")
            text = text.replacingOccurrences(of: original, with: edit.replacement)
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
    let file = directory.url.appendingPathComponent(mistake.errorFile)
    return (file.path, try String(contentsOf: file, encoding: .utf8))
}

/// The 1-based line where `fragment` starts in `text` (a fragment may span lines).
func lineNumber(of fragment: String, in text: String) -> Int? {
    guard !fragment.isEmpty, let range = text.range(of: fragment) else { return fragment.isEmpty ? 1 : nil }
    return text[..<range.lowerBound].filter { $0 == "\n" }.count + 1
}

@Suite("netmgr check reports each mistake with file, line and key")
struct CheckMistakesTests {
    @Test("the example Phonebook is valid")
    func phonebookIsValid() async throws {
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["check", BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path])
        #expect(result.status == 0, "\(result.standardError)")
    }

    @Test("at least 25 distinct mistakes are covered")
    func enoughMistakes() {
        #expect(Set(mistakes.map(\.name)).count >= 25)
    }

    @Test("mistake", arguments: mistakes)
    func mistake(_ mistake: Mistake) async throws {
        let directory = try TemporaryDirectory(prefix: "netmgr-check")
        let (path, text) = try definitionsWith(mistake, in: directory)
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["check", directory.path])
        #expect(result.status == 1, "exit \(result.status): \(result.standardError)")
        let line = try #require(lineNumber(of: mistake.lineContaining, in: text), "fragment not in edited file")
        let expectedPrefix = "\(path):\(line):"
        let matching = result.standardError.split(separator: "\n").filter { $0.hasPrefix(expectedPrefix) && $0.contains(": error: \(mistake.key):") }
        #expect(!matching.isEmpty, "no error at \(expectedPrefix) naming \(mistake.key); got:\n\(result.standardError)")
        // Each message says what is expected, so the operator knows the fix.
        #expect(matching.allSatisfy { $0.contains("expected") })
    }
}
