import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// Issue 15 part 3: `cluster.tn-server.vip` and what `netmgr check --against` compares of the
/// TN server (map, pools, keep-lu, VIP), each difference naming the key and both places.
@Suite("Definitions: tn-server vip and comparison")
struct TNServerOpsDefinitionsTests {
    static func section(vip: String? = "10.0.9.10:23", keepLU: Int = 300, pool: String = "[VIPLU02, VIPLU03]",
                        generic: String = "pool: TSOPOOL", extraMap: String = "") -> String {
        """
          tn-server:
        \(vip.map { "    vip: \($0)\n" } ?? "")    keep-lu: \(keepLU)
            pools:
              - { name: TSOPOOL, lus: \(pool) }
            map:
              - { clients: [10.1.0.0/16], lus: [VIPLU01], \(generic) }
        \(extraMap)
        """
    }

    @Test("vip is read as an endpoint")
    func parsed() throws {
        let loaded = try TNServerDefinitionsTests.load(section: Self.section())
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(loaded.definitions.cluster.tnServer?.vip == Endpoint(host: "10.0.9.10", port: 23))
        let none = try TNServerDefinitionsTests.load(section: Self.section(vip: nil))
        #expect(none.diagnostics.isEmpty && none.definitions.cluster.tnServer?.vip == nil, "\(none.diagnostics)")
    }

    @Test("vip mistakes name the key and what was expected", arguments: [
        ("10.0.9.10", "has no port"),
        ("vip.example.com:23", "is not an IP address"),
        ("10.0.9.10:99999", "port \"99999\" is not valid"),
        ("0.0.0.0:23", "is the any-address"),
        ("127.0.0.11:2323", "is the tn-server endpoint of node node-a"),
        ("127.0.0.12:7301", "is the lan endpoint of node node-b"),
    ])
    func mistakes(vip: String, problem: String) throws {
        let loaded = try TNServerDefinitionsTests.load(section: Self.section(vip: vip))
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == "cluster.tn-server.vip" }, "\(loaded.diagnostics)")
        #expect(diagnostic.problem.contains(problem), "\(diagnostic)")
        #expect(diagnostic.description.contains("cluster.yaml:"), "\(diagnostic)")
    }

    @Test("a vip with no node running a TN server is an error")
    func vipWithoutListener() throws {
        let loaded = try TNServerDefinitionsTests.load(section: Self.section(), a: nil, b: nil)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == "cluster.tn-server.vip" }, "\(loaded.diagnostics)")
        #expect(diagnostic.problem.contains("no node has tn-server:"))
    }

    @Test("identical sections agree; pool LUs in another order agree (the hash ranks them)")
    func agree() throws {
        let a = try TNServerDefinitionsTests.load(section: Self.section()).definitions
        let b = try TNServerDefinitionsTests.load(section: Self.section(pool: "[VIPLU03, VIPLU02]")).definitions
        #expect(DefinitionsComparison.compare(a, b).isEmpty, "\(DefinitionsComparison.compare(a, b))")
    }

    @Test("each difference names the key and both values with their places", arguments: [
        (TNServerOpsDefinitionsTests.section(keepLU: 60), "cluster.tn-server.keep-lu: 300 s (", "but 60 s ("),
        (TNServerOpsDefinitionsTests.section(vip: "10.0.9.20:23"), "cluster.tn-server.vip: 10.0.9.10:23 (", "but 10.0.9.20:23 ("),
        (TNServerOpsDefinitionsTests.section(pool: "[VIPLU02]"), "cluster.tn-server.pools[TSOPOOL].lus: [VIPLU02, VIPLU03] (", "but [VIPLU02] ("),
        (TNServerOpsDefinitionsTests.section(generic: "lu: VIPLU02"), "cluster.tn-server.map[0].lu or pool: pool TSOPOOL (", "but LU VIPLU02 ("),
        (TNServerOpsDefinitionsTests.section(extraMap: "      - { clients: [10.1.2.3], lu: VIPLU01 }\n"), "cluster.tn-server.map[1]: missing here", "clients [10.1.2.3/32]"),
        ("", "cluster.tn-server: defined (", "is missing from the other copy"),
    ])
    func differs(other: String, key: String, detail: String) throws {
        let a = try TNServerDefinitionsTests.load(section: Self.section()).definitions
        let loaded = try TNServerDefinitionsTests.load(section: other, a: other.isEmpty ? nil : "127.0.0.11:2323", b: other.isEmpty ? nil : "127.0.0.12:2323")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let differences = DefinitionsComparison.compare(a, loaded.definitions).map(\.description)
        #expect(differences.count == 1, "\(differences)")
        let text = try #require(differences.first)
        #expect(text.hasPrefix(key) && text.contains(detail), "\(text)")
        #expect(text.contains("cluster.yaml:"), "\(text)")
    }
}
