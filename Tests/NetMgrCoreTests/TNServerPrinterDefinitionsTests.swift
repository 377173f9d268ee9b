import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// The printer and TLS keys of the TN server (issue 15 part 3): `cluster.tn-server.printers`,
/// `starttls`, map entries' `printer-lu`/`printer-pool`, `cluster.nodes[].tn-server-tls`.
/// The Phonebook's VIPLU04 is a printer LU of TNVIP.
@Suite("Definitions: tn-server printers and TLS")
struct TNServerPrinterDefinitionsTests {
    static let section = """
      tn-server:
        starttls: offer
        printers:
          - { display: VIPLU01, printer: VIPLU04 }
        map:
          - { clients: [127.0.0.0/8], lus: [VIPLU01, VIPLU04], lu: VIPLU02, printer-lu: VIPLU04 }

    """

    @Test("printers, starttls, printer-lu and tn-server-tls are read")
    func parsed() throws {
        let loaded = try TNServerDefinitionsTests.load(section: Self.section, a: "127.0.0.11:2323\n      tn-server-tls: 127.0.0.11:2992")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let cluster = loaded.definitions.cluster
        #expect(cluster.nodes.map(\.tnServerTLS) == [Endpoint(host: "127.0.0.11", port: 2992), nil])
        let settings = try #require(cluster.tnServer)
        #expect(settings.startTLS == .offer)
        #expect(settings.printers.map { "\($0.display)>\($0.printer)" } == ["VIPLU01>VIPLU04"])
        #expect(settings.printer(of: "VIPLU01") == "VIPLU04" && settings.printer(of: "VIPLU02") == nil)
        #expect(settings.map[0].printerGeneric == .lu("VIPLU04") && settings.map[0].generic == .lu("VIPLU02"))
        // Defaults: no STARTTLS, no pairs.
        let plain = try TNServerDefinitionsTests.load()
        #expect(plain.definitions.cluster.tnServer?.startTLS == .off && plain.definitions.cluster.tnServer?.printers.isEmpty == true)
    }

    @Test("mistakes name the key, the file and line, and what was expected", arguments: [
        ("printers:\n      - { display: VIPLU04, printer: VIPLU04 }\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }",
         "cluster.tn-server.printers[0].display", "is a printer"),
        ("printers:\n      - { display: VIPLU01, printer: VIPLU02 }\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }",
         "cluster.tn-server.printers[0].printer", "is a terminal"),
        ("printers:\n      - { display: VIPLU01, printer: VIPLU04 }\n      - { display: VIPLU01, printer: VIPLU04 }\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }",
         "cluster.tn-server.printers[1].display", "already has a printer"),
        ("printers:\n      - { display: VIPLU01, printer: VIPLU04 }\n      - { display: VIPLU02, printer: VIPLU04 }\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }",
         "cluster.tn-server.printers[1].printer", "already goes with another display"),
        ("printers:\n      - { display: VIPLU01 }\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }",
         "cluster.tn-server.printers[0].printer", "is missing"),
        ("printers:\n      - { display: NOSUCH, printer: VIPLU04 }\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }",
         "cluster.tn-server.printers[0].display", "LU \"NOSUCH\" is not defined"),
        ("map:\n      - { clients: [0.0.0.0/0], printer-lu: VIPLU01 }", "cluster.tn-server.map[0].printer-lu", "is a terminal"),
        ("map:\n      - { clients: [0.0.0.0/0], lu: VIPLU04 }", "cluster.tn-server.map[0].lu", "is a printer"),
        ("map:\n      - { clients: [0.0.0.0/0], printer-lu: VIPLU04, printer-pool: P }", "cluster.tn-server.map[0].printer-pool", "is given together with printer-lu"),
        ("map:\n      - { clients: [0.0.0.0/0], printer-pool: NOPOOL }", "cluster.tn-server.map[0].printer-pool", "pool \"NOPOOL\" is not defined"),
        ("pools:\n      - { name: P1, lus: [VIPLU02] }\n    map:\n      - { clients: [0.0.0.0/0], printer-pool: P1 }",
         "cluster.tn-server.map[0].printer-pool", "holds terminal LUs"),
        ("pools:\n      - { name: P1, lus: [VIPLU02, VIPLU04] }\n    map:\n      - { clients: [0.0.0.0/0], pool: P1 }",
         "cluster.tn-server.pools[P1].lus", "mixes terminal and printer LUs"),
        ("starttls: yes\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }", "cluster.tn-server.starttls", "one of off, offer"),
    ])
    func mistakes(body: String, key: String, problem: String) throws {
        let loaded = try TNServerDefinitionsTests.load(section: "  tn-server:\n    " + body + "\n")
        #expect(!loaded.isValid)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == key }, "\(loaded.diagnostics)")
        #expect(diagnostic.description.contains(problem), "\(diagnostic)")
        #expect(diagnostic.description.contains("cluster.yaml:"), "located: \(diagnostic)")
    }

    @Test("tn-server-tls must not be another listener's endpoint")
    func listenerCollisions() throws {
        let own = try TNServerDefinitionsTests.load(a: "127.0.0.11:2323\n      tn-server-tls: 127.0.0.11:2323")
        #expect(own.diagnostics.contains { $0.key == "cluster.nodes[node-a].tn-server-tls" && $0.problem.contains("tn-server endpoint of node node-a") }, "\(own.diagnostics)")
        let lan = try TNServerDefinitionsTests.load(a: "127.0.0.11:2323\n      tn-server-tls: 127.0.0.12:7301")
        #expect(lan.diagnostics.contains { $0.key == "cluster.nodes[node-a].tn-server-tls" && $0.problem.contains("lan endpoint of node node-b") }, "\(lan.diagnostics)")
        let bad = try TNServerDefinitionsTests.load(a: "127.0.0.11:2323\n      tn-server-tls: 127.0.0.11")
        #expect(bad.diagnostics.contains { $0.key == "cluster.nodes[node-a].tn-server-tls" && $0.problem.contains("has no port (tn-server-tls of node node-a)") }, "\(bad.diagnostics)")
    }
}
