import Foundation

/// A definitions directory for the generated traffic: host 10.0.0.100:2323, nodes
/// 10.0.0.11 and 10.0.0.12, VIP 10.0.0.10; resources of up to 200 LUs each, VIP ones (○)
/// and own-address-none ones (△), LU names as `TN3270TrafficGenerator` uses them.
enum DefinitionsWriter {
    static func write(to directory: String, lus: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let perKind = (lus + 1) / 2
        let resourcesPerKind = (perKind + 199) / 200
        var resources: [String] = []
        var text = "lines:\n  - { name: LAN1, procedure: tnetos }\nresources:\n"
        var luText = "lus:\n"
        for viaVIP in [true, false] {
            for r in 0..<resourcesPerKind {
                let name = (viaVIP ? "TNVIP" : "TNREAL") + String(r + 1)
                resources.append(name)
                text += "  - { name: \(name), line: LAN1, host: 10.0.0.100:2323, own-address: \(viaVIP ? "VIP1" : "none") }\n"
                for a in 0..<min(200, perKind - r * 200) {
                    luText += "  - { name: \(TN3270TrafficGenerator.luName(r * 200 + a, viaVIP: viaVIP)), address: \(a + 1), resource: \(name) }\n"
                }
            }
        }
        let cluster = """
            cluster:
              name: bench
              nodes:
                - { name: node-a, address: 10.0.0.11, lan: 10.0.0.11:7301 }
                - { name: node-b, address: 10.0.0.12, lan: 10.0.0.12:7301 }
              groups:
                - name: hostlink
                  vip: { name: VIP1, address: 10.0.0.10 }
                  resources: [\(resources.joined(separator: ", "))]

            """
        try (cluster + text + luText).write(toFile: directory + "/bench.yaml", atomically: true, encoding: .utf8)
    }
}
