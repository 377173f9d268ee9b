import ArgumentParser
import NetMgrCore

/// The host simulator's basic-mode (BDLC) options, an option group of `netmgr sim host`.
/// Every name starts with `--bdlc-`. The lines, station addresses, coding and LUs come
/// from the definitions (`--definitions`): the host listens on each node's own line device
/// and polls that node's station.
public struct BDLCHostOptions: ParsableArguments {
    @Option(name: .customLong("bdlc-line"), help: ArgumentHelp(
        "A BDLC line of the definitions to serve as control station: one listener per node device. Repeatable; 'all' for every BDLC line.",
        valueName: "name"))
    public var lines: [String] = []

    @Option(name: .customLong("bdlc-capture"), help: ArgumentHelp(
        "Record the host's side of every BDLC line into this pcap (LINKTYPE_USER0, one element per record).", valueName: "file"))
    public var capture: String?

    @Option(name: .customLong("bdlc-poll-ms"), help: "Milliseconds between polls of a station that had nothing to send.")
    public var pollMilliseconds: Int = 50

    @Option(name: .customLong("bdlc-reply-timeout-ms"), help: "Milliseconds to wait for a station's reply before asking again.")
    public var replyTimeoutMilliseconds: Int = 300

    public init() {}

    public var isEnabled: Bool { !lines.isEmpty }

    public func validate() throws {
        guard (1...60_000).contains(pollMilliseconds) else { throw ValidationError("--bdlc-poll-ms \(pollMilliseconds): expected 1 to 60000") }
        guard (1...60_000).contains(replyTimeoutMilliseconds) else {
            throw ValidationError("--bdlc-reply-timeout-ms \(replyTimeoutMilliseconds): expected 1 to 60000")
        }
        if capture != nil, lines.isEmpty { throw ValidationError("--bdlc-capture needs --bdlc-line") }
    }

    /// The host lines to serve; the definitions are required.
    public func hostLines(definitions: Definitions?) throws(BDLCHostOptionsError) -> [BDLCHostLineConfiguration] {
        guard let definitions else {
            throw BDLCHostOptionsError("--bdlc-line needs --definitions DIR: the lines, station addresses and LUs come from there")
        }
        let names = lines.contains { $0.lowercased() == "all" } ? [] : lines
        var result = try BDLCHostLineConfiguration.lines(definitions: definitions, names: names)
        guard !result.isEmpty else { throw BDLCHostOptionsError("--bdlc-line: the definitions have no bdlc line") }
        for index in result.indices {
            result[index].pollInterval = .milliseconds(Int64(pollMilliseconds))
            result[index].replyTimeout = .milliseconds(Int64(replyTimeoutMilliseconds))
        }
        return result
    }
}
