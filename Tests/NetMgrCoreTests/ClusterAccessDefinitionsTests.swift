import Foundation
import NetMgrCore
import NetMgrTestSupport
import Testing

/// `cluster.admin-group` and `cluster.line-switch` in its two forms (issue 14).
@Suite("Cluster access definitions")
struct ClusterAccessDefinitionsTests {
    static func definitions(_ access: String) -> String {
        """
        cluster:
          name: access
          nodes:
            - { name: node-a, address: 127.0.75.11, lan: "127.0.75.11:7301" }
            - { name: node-b, address: 127.0.75.12, lan: "127.0.75.12:7301" }
        \(access)
          groups:
            - { name: hostlink, resources: [TNVIP] }
        resources:
          - { name: TNVIP, line: TN1, host: "127.0.75.100:2323", own-address: none }
        lines:
          - { name: TN1, procedure: tnetos }
        lus:
          - { name: VIPLU01, address: 2, resource: TNVIP }

        """
    }

    static func load(_ access: String) throws -> LoadedDefinitions {
        try DefinitionsTestText.load(definitions(access), prefix: "netmgr-accessdefs")
    }

    @Test("the string form stays valid and has no key")
    func stringForm() throws {
        let loaded = try Self.load("  line-switch: 127.0.75.200:7400")
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        #expect(loaded.definitions.cluster.lineSwitch == Endpoint(host: "127.0.75.200", port: 7400))
        #expect(loaded.definitions.cluster.lineSwitchKey == nil)
        #expect(loaded.definitions.cluster.adminGroup == nil)
    }

    @Test("the mapping form: address and key; a relative key is relative to the definitions directory")
    func mappingForm() throws {
        let loaded = try Self.load("""
              line-switch:
                address: 127.0.75.200:7400
                key: pki/line-switch.key
              admin-group: netmgr
            """)
        #expect(loaded.isValid, "\(loaded.diagnostics)")
        let cluster = loaded.definitions.cluster
        #expect(cluster.lineSwitch == Endpoint(host: "127.0.75.200", port: 7400))
        let directory = ((loaded.files[0] as NSString).deletingLastPathComponent as NSString).standardizingPath
        #expect(cluster.lineSwitchKey.map { ($0 as NSString).standardizingPath } == directory + "/pki/line-switch.key")
        #expect(cluster.adminGroup == "netmgr")
        #expect(cluster.fields["line-switch.key"]?.line == 8)

        let absolute = try Self.load("  line-switch: { address: 127.0.75.200:7400, key: /etc/netmgr/line-switch.key }")
        #expect(absolute.definitions.cluster.lineSwitchKey == "/etc/netmgr/line-switch.key")
    }

    @Test("mistakes are reported at their key")
    func mistakes() throws {
        let cases: [(String, String, String)] = [
            ("  line-switch: { key: pki/line-switch.key }", "cluster.line-switch.address", "is missing"),
            ("  line-switch: { address: 127.0.75.200, key: k }", "cluster.line-switch.address", "has no port"),
            ("  line-switch: { address: 127.0.75.200:7400, kye: k }", "cluster.line-switch.kye", "is not a known key"),
            ("  line-switch: [127.0.75.200:7400]", "cluster.line-switch", "is a list"),
            ("  line-switch: 127.0.75.200:99999", "cluster.line-switch", "port \"99999\" is not valid"),
            ("  admin-group: \"net mgr\"", "cluster.admin-group", "is not a Unix group name"),
            ("  admin-group: [netmgr]", "cluster.admin-group", "is a list"),
        ]
        for (access, key, problem) in cases {
            let loaded = try Self.load(access)
            #expect(loaded.diagnostics.contains { $0.key == key && $0.problem.contains(problem) }, "\(access): \(loaded.diagnostics)")
        }
    }
}
