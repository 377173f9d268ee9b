import Foundation
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport

/// The example cluster's definitions (Phonebook/) moved to loopback addresses of this run's
/// own, so parallel runs never share a port: the line switch, its node ports and the
/// nodes' LAN addresses. Everything else (station 0xC1, node id 05D00001, LUs 2 and 3 of
/// SDLC1 on COM1 Unit1 Line1) is as the definitions say.
struct LeasedLineWorld {
    let directory: TemporaryDirectory
    let switchAddress: String
    let definitions: Definitions
    static let unit = "COM1 Unit1 Line1"

    init() throws {
        directory = try TemporaryDirectory(prefix: "netmgr-sdlc")
        let octets = (Int.random(in: 64...250), Int.random(in: 1...250))
        switchAddress = "127.\(octets.0).\(octets.1).200"
        let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook")
        let definitionsDirectory = directory.file("definitions")
        try FileManager.default.createDirectory(atPath: definitionsDirectory, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook.path) where name.hasSuffix(".yaml") {
            var text = try String(contentsOf: phonebook.appendingPathComponent(name), encoding: .utf8)
            text = text.replacingOccurrences(of: "127.0.0.200", with: switchAddress)
                .replacingOccurrences(of: "127.0.0.11", with: "127.\(octets.0).\(octets.1).11")
                .replacingOccurrences(of: "127.0.0.12", with: "127.\(octets.0).\(octets.1).12")
            // netmgrd processes on loopback without a PKI: development mode.
            text = clusterYAMLWithoutTLS(text)
            try text.write(toFile: definitionsDirectory + "/" + name, atomically: true, encoding: .utf8)
        }
        let loaded = try DefinitionsLoader.load(directory: definitionsDirectory)
        guard loaded.isValid else { throw TestFailure("definitions: \(loaded.diagnostics)") }
        definitions = loaded.definitions
    }


    var definitionsPath: String { directory.file("definitions") }
    var capturePath: String { directory.file("line.pcap") }
    var journalPath: String { directory.file("journal.jsonl") }
    var hostPort: String { "\(switchAddress):7410" }
    var control: String { "\(switchAddress):7400" }

    func startLineSwitch() async throws -> LaunchedProcess {
        let process = try LaunchedProcess(BuiltProducts.path("netmgr"), [
            "sim", "line-switch", "--definitions", definitionsPath, "--host-port", "\(Self.unit)=\(hostPort)",
            "--capture", capturePath, "--log-level", "notice",
        ])
        _ = try await process.line(startingWith: "ready: line-switch \(control)")
        return process
    }

    func startHost() async throws -> LaunchedProcess {
        let process = try LaunchedProcess(BuiltProducts.path("netmgr"), [
            "sim", "host", "--definitions", definitionsPath, "--sdlc-line", "\(Self.unit)=tcp:\(hostPort)",
            "--journal", journalPath, "--log-level", "notice",
        ])
        _ = try await process.line(startingWith: "ready: sdlc-host \(Self.unit)")
        return process
    }

    var journal: [HostJournalEntry] {
        (try? HostJournal.read(path: journalPath)) ?? []
    }
}
