import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// The definitions of a basic-mode (BDLC) line: coding, poll timeout, a device and a station
/// address for every node, and the △ promise.
@Suite("BDLC definitions")
struct BDLCDefinitionsTests {
    /// A copy of Phonebook/ with a BDLC line written as `line` appended to lines.yaml.
    func phonebook(bdlcLine line: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-bdlc-defs")
        let source = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory.file(name))
        }
        var lines = try String(contentsOfFile: directory.file("lines.yaml"), encoding: .utf8)
        lines += "\n" + line
        try? FileManager.default.removeItem(atPath: directory.file("lines.yaml"))
        try lines.write(toFile: directory.file("lines.yaml"), atomically: false, encoding: .utf8)
        return directory
    }

    @Test("coding and poll-timeout are read; ascii and 3 s by default")
    func codingAndTimeout() throws {
        let explicit = try phonebook(bdlcLine: """
              - name: BSCX
                procedure: bdlc
                coding: ebcdic
                poll-timeout: 7
                nodes:
                  node-a: { device: "tcp:127.0.31.1:7001", bdlc-address: 0x41 }
                  node-b: { device: "tcp:127.0.31.1:7002", bdlc-address: 0x42 }

            """)
        let loaded = try DefinitionsLoader.load(directory: explicit.path)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let line = try #require(loaded.definitions.line(named: "BSCX"))
        #expect(line.coding == .ebcdic)
        #expect(line.pollTimeoutSeconds == 7)
        #expect(line.perNode["node-a"]?.bdlcAddress == 0x41)
        #expect(line.perNode["node-b"]?.device == "tcp:127.0.31.1:7002")

        let plain = try phonebook(bdlcLine: """
              - name: BSCY
                procedure: bdlc
                nodes:
                  node-a: { device: "tcp:127.0.31.1:7001", bdlc-address: 0x41 }
                  node-b: { device: "tcp:127.0.31.1:7002", bdlc-address: 0x42 }

            """)
        let defaults = try DefinitionsLoader.load(directory: plain.path)
        #expect(defaults.isValid, "\(defaults.diagnostics)")
        let defaultLine = try #require(defaults.definitions.line(named: "BSCY"))
        #expect(defaultLine.coding == .ascii)
        #expect(defaultLine.pollTimeoutSeconds == 3)
    }

    @Test("mistakes on a BDLC line name the file, the line and the key", arguments: [
        // (what is wrong, text of the line, key reported, text on the reported line)
        ("unknown coding", "coding: jis\n    nodes:\n      node-a: { device: \"tcp:127.0.31.1:7001\", bdlc-address: 0x41 }\n      node-b: { device: \"tcp:127.0.31.1:7002\", bdlc-address: 0x42 }",
         "lines[BSCZ].coding", "coding: jis"),
        ("poll timeout out of range", "poll-timeout: 0\n    nodes:\n      node-a: { device: \"tcp:127.0.31.1:7001\", bdlc-address: 0x41 }\n      node-b: { device: \"tcp:127.0.31.1:7002\", bdlc-address: 0x42 }",
         "lines[BSCZ].poll-timeout", "poll-timeout: 0"),
        ("node without a device", "nodes:\n      node-a: { device: \"tcp:127.0.31.1:7001\", bdlc-address: 0x41 }\n      node-b: { bdlc-address: 0x42 }",
         "lines[BSCZ].nodes.node-b.device", "node-b: { bdlc-address: 0x42 }"),
        ("station address with the select bit", "nodes:\n      node-a: { device: \"tcp:127.0.31.1:7001\", bdlc-address: 0x61 }\n      node-b: { device: \"tcp:127.0.31.1:7002\", bdlc-address: 0x42 }",
         "lines[BSCZ].nodes.node-a.bdlc-address", "bdlc-address: 0x61"),
        ("the same station address on both nodes", "nodes:\n      node-a: { device: \"tcp:127.0.31.1:7001\", bdlc-address: 0x41 }\n      node-b: { device: \"tcp:127.0.31.1:7002\", bdlc-address: 0x41 }",
         "lines[BSCZ].nodes.node-b.bdlc-address", "node-b: { device"),
        ("node without a station address", "nodes:\n      node-a: { device: \"tcp:127.0.31.1:7001\" }\n      node-b: { device: \"tcp:127.0.31.1:7002\", bdlc-address: 0x42 }",
         "lines[BSCZ].nodes.node-a.bdlc-address", "node-a: { device: \"tcp:127.0.31.1:7001\" }"),
    ])
    func mistakes(what: String, body: String, key: String, marker: String) throws {
        let directory = try phonebook(bdlcLine: "  - name: BSCZ\n    procedure: bdlc\n    " + body + "\n")
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        #expect(!loaded.isValid, "\(what): accepted")
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == key }, "\(what): \(loaded.diagnostics)")
        #expect(diagnostic.location.file.hasSuffix("lines.yaml"))
        let text = try String(contentsOfFile: directory.file("lines.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let reported = try #require(lines.indices.contains(diagnostic.location.line - 1) ? lines[diagnostic.location.line - 1] : nil)
        #expect(reported.contains(marker), "\(what): reported at line \(diagnostic.location.line): \(reported)")
    }

    @Test("coding and poll-timeout are refused on other procedures")
    func codingElsewhere() throws {
        let directory = try phonebook(bdlcLine: "  - name: LANX\n    procedure: tnetos\n    coding: ebcdic\n")
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        #expect(loaded.diagnostics.contains { $0.key == "lines[LANX].coding" }, "\(loaded.diagnostics)")
    }

    @Test("BDLC promises △: each node's own station address")
    func promise() throws {
        let loaded = try DefinitionsLoader.load(directory: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let resource = try #require(loaded.definitions.resource(named: "BDLC1"))
        let promise = loaded.definitions.promise(for: resource)
        #expect(promise.promise == .different)
        #expect(promise.addressByNode.map(\.address) == ["station 0x41", "station 0x42"])
        #expect(promise.reason.contains("different station"))
    }
}
