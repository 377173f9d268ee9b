import Foundation

/// What an application submitted, against what the host journaled: the one place where
/// netmgr's tools (the demo, `netmgr sim app`, the testbed's campaign, the tests and the
/// benchmarks) count messages sent, acknowledged, delivered, lost and duplicated.
///
/// A message is identified by its LU and the digest of its payload (`journalDigest`), so an
/// application must make every payload on one LU distinct (a serial number does). Lost: sent
/// and never in the host's journal. Duplicated: journaled more than once (the client sent it
/// again after a failover because the ack was lost with the node; counted, not a failure).
public struct DeliveryLedger: Sendable {
    /// One submitted message, as `netmgr sim app --ledger` writes it (a JSON line each).
    public struct Submission: Codable, Sendable, Equatable {
        /// Seconds since 1970 when the application submitted it.
        public var time: Double
        public var resource: String
        public var lu: String
        public var digest: String

        public init(time: Double, resource: String, lu: String, digest: String) {
            self.time = time
            self.resource = resource
            self.lu = lu
            self.digest = digest
        }
    }

    public struct Tally: Sendable, Equatable {
        public var sent = 0
        public var acked = 0
        public var delivered = 0
        public var lost = 0
        public var duplicated = 0

        public init(sent: Int = 0, acked: Int = 0, delivered: Int = 0, lost: Int = 0, duplicated: Int = 0) {
            self.sent = sent
            self.acked = acked
            self.delivered = delivered
            self.lost = lost
            self.duplicated = duplicated
        }

        public static func + (a: Tally, b: Tally) -> Tally {
            Tally(sent: a.sent + b.sent, acked: a.acked + b.acked, delivered: a.delivered + b.delivered,
                  lost: a.lost + b.lost, duplicated: a.duplicated + b.duplicated)
        }
    }

    public private(set) var submissions: [Submission] = []
    /// LU → digest → how often the host journaled it.
    private var journaled: [String: [String: Int]] = [:]
    private var acks: [String: Int] = [:]
    /// LU → resource, in the order the LUs were first seen.
    public private(set) var lus: [(lu: String, resource: String)] = []
    private var resources: [String: String] = [:]

    public init() {}

    /// An LU the application streams on, before it sent anything (so an LU that never got a
    /// message out still shows in the tally, with 0 sent).
    public mutating func register(resource: String, lu: String) {
        if resources.updateValue(resource, forKey: lu) == nil { lus.append((lu, resource)) }
    }

    /// The resource `lu` was registered or submitted on.
    public func resource(of lu: String) -> String? { resources[lu] }

    /// How many messages the client acknowledged on `lu`.
    public func ackCount(lu: String) -> Int { acks[lu] ?? 0 }

    public mutating func submitted(_ submission: Submission) {
        register(resource: submission.resource, lu: submission.lu)
        submissions.append(submission)
    }

    public mutating func submitted(resource: String, lu: String, digest: String, at time: Double = Date().timeIntervalSince1970) {
        submitted(Submission(time: time, resource: resource, lu: lu, digest: digest))
    }

    /// The client acknowledged `count` more messages on `lu` (the host accepted them).
    public mutating func acked(lu: String, count: Int = 1) {
        acks[lu, default: 0] += count
    }

    /// One line of the host's journal; only accepted messages count.
    public mutating func journaled(_ entry: HostJournalEntry) {
        guard entry.event == .message, let lu = entry.lu, let digest = entry.digest else { return }
        journaled[lu, default: [:]][digest, default: 0] += 1
    }

    public mutating func journaled(_ entries: some Sequence<HostJournalEntry>) {
        for entry in entries { journaled(entry) }
    }

    /// Entries the caller already chose as `lu`'s: the host may name an LU differently from
    /// the application (a TN3270 host LU name), or by address only (SDLC).
    public mutating func journaled(_ entries: some Sequence<HostJournalEntry>, as lu: String) {
        for entry in entries where entry.event == .message {
            guard let digest = entry.digest else { continue }
            journaled[lu, default: [:]][digest, default: 0] += 1
        }
    }

    /// The tally of one LU (or of every LU), of the messages submitted within `window`
    /// (or all). Acks are per LU and counted only for a whole LU without a window.
    public func tally(lu: String? = nil, submittedIn window: ClosedRange<Double>? = nil) -> Tally {
        var tally = Tally()
        for submission in submissions where lu == nil || submission.lu == lu {
            if let window, !window.contains(submission.time) { continue }
            tally.sent += 1
            let count = journaled[submission.lu]?[submission.digest] ?? 0
            if count == 0 { tally.lost += 1 } else { tally.delivered += 1; tally.duplicated += count - 1 }
        }
        if window == nil { tally.acked = lu.map { acks[$0] ?? 0 } ?? acks.values.reduce(0, +) }
        return tally
    }

    /// The messages submitted on `lu` that the host never journaled, oldest first.
    public func lost(lu: String) -> [Submission] {
        submissions.filter { $0.lu == lu && (journaled[lu]?[$0.digest] ?? 0) == 0 }
    }

    /// Reads a ledger file (`netmgr sim app --ledger`): one JSON `Submission` per line. A
    /// last line cut short (the application was killed while writing it) is skipped; any
    /// other line that does not parse is an error naming the file and line.
    public static func readSubmissions(path: String) throws -> [Submission] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        var result: [Submission] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                result.append(try decoder.decode(Submission.self, from: Data(line.utf8)))
            } catch {
                if index == lines.count - 1 { break }  // the last line, unterminated
                throw LedgerError(description: "\(path) line \(index + 1): not a ledger entry (\(error))")
            }
        }
        return result
    }

    public struct LedgerError: Error, CustomStringConvertible {
        public var description: String
    }
}

/// Appends `DeliveryLedger.Submission`s to a file as JSON lines, each written whole with one
/// `write`, so a reader (the testbed) sees whole lines while the application runs.
public final class DeliveryLedgerFile: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw DeliveryLedger.LedgerError(description: "cannot create the ledger file \(path)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    public func append(_ submission: DeliveryLedger.Submission) {
        guard var line = try? encoder.encode(submission) else { return }
        line.append(0x0A)
        lock.withLock { handle.write(line) }
    }

    public func close() {
        lock.withLock { try? handle.close() }
    }
}
