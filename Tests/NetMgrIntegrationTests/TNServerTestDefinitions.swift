import NetMgrHarness
import NetMgrTestSupport

/// The Phonebook relocated to `block` in `definitions` with only its TnETOS line LAN1 (no line
/// switch, exchange or lines to start): `resources` and `lus` (YAML flow mappings) replace its
/// phonebook and LU lists, `cluster` rewrites its cluster.yaml.
func relocateTnETOSPhonebook(to definitions: String, block: Int, resources: [String], lus: [String],
                             cluster: (String) -> String) throws {
    try LoopbackCluster.relocateDefinitions(
        from: BuiltProducts.packageRoot.appendingPathComponent("Phonebook").path, to: definitions, block: block
    ) { file, text in
        switch file {
        case "lines.yaml": return "lines:\n  - { name: LAN1, procedure: tnetos }\n"
        case "phonebook.yaml": return "resources:\n" + resources.map { "  - \($0)\n" }.joined()
        case "lus.yaml": return "lus:\n" + lus.map { "  - \($0)\n" }.joined()
        case "cluster.yaml": return cluster(text)
        default: return text
        }
    }
}

/// The Phonebook's cluster.yaml made into a TN server test's (block `block`): the group holds
/// `resources`, each node gets `tn-server:` on `port` (and `tn-server-tls:` on `tlsPort`),
/// and `section`, the body of `cluster.tn-server` as written at the left margin, goes before
/// `groups:`. The line switch is dropped unless `keepLineSwitch` (tnetos-only worlds start
/// none). TLS is left as `text` has it: wrap in `clusterYAMLWithoutTLS` for plaintext.
func tnServerClusterYAML(_ text: String, block: Int, port: Int, tlsPort: Int? = nil, resources: [String], section: String,
                         keepLineSwitch: Bool = false) -> String {
    func listeners(_ node: Int) -> String {
        "lan: 127.0.\(block).\(node):7301\n      tn-server: 127.0.\(block).\(node):\(port)"
            + (tlsPort.map { "\n      tn-server-tls: 127.0.\(block).\(node):\($0)" } ?? "")
    }
    let body = section.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    if !keepLineSwitch { lines = lines.filter { !$0.hasPrefix("  line-switch:") } }
    return lines.joined(separator: "\n")
        .replacingOccurrences(of: "resources: [TNVIP, TNREAL, SDLC1, BDLC1, X25R1, PSTN1, ISDNR1]", with: "resources: [\(resources.joined(separator: ", "))]")
        .replacingOccurrences(of: "lan: 127.0.\(block).11:7301", with: listeners(11))
        .replacingOccurrences(of: "lan: 127.0.\(block).12:7301", with: listeners(12))
        .replacingOccurrences(of: "  groups:\n", with: "  tn-server:\n\(body)\n  groups:\n")
}
