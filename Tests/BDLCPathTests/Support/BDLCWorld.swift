import Foundation
import NetMgrCore
import NetMgrSimulators
import NetMgrTestSupport

/// The example Phonebook with its BDLC line moved into this suite's loopback block
/// (127.0.31.1-99): the host's end of node-a's line at 127.0.31.H:7511 and node-b's at
/// 127.0.31.H:7512, H from `BDLCAddresses`, so tests running at once never share a port. Stations 0x41
/// (node-a) and 0x42 (node-b), LUs BSLU02 and BSLU03 of BDLC1, as the definitions say.
struct BDLCWorld {
    let directory: TemporaryDirectory
    let hostAddress: String
    let definitions: Definitions

    /// `coding` replaces the Phonebook's `coding: ascii` of BSC1. A world whose host is
    /// never started (`listening` false) takes no address of its own: 127.0.31.99. `block`
    /// moves the host into 127.0.BLOCK.0/24 (same last octets).
    init(coding: String = "ascii", listening: Bool = true, block: Int = 31) throws {
        directory = try TemporaryDirectory(prefix: "netmgr-bdlc")
        hostAddress = "127.0.\(block).\(listening ? BDLCAddresses.host() : 99)"
        let phonebook = BuiltProducts.packageRoot.appendingPathComponent("Phonebook")
        let definitionsDirectory = directory.file("definitions")
        try FileManager.default.createDirectory(atPath: definitionsDirectory, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: phonebook.path) where name.hasSuffix(".yaml") {
            var text = try String(contentsOf: phonebook.appendingPathComponent(name), encoding: .utf8)
            text = text.replacingOccurrences(of: "tcp:127.0.0.100:751", with: "tcp:\(hostAddress):751")
                .replacingOccurrences(of: "    coding: ascii ", with: "    coding: \(coding) ")
            try text.write(toFile: definitionsDirectory + "/" + name, atomically: true, encoding: .utf8)
        }
        let loaded = try DefinitionsLoader.load(directory: definitionsDirectory)
        guard loaded.isValid else { throw BDLCTestFailure("definitions: \(loaded.diagnostics)") }
        definitions = loaded.definitions
    }

    var definitionsPath: String { directory.file("definitions") }
    var journalPath: String { directory.file("journal.jsonl") }

    /// `netmgr sim host` serving BSC1 as control station, polling every 20 ms.
    func startHost(extra: [String] = []) async throws -> LaunchedProcess {
        let process = try LaunchedProcess(BuiltProducts.path("netmgr"), [
            "sim", "host", "--definitions", definitionsPath, "--bdlc-line", "BSC1", "--bdlc-poll-ms", "20",
            "--journal", journalPath, "--log-level", "notice",
        ] + extra)
        _ = try await process.line(startingWith: "ready: bdlc-host BSC1 line 2")
        return process
    }

    var journal: [HostJournalEntry] {
        ((try? HostJournal.read(path: journalPath)) ?? []).filter { $0.path == "bdlc" }
    }
}

struct BDLCTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Hands out host addresses in this suite's block, 127.0.31.1-80, five apart (a world may
/// use H to H+4), so that tests running at once in this process never share one.
enum BDLCAddresses {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var slot = Int.random(in: 0..<16)  // guarded by `lock`

    /// The last octet of a fresh host address; H+1 to H+4 are the caller's too.
    static func host() -> Int {
        lock.withLock {
            defer { slot = (slot + 1) % 16 }
            return 1 + slot * 5
        }
    }
}
