import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// `cluster.nodes[].metrics: ADDRESS:PORT` (issue 18): off when absent, an IP literal and a
/// port, not a LAN endpoint; every message names the node and the key.
@Suite("Definitions: nodes[].metrics")
struct MetricsDefinitionsTests {
    static let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    /// The Phonebook (TLS off: no PKI needed) with `metrics:` lines added to the nodes.
    static func load(a: String? = nil, b: String? = nil) throws -> LoadedDefinitions {
        let directory = try TemporaryDirectory(prefix: "netmgr-metrics-defs")
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook) {
            try FileManager.default.copyItem(atPath: "\(phonebook)/\(name)", toPath: directory.file(name))
        }
        var text = clusterYAMLWithoutTLS(try String(contentsOfFile: directory.file("cluster.yaml"), encoding: .utf8))
        if let a { text = text.replacingOccurrences(of: "lan: 127.0.0.11:7301", with: "lan: 127.0.0.11:7301\n      metrics: \(a)") }
        if let b { text = text.replacingOccurrences(of: "lan: 127.0.0.12:7301", with: "lan: 127.0.0.12:7301\n      metrics: \(b)") }
        try text.write(toFile: directory.file("cluster.yaml"), atomically: true, encoding: .utf8)
        return try withExtendedLifetime(directory) { try DefinitionsLoader.load(directory: directory.path) }
    }

    @Test("absent is off; an IPv4 or IPv6 literal with a port is read")
    func parsed() throws {
        let off = try Self.load()
        #expect(off.diagnostics.isEmpty, "\(off.diagnostics)")
        #expect(off.definitions.cluster.nodes.map(\.metrics) == [nil, nil])

        let on = try Self.load(a: "127.0.0.11:9301", b: "\"[::1]:9302\"")
        #expect(on.diagnostics.isEmpty, "\(on.diagnostics)")
        #expect(on.definitions.cluster.nodes.map(\.metrics) == [Endpoint(host: "127.0.0.11", port: 9301), Endpoint(host: "::1", port: 9302)])
        // Both nodes may use the same address and port: on two machines that is no collision.
        #expect(try Self.load(a: "127.0.0.1:9301", b: "127.0.0.1:9301").diagnostics.isEmpty)
    }

    @Test("bad values are errors that name the node, the key and what was expected", arguments: [
        ("127.0.0.11", "has no port"),
        ("127.0.0.11:0", "port \"0\" is not valid"),
        ("127.0.0.11:65536", "port \"65536\" is not valid"),
        ("127.0.0.11:http", "port \"http\" is not valid"),
        ("metrics.example:9301", "\"metrics.example\" is not an IP address"),
        ("\"not an address:9301\"", "is not an IP address"),
        ("[1, 2]", "expected"),
    ])
    func invalid(value: String, problem: String) throws {
        let loaded = try Self.load(a: value)
        #expect(!loaded.isValid)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == "cluster.nodes[node-a].metrics" }, "\(loaded.diagnostics)")
        let text = diagnostic.description
        #expect(text.contains(problem), "\(text)")
        #expect(text.contains("cluster.yaml:"), "located: \(text)")
        if problem != "expected" { #expect(text.contains("node-a"), "names the node: \(text)") }
    }

    @Test("a LAN endpoint, the node's own or another node's, is refused")
    func notALANEndpoint() throws {
        let own = try Self.load(a: "127.0.0.11:7301")
        let diagnostic = try #require(own.diagnostics.first { $0.key == "cluster.nodes[node-a].metrics" }, "\(own.diagnostics)")
        #expect(diagnostic.problem == "127.0.0.11:7301 of node node-a is its own lan endpoint")
        let other = try Self.load(b: "127.0.0.11:7301")
        let second = try #require(other.diagnostics.first { $0.key == "cluster.nodes[node-b].metrics" }, "\(other.diagnostics)")
        #expect(second.problem.hasPrefix("127.0.0.11:7301 of node node-b is the lan endpoint of node node-a ("), "\(second.problem)")
        // The same port on another address is fine.
        #expect(try Self.load(a: "127.0.0.111:7301").diagnostics.isEmpty)
    }

    @Test("check --against does not compare it: each node has its own")
    func notCompared() throws {
        let a = try Self.load(a: "127.0.0.11:9301")
        let b = try Self.load(b: "127.0.0.12:9301")
        #expect(DefinitionsComparison.compare(a.definitions, b.definitions).isEmpty)
    }
}
