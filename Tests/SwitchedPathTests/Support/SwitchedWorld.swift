import Foundation
import NetMgrClient
import NetMgrCore
import NetMgrHarness
import NetMgrSimulators
import NetMgrTestSupport
import Testing

/// A loopback world for one switched resource in this suite's block 127.0.63.0/24: two
/// netmgrd nodes (.11, .12), the line switch (.200), the telephone/ISDN exchange (.150) and
/// the host's switched major node behind it. `line` is the line's YAML (keys under `- name:`).
struct SwitchedWorld {
    static let cluster = """
        cluster:
          name: switched-it
          nodes:
            - { name: node-a, address: 127.0.63.11, lan: "127.0.63.11:7301" }
            - { name: node-b, address: 127.0.63.12, lan: "127.0.63.12:7301" }
          line-switch: 127.0.63.200:7400
          groups:
            - { name: hostlink, resources: [RES1] }

        """

    /// A public line (DIAL1, number 0312340001, XID 05D00003) with `extra` line keys.
    static func dialup(_ extra: String = "") -> String {
        cluster + """
        lines:
          - name: DIAL1
            procedure: hdlc-public
            switch: COM1 Unit1 Line3
            number: "0312340001"
            station-address: 0xC1
            node-id: 05D00003
        \(extra)    nodes:
              node-a: { device: "tcp:127.0.63.200:7431" }
              node-b: { device: "tcp:127.0.63.200:7432" }
        resources:
          - { name: RES1, line: DIAL1, host: "tel:0300001111" }
        lus:
          - { name: DLLU02, address: 2, resource: RES1 }
          - { name: DLLU03, address: 3, resource: RES1 }

        """
    }

    /// An ISDN line (ISDN1, node numbers 0312340011/12, XID 05D00004) with `extra` line keys.
    static func isdn(_ extra: String = "") -> String {
        cluster + """
        lines:
          - name: ISDN1
            procedure: hdlc-isdn
            station-address: 0xC1
            node-id: 05D00004
        \(extra)    nodes:
              node-a: { device: "tcp:127.0.63.150:7611", isdn-number: "0312340011" }
              node-b: { device: "tcp:127.0.63.150:7612", isdn-number: "0312340012" }
        resources:
          - { name: RES1, line: ISDN1, host: "tel:0300002222" }
        lus:
          - { name: INLU02, address: 2, resource: RES1 }
          - { name: INLU03, address: 3, resource: RES1 }

        """
    }

    let directory: TemporaryDirectory
    let cluster: LoopbackCluster

    init(_ definitions: String, prefix: String, behaviour: HostBehaviour = HostBehaviour()) throws {
        directory = try TemporaryDirectory(prefix: prefix)
        let path = directory.path + "/definitions"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try definitions.write(toFile: path + "/netmgr.yaml", atomically: true, encoding: .utf8)
        cluster = try LoopbackCluster(definitionsDirectory: path, workDirectory: directory.path + "/work",
                                      binaries: HarnessBinaries(directory: BuiltProducts.directory.path), behaviour: behaviour)
    }

    var lus: [String] { cluster.definitions.lus.map(\.name) }

    func makeClient(_ name: String) throws -> NetMgrClient {
        NetMgrClient(configuration: try cluster.clientConfiguration(name: name))
    }

    /// The last lines of each process's log, for a failure message (the directory goes with the test).
    func logTails(_ count: Int = 12) -> String {
        ["netmgrd-node-a", "netmgrd-node-b", "host", "exchange", "line-switch"].map { name in
            let text = (try? String(contentsOfFile: cluster.logPath(name), encoding: .utf8)) ?? ""
            return "--- \(name)\n" + text.split(separator: "\n").suffix(count).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The host's journal entries of a path ("dialup", "isdn").
    func journal(_ path: String) throws -> [HostJournalEntry] { try cluster.journal().filter { $0.path == path } }
}

/// Streams numbered messages on a session until stopped; remembers what it submitted, and a
/// submit that was refused (the stream stops there), so that "nothing lost" cannot hide it.
final class MessageStream: @unchecked Sendable {
    let session: LUSession
    private let lock = NSLock()
    private var digests: [String] = []
    private var refusals: [String] = []
    private var task: Task<Void, Never>?

    init(_ session: LUSession) {
        self.session = session
        task = Task { [weak self] in
            var serial = 0
            while !Task.isCancelled, let self, serial < 10_000 {
                serial += 1
                let payload = Array("\(session.lu) message \(serial)".utf8)
                do {
                    _ = try await session.submit(payload)
                } catch {
                    if Task.isCancelled || error is CancellationError { return }  // stop(), not a refusal
                    self.lock.withLock { self.refusals.append("message \(serial): \(error)") }
                    return
                }
                self.lock.withLock { self.digests.append(journalDigest(payload)) }
                try? await Task.sleep(for: .milliseconds(20))  // pacing, not synchronisation
            }
        }
    }

    func stop() async {
        task?.cancel()
        await task?.value
    }

    var sent: [String] { lock.withLock { digests } }
    /// Submits the node refused: neither sent nor lost, so counted on their own.
    var refused: [String] { lock.withLock { refusals } }

    func drain() async throws {
        let session = self.session
        try await waitUntil(.seconds(40), what: "\(session.lu) to have every message accepted") {
            ((try? await session.unacknowledged()) ?? 1) == 0
        }
    }
}

/// Checks that every message the streams sent is in the host's journal (the delivery
/// ledger's count); returns (sent, duplicates).
func expectNothingLost(_ streams: [MessageStream], journal: [HostJournalEntry]) -> (sent: Int, duplicates: Int) {
    var total = DeliveryLedger.Tally()
    for stream in streams {
        var ledger = DeliveryLedger()
        for digest in stream.sent { ledger.submitted(resource: stream.session.resource, lu: stream.session.lu, digest: digest) }
        ledger.journaled(journal, as: stream.session.lu)
        let tally = ledger.tally()
        total = total + tally
        #expect(tally.lost == 0, "\(stream.session.lu): \(tally.lost) of \(tally.sent) never reached the host")
        #expect(stream.refused.isEmpty, "\(stream.session.lu): submit refused after \(tally.sent) sent: \(stream.refused)")
    }
    return (total.sent, total.duplicated)
}
