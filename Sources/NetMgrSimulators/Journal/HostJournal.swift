import Foundation

/// One line of the host simulator's journal: what the host saw, the ground truth that
/// tests and `netmgr demo` compare with. JSON lines; fields that do not apply are omitted.
public struct HostJournalEntry: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable {
        /// An LU was bound to a terminal (TN3270 connection granted, or SDLC BIND answered).
        case bind
        /// The host refused a terminal an LU (TN3270E REJECT, or a closed basic connection).
        case reject
        /// The binding ended (connection closed, probe timed out, link lost, UNBIND).
        case unbind
        /// The host accepted a message from the LU.
        case message
        /// The host sent data to the LU.
        case sent
        /// The host took a record for something other than input (the Query Reply it asked
        /// for): the terminal's message is lost.
        case lost
        /// SDLC: the link to a station came up (SNRM/UA) or went down.
        case linkUp = "link-up"
        case linkDown = "link-down"
    }

    /// Seconds since 1970, microsecond resolution.
    public var time: Double
    public var event: Event
    /// `tn3270`, `sdlc`, `x25`, `bdlc`, `dialup` or `isdn`.
    public var path: String
    public var lu: String?
    /// TN3270: the client's address and port as the host saw them.
    public var client: String?
    public var clientPort: Int?
    /// TN3270: `tn3270e` or `tn3270`.
    public var dialect: String?
    public var deviceType: String?
    /// SDLC: the line, the station address polled, the XID node id, the LU local address.
    /// BDLC: the line (`BSC1 line 1`: definitions name and the host's line number), the
    /// station address polled, the LU local address of the block's heading.
    public var line: String?
    public var station: String?
    public var nodeId: String?
    public var luAddress: Int?
    /// X.25: the calling DTE address of the virtual call the session runs on (the node id
    /// is `nodeId`, from QXID), and the host's own (called) address.
    public var callingDte: String?
    public var calledDte: String?
    /// Switched lines (`dialup`, `isdn`): the calling party's number the host saw (caller id,
    /// Q.931 calling party number) and the called number of the call the session runs on.
    public var callingNumber: String?
    public var calledNumber: String?
    /// For messages: the host's sequence number for the record, and the payload's digest.
    public var sequence: Int?
    public var digest: String?
    public var length: Int?
    /// Why a reject or unbind happened. TN3270 also uses it on a `bind` the generic pool
    /// chose ("generic request: ...") and on `sent` to say what was sent ("greeting", "print").
    public var reason: String?

    public init(time: Double = Date().timeIntervalSince1970, event: Event, path: String) {
        self.time = time
        self.event = event
        self.path = path
    }

    /// The terminal address the host saw for this entry: the client IP on TN3270, the
    /// station / node id / LU address on SDLC.
    public var terminalAddress: String {
        if path == "bdlc" {
            return "station \(station ?? "?") on \(line ?? "?") LU \(luAddress.map(String.init) ?? "?")"
        }
        if path == "x25" {
            return "DTE \(callingDte ?? "?") XID \(nodeId ?? "?") LU \(luAddress.map(String.init) ?? "?")"
        }
        if path == "dialup" || path == "isdn" {
            return "tel:\(callingNumber ?? "?") XID \(nodeId ?? "?") LU \(luAddress.map(String.init) ?? "?")"
        }
        if path == "sdlc" {
            return "station \(station ?? "?") XID \(nodeId ?? "?") LU \(luAddress.map(String.init) ?? "?")"
        }
        return client ?? "?"
    }
}

/// The digest the journal records for a message: FNV-1a 64 of the payload, in hex. Not
/// cryptographic; it tells messages apart so a test can match what it sent with what the
/// host received and count duplicates.
public func journalDigest<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    let text = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - text.count) + text
}

/// Appends journal entries to a file, one JSON object per line, flushed per entry so the
/// journal is complete up to the last event even if the simulator is killed.
public final class HostJournal: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let encoder: JSONEncoder
    public let path: String

    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    public func record(_ entry: HostJournalEntry) {
        guard var line = try? encoder.encode(entry) else { return }
        line.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        handle.write(line)
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        try? handle.close()
    }

    /// Reads a journal back; lines that do not parse are reported with their number.
    public static func read(path: String) throws -> [HostJournalEntry] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        var entries: [HostJournalEntry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do {
                entries.append(try decoder.decode(HostJournalEntry.self, from: Data(line.utf8)))
            } catch {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "\(path):\(index + 1): not a journal entry: \(error)"])
            }
        }
        return entries
    }
}
