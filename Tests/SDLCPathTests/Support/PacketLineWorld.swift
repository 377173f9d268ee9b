import Foundation
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport

/// A two-node cluster with one switched X.25 access line (PKT1 on COM1 Unit1 Line2, calling
/// DTE 44200001, node id 05D00002, host dte:44100001, LUs PKLU02/PKLU03 at 2 and 3), on a
/// loopback address of the X.25 block (127.0.32.2-99) picked per run, so runs seldom share
/// ports.
struct PacketLineWorld {
    let directory: TemporaryDirectory
    let switchAddress: String
    let definitions: Definitions
    static let unit = "COM1 Unit1 Line2"

    init(nodeID: String = "05D00002") throws {
        directory = try TemporaryDirectory(prefix: "netmgr-x25")
        switchAddress = "127.0.32.\(Int.random(in: 2...99))"
        let definitionsDirectory = directory.file("definitions")
        try FileManager.default.createDirectory(atPath: definitionsDirectory, withIntermediateDirectories: true)
        try Self.text(switchAddress: switchAddress, nodeID: nodeID)
            .write(toFile: definitionsDirectory + "/x25.yaml", atomically: true, encoding: .utf8)
        let loaded = try DefinitionsLoader.load(directory: definitionsDirectory)
        guard loaded.isValid else { throw TestFailure("definitions: \(loaded.diagnostics)") }
        definitions = loaded.definitions
    }

    static func text(switchAddress: String, nodeID: String) -> String {
        """
        cluster:
          name: x25
          tls: off  # netmgrd processes on loopback without a PKI (development mode)
          nodes:
            - { name: node-a, address: 127.0.32.101, lan: "127.0.32.101:7301" }
            - { name: node-b, address: 127.0.32.102, lan: "127.0.32.102:7301" }
          line-switch: \(switchAddress):7400
          groups:
            - { name: hostlink, resources: [X25R1] }
        lines:
          - name: PKT1
            procedure: hdlc-packet
            switch: \(unit)
            dte-address: 44200001
            node-id: \(nodeID)
            lapb-t1: 300ms
            nodes:
              node-a: { device: "tcp:\(switchAddress):7421" }
              node-b: { device: "tcp:\(switchAddress):7422" }
        resources:
          - { name: X25R1, line: PKT1, host: "dte:44100001" }
        lus:
          - { name: PKLU02, address: 2, resource: X25R1 }
          - { name: PKLU03, address: 3, resource: X25R1 }

        """
    }

    var definitionsPath: String { directory.file("definitions") }
    var capturePath: String { directory.file("line.pcap") }
    var journalPath: String { directory.file("journal.jsonl") }
    var hostPort: String { "\(switchAddress):7420" }
    var control: String { "\(switchAddress):7400" }

    func startLineSwitch() async throws -> LaunchedProcess {
        let process = try LaunchedProcess(BuiltProducts.path("netmgr"), [
            "sim", "line-switch", "--definitions", definitionsPath, "--host-port", "\(Self.unit)=\(hostPort)",
            "--capture", capturePath, "--log-level", "notice",
        ])
        _ = try await process.line(startingWith: "ready: line-switch \(control)")
        return process
    }

    /// The host simulator with the definitions of `hostDefinitions` (another node id makes
    /// the host refuse the terminal).
    func startHost(definitionsPath hostDefinitions: String? = nil) async throws -> LaunchedProcess {
        let process = try LaunchedProcess(BuiltProducts.path("netmgr"), [
            "sim", "host", "--definitions", hostDefinitions ?? definitionsPath, "--x25-line", "\(Self.unit)=tcp:\(hostPort)",
            "--journal", journalPath, "--log-level", "notice",
        ])
        _ = try await process.line(startingWith: "ready: x25-host \(Self.unit)")
        return process
    }

    var journal: [HostJournalEntry] {
        (try? HostJournal.read(path: journalPath)) ?? []
    }
}
