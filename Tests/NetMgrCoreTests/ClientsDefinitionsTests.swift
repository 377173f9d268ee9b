import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// `cluster.clients` and `nodes[].max-clients`: parsing, validation and the comparison
/// `netmgr check --against` makes.
@Suite("Definitions: clients and max-clients")
struct ClientsDefinitionsTests {
    static let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    /// The example Phonebook with `cluster.yaml` edited by `edit`.
    static func phonebook(editing edit: (String) -> String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "netmgr-clients")
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook) {
            try FileManager.default.copyItem(atPath: "\(phonebook)/\(name)", toPath: directory.file(name))
        }
        let cluster = clusterYAMLWithoutTLS(try String(contentsOfFile: directory.file("cluster.yaml"), encoding: .utf8))
        try edit(cluster).write(toFile: directory.file("cluster.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// Loads the Phonebook edited by `edit` (the directory lives until loaded).
    static func load(_ edit: (String) -> String) throws -> LoadedDefinitions {
        let directory = try phonebook(editing: edit)
        return try withExtendedLifetime(directory) { try DefinitionsLoader.load(directory: directory.path) }
    }

    /// cluster.yaml with `max-clients` on the nodes (nil: left out) and `clients` text appended.
    static func cluster(maxA: Int?, maxB: Int?, clients: String = "") -> (String) -> String {
        { text in
            var text = text
            if let maxA { text = text.replacingOccurrences(of: "lan: 127.0.0.11:7301", with: "lan: 127.0.0.11:7301\n      max-clients: \(maxA)") }
            if let maxB { text = text.replacingOccurrences(of: "lan: 127.0.0.12:7301", with: "lan: 127.0.0.12:7301\n      max-clients: \(maxB)") }
            return text + clients
        }
    }

    static let grants = """
          clients:
            - identity: payroll
              resources: [TNVIP, "SDLC*"]
              lus: ["VIPLU0?", SDLU02]
            - identity: audit
              resources: ["TN*"]

        """

    @Test("clients and max-clients are read; grants cover names and patterns, and nothing else")
    func parse() throws {
        let directory = try Self.phonebook(editing: Self.cluster(maxA: 16, maxB: 16, clients: Self.grants))
        let loaded = try DefinitionsLoader.load(directory: directory.path)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let definitions = loaded.definitions
        #expect(definitions.cluster.nodes.map(\.maxClients) == [16, 16])
        let payroll = try #require(definitions.grant(for: "payroll"))
        #expect(payroll.resources == ["TNVIP", "SDLC*"] && payroll.lus == ["VIPLU0?", "SDLU02"])
        #expect(definitions.authorises("payroll", resource: "TNVIP", lu: "VIPLU01"))
        #expect(definitions.authorises("payroll", resource: "SDLC1", lu: "SDLU02"))
        #expect(!definitions.authorises("payroll", resource: "SDLC1", lu: "SDLU03"), "an LU outside the lus list")
        #expect(!definitions.authorises("payroll", resource: "TNREAL", lu: "REALLU01"), "a resource outside the grant")
        #expect(definitions.authorises("audit", resource: "TNREAL", lu: "REALLU02"), "no lus: every LU of the resources")
        #expect(!definitions.authorises("audit", resource: "SDLC1", lu: "SDLU02"))
        #expect(!definitions.authorises("stranger", resource: "TNVIP", lu: "VIPLU01"), "an identity without an entry")

        let open = try Self.load(Self.cluster(maxA: nil, maxB: nil)).definitions
        #expect(open.cluster.clients == nil && open.cluster.nodes.allSatisfy { $0.maxClients == nil })
        #expect(open.authorises("anyone", resource: "TNVIP", lu: "VIPLU01"), "no clients: section lets every application open everything")
    }

    @Test("glob patterns: * any run, ? one character, the rest literally", arguments: [
        ("VIPLU0*", "VIPLU01", true), ("VIPLU0*", "VIPLU0", true), ("VIPLU0?", "VIPLU0", false), ("*", "", true),
        ("*LU*2", "VIPLU02", true), ("*LU*2", "VIPLU03", false), ("TNVIP", "TNVIPX", false), ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false), ("??", "ab", true), ("SDLC[1]", "SDLC1", false),
    ])
    func patterns(pattern: String, name: String, matches: Bool) {
        #expect(NamePattern.matches(pattern, name) == matches)
    }

    @Test("a long hostile pattern is matched in bounded time")
    func hostilePattern() {
        let pattern = String(repeating: "*a", count: 500) + "b"
        let name = String(repeating: "a", count: 5_000)
        #expect(!NamePattern.matches(pattern, name))
    }

    @Test("an identity twice, max-clients that differ between nodes or is not positive: errors that name the key")
    func errors() throws {
        let twice = Self.grants + "    - identity: payroll\n      resources: [TNREAL]\n"
        var loaded = try Self.load(Self.cluster(maxA: 16, maxB: 8, clients: twice))
        let texts = loaded.diagnostics.map(\.description)
        #expect(texts.contains { $0.contains("cluster.clients[payroll].identity") && $0.contains("already has an entry at") }, "\(texts)")
        #expect(texts.contains { $0.contains("cluster.nodes[node-b].max-clients") && $0.contains("is 8, but node node-a has 16") }, "\(texts)")

        loaded = try Self.load(Self.cluster(maxA: 16, maxB: nil))
        #expect(loaded.diagnostics.map(\.description).contains { $0.contains("cluster.nodes[node-b].max-clients: is absent, but node node-a has 16") },
                "\(loaded.diagnostics)")

        loaded = try Self.load(Self.cluster(maxA: 0, maxB: 0))
        #expect(loaded.diagnostics.map(\.description).contains { $0.contains("cluster.nodes[node-a].max-clients: 0 is out of range") }, "\(loaded.diagnostics)")

        let noIdentity = "  clients:\n    - resources: [TNVIP]\n      lus: [VIPLU01]\n      luss: []\n"
        loaded = try Self.load(Self.cluster(maxA: nil, maxB: nil, clients: noIdentity))
        let missing = loaded.diagnostics.map(\.description)
        #expect(missing.contains { $0.contains("cluster.clients[0].identity: is missing") }, "\(missing)")
        #expect(missing.contains { $0.contains("cluster.clients[0].luss: is not a known key") }, "\(missing)")
    }

    @Test("a grant that names no resource or LU is a warning, not an error")
    func warnings() throws {
        let grants = """
              clients:
                - identity: payroll
                  resources: ["NOPE*", TNVIP]
                  lus: [VIPLU09, "SDLU*"]

            """
        let loaded = try Self.load(Self.cluster(maxA: nil, maxB: nil, clients: grants))
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let texts = loaded.warnings.map(\.description)
        #expect(texts.count == 3, "\(texts)")
        #expect(texts.contains { $0.contains(": warning: cluster.clients[payroll].resources: pattern \"NOPE*\" matches no resource") }, "\(texts)")
        #expect(texts.contains { $0.contains("cluster.clients[payroll].lus: \"VIPLU09\" is no LU of the resources this identity may open (TNVIP)") }, "\(texts)")
        #expect(texts.contains { $0.contains("pattern \"SDLU*\" matches no LU") }, "\(texts)")
        #expect(texts.allSatisfy { $0.contains("cluster.yaml:") }, "each warning names its file and line")
    }

    @Test("the comparison of two nodes' copies catches a max-clients or clients mismatch")
    func comparison() throws {
        let sixteen = try Self.load(Self.cluster(maxA: 16, maxB: 16, clients: Self.grants))
        let eight = try Self.load(Self.cluster(maxA: 8, maxB: 8, clients: Self.grants))
        let narrower = try Self.load(Self.cluster(
            maxA: 16, maxB: 16, clients: Self.grants.replacingOccurrences(of: "[\"TN*\"]", with: "[TNVIP]")))
        #expect(sixteen.isValid && eight.isValid && narrower.isValid)
        #expect(DefinitionsComparison.compare(sixteen.definitions, sixteen.definitions).isEmpty)

        let keys = DefinitionsComparison.compare(sixteen.definitions, eight.definitions).map(\.key)
        #expect(keys == ["cluster.nodes[node-a].max-clients", "cluster.nodes[node-b].max-clients"])
        let text = DefinitionsComparison.compare(sixteen.definitions, eight.definitions)[0].description
        #expect(text.contains("16 (") && text.contains("but 8 ("), "\(text)")

        #expect(DefinitionsComparison.compare(sixteen.definitions, narrower.definitions).map(\.key) == ["cluster.clients[audit].resources"])
        let open = try Self.load(Self.cluster(maxA: nil, maxB: nil))
        #expect(DefinitionsComparison.compare(sixteen.definitions, open.definitions).map(\.key)
            == ["cluster.nodes[node-a].max-clients", "cluster.nodes[node-b].max-clients", "cluster.clients"])
    }
}
