import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// `cluster.tn-server` and `cluster.nodes[].tn-server` (issue 15 part 2): the TN server's LU
/// map, pools and timers, and where each node listens; every mistake names the key and where.
@Suite("Definitions: tn-server")
struct TNServerDefinitionsTests {
    static let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path

    static let section = """
      tn-server:
        keep-lu: 300
        probe-interval: 30
        probe-timeout: 5
        pools:
          - { name: TSOPOOL, lus: [VIPLU02, VIPLU03] }
        map:
          - clients: [10.1.0.0/16, 127.0.0.0/8]
            lus: [VIPLU01]
            pool: TSOPOOL
          - clients: [10.1.2.3]
            lu: REALLU01

    """

    /// The Phonebook (TLS off) with node listeners and `section` (or another) under cluster.
    static func load(section: String = TNServerDefinitionsTests.section, a: String? = "127.0.0.11:2323", b: String? = "127.0.0.12:2323") throws -> LoadedDefinitions {
        let directory = try TemporaryDirectory(prefix: "netmgr-tn-defs")
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook) {
            try FileManager.default.copyItem(atPath: "\(phonebook)/\(name)", toPath: directory.file(name))
        }
        var text = clusterYAMLWithoutTLS(try String(contentsOfFile: directory.file("cluster.yaml"), encoding: .utf8))
        if let a { text = text.replacingOccurrences(of: "lan: 127.0.0.11:7301", with: "lan: 127.0.0.11:7301\n      tn-server: \(a)") }
        if let b { text = text.replacingOccurrences(of: "lan: 127.0.0.12:7301", with: "lan: 127.0.0.12:7301\n      tn-server: \(b)") }
        text = text.replacingOccurrences(of: "  groups:\n", with: section + "  groups:\n")
        try text.write(toFile: directory.file("cluster.yaml"), atomically: true, encoding: .utf8)
        return try withExtendedLifetime(directory) { try DefinitionsLoader.load(directory: directory.path) }
    }

    @Test("the section and the node listeners are read")
    func parsed() throws {
        let loaded = try Self.load()
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let cluster = loaded.definitions.cluster
        #expect(cluster.nodes.map(\.tnServer) == [Endpoint(host: "127.0.0.11", port: 2323), Endpoint(host: "127.0.0.12", port: 2323)])
        let settings = try #require(cluster.tnServer)
        #expect(settings.keepLUSeconds == 300 && settings.probeIntervalSeconds == 30 && settings.probeTimeoutSeconds == 5)
        #expect(settings.negotiationTimeoutSeconds == TNServerSettings.defaultNegotiationTimeoutSeconds)
        #expect(settings.pools.map(\.name) == ["TSOPOOL"] && settings.pools[0].lus == ["VIPLU02", "VIPLU03"])
        #expect(settings.map.count == 2)
        #expect(settings.map[0].clients.map(\.description) == ["10.1.0.0/16", "127.0.0.0/8"])
        #expect(settings.map[0].lus == ["VIPLU01"] && settings.map[0].generic == .pool("TSOPOOL"))
        #expect(settings.map[1].clients.map(\.description) == ["10.1.2.3/32"] && settings.map[1].generic == .lu("REALLU01"))
    }

    @Test("absent: no TN server, and a node listener without the section is an error")
    func absent() throws {
        let off = try Self.load(section: "", a: nil, b: nil)
        #expect(off.diagnostics.isEmpty, "\(off.diagnostics)")
        #expect(off.definitions.cluster.tnServer == nil && off.definitions.cluster.nodes.allSatisfy { $0.tnServer == nil })
        let orphan = try Self.load(section: "", b: nil)
        let diagnostic = try #require(orphan.diagnostics.first { $0.key == "cluster.nodes[node-a].tn-server" }, "\(orphan.diagnostics)")
        #expect(diagnostic.problem.contains("cluster.tn-server (its LU map) is missing"))
    }

    @Test("SNA LU 2s of SDLC, X.25 and switched resources may be offered, next to tnetos LUs")
    func snaLogicalUnits() throws {
        let loaded = try Self.load(section: "  tn-server:\n    pools:\n      - { name: P1, lus: [SDLU02, PKLU02, DLLU02, INLU02] }\n    map:\n      - { clients: [0.0.0.0/0], lus: [SDLU03], pool: P1 }\n")
        #expect(loaded.diagnostics.filter { $0.key.hasPrefix("cluster.tn-server") }.isEmpty, "\(loaded.diagnostics)")
    }

    @Test("mistakes name the key, the file and line, and what was expected", arguments: [
        ("pools:\n      - { name: P1, lus: [BSLU02] }\n    map:\n      - { clients: [0.0.0.0/0], pool: P1 }",
         "cluster.tn-server.pools[P1].lus[0]", "basic-mode BDLC terminals are not 3270 LUs"),
        ("pools:\n      - { name: P1, lus: [VIPLU04] }\n    map:\n      - { clients: [0.0.0.0/0], pool: P1 }",
         "cluster.tn-server.map[0].pool", "holds printer LUs"),
        ("pools:\n      - { name: P1, lus: [NOSUCH] }\n    map:\n      - { clients: [0.0.0.0/0], pool: P1 }",
         "cluster.tn-server.pools[P1].lus[0]", "LU \"NOSUCH\" is not defined"),
        ("pools:\n      - { name: P1, lus: [VIPLU01] }\n      - { name: P2, lus: [VIPLU01] }\n    map:\n      - { clients: [0.0.0.0/0], pool: P1 }",
         "cluster.tn-server.pools[P2].lus[0]", "already in pool P1"),
        ("pools:\n      - { name: VIPLU02, lus: [VIPLU01] }\n    map:\n      - { clients: [0.0.0.0/0], lus: [VIPLU01] }",
         "cluster.tn-server.pools[VIPLU02].name", "has the name of LU VIPLU02"),
        ("map:\n      - { clients: [0.0.0.0/0], pool: NOPOOL }", "cluster.tn-server.map[0].pool", "pool \"NOPOOL\" is not defined"),
        ("map:\n      - { clients: [10.0.0.0/33], lus: [VIPLU01] }", "cluster.tn-server.map[0].clients[0]", "\"10.0.0.0/33\" is not an address block"),
        ("map:\n      - { clients: [10.0.0.0/8], lu: VIPLU01, pool: X }", "cluster.tn-server.map[0].pool", "is given together with lu"),
        ("map:\n      - { clients: [10.0.0.0/8] }", "cluster.tn-server.map[0].lus", "offers nothing"),
        ("keep-lu: -1", "cluster.tn-server.keep-lu", "out of range"),
        ("keepl-lu: 3", "cluster.tn-server.keepl-lu", "is not a known key"),
    ])
    func mistakes(body: String, key: String, problem: String) throws {
        let loaded = try Self.load(section: "  tn-server:\n    " + body + "\n")
        #expect(!loaded.isValid)
        let diagnostic = try #require(loaded.diagnostics.first { $0.key == key }, "\(loaded.diagnostics)")
        #expect(diagnostic.description.contains(problem), "\(diagnostic)")
        #expect(diagnostic.description.contains("cluster.yaml:"), "located: \(diagnostic)")
    }

    @Test("a node's listener must not be a LAN endpoint or another node's listener")
    func listenerCollisions() throws {
        let own = try Self.load(a: "127.0.0.11:7301")
        let diagnostic = try #require(own.diagnostics.first { $0.key == "cluster.nodes[node-a].tn-server" }, "\(own.diagnostics)")
        #expect(diagnostic.problem == "127.0.0.11:7301 of node node-a is its own lan endpoint")
        let shared = try Self.load(a: "127.0.0.20:2323", b: "127.0.0.20:2323")
        #expect(shared.diagnostics.contains { $0.key == "cluster.nodes[node-b].tn-server" && $0.problem.contains("also the tn-server of node node-a") }, "\(shared.diagnostics)")
        let bad = try Self.load(a: "tn.example:2323")
        #expect(bad.diagnostics.contains { $0.key == "cluster.nodes[node-a].tn-server" && $0.problem.contains("is not an IP address (tn-server of node node-a)") }, "\(bad.diagnostics)")
    }

    @Test("address blocks: prefixes, single addresses, IPv6")
    func addressBlocks() throws {
        let block = try #require(AddressBlock(parsing: "10.1.0.0/16"))
        #expect(block.contains(IPAddress("10.1.255.3")!) && !block.contains(IPAddress("10.2.0.1")!))
        #expect(AddressBlock(parsing: "0.0.0.0/0")!.contains(IPAddress("192.0.2.1")!))
        #expect(AddressBlock(parsing: "10.1.2.3")!.prefixLength == 32)
        #expect(!AddressBlock(parsing: "10.1.2.3")!.contains(IPAddress("10.1.2.4")!))
        let six = try #require(AddressBlock(parsing: "2001:db8::/32"))
        #expect(six.contains(IPAddress("2001:db8:1::5")!) && !six.contains(IPAddress("2001:db9::1")!))
        #expect(!six.contains(IPAddress("10.0.0.1")!))
        #expect(AddressBlock(parsing: "2001:db8::1/128")!.contains(IPAddress("2001:db8::1")!))
        for bad in ["10.0.0.0/", "10.0.0.0/x", "10.0.0/8", "10.0.0.0/8/8", "::/129", "10.0.0.0/+8"] {
            #expect(AddressBlock(parsing: bad) == nil, "\(bad)")
        }
    }
}

/// `check --against` and the reload log compare what both nodes must agree on, printers and
/// STARTTLS included (issue 15 part 3).
@Suite("Definitions: tn-server comparison")
struct TNServerComparisonTests {
    static let here = SourceLocation(file: "cluster.yaml", line: 1, column: 1)

    static func settings() -> TNServerSettings {
        var settings = TNServerSettings(location: here)
        settings.map = [TNClientMap(clients: [AddressBlock(parsing: "10.1.0.0/16")!], lus: ["DISP01"], generic: .lu("DISP01"), location: here)]
        settings.printers = [TNPrinterAssociation(display: "DISP01", printer: "PRT01", location: here)]
        return settings
    }

    @Test("printer pairs, a map entry's printer-pool and starttls are differences; the pairs' written order is not")
    func printersAndStartTLS() {
        let a = Self.settings()
        var b = a
        #expect(TNServerSettingsComparison.differences(a, b).isEmpty)
        b.printers = [TNPrinterAssociation(display: "DISP01", printer: "PRT02", location: Self.here)]
        b.startTLS = .offer
        b.map[0].printerGeneric = .pool("PRTPOOL")
        let keys = TNServerSettingsComparison.differences(a, b).map(\.key)
        #expect(keys.sorted() == ["cluster.tn-server.map[0].printer-lu or printer-pool", "cluster.tn-server.printers", "cluster.tn-server.starttls"], "\(keys)")

        var c = a
        c.printers.append(TNPrinterAssociation(display: "DISP02", printer: "PRT02", location: Self.here))
        var d = a
        d.printers.insert(TNPrinterAssociation(display: "DISP02", printer: "PRT02", location: Self.here), at: 0)
        #expect(TNServerSettingsComparison.differences(c, d).isEmpty)
    }
}
