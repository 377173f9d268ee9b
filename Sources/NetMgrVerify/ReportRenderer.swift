#if canImport(Glibc)
import Glibc
#endif
import NetMgrCore

/// The readable form of a report: what was read, the connections or links, the failover
/// boundaries with their verdicts, and the bottom line. Times are seconds from the first
/// packet, so the columns line up with Wireshark's default time display.
public struct ReportRenderer: Sendable {
    public init() {}

    public func render(_ report: VerificationReport) -> String {
        var out: [String] = []
        let origin = report.capture.firstPacket
        func t(_ time: ReportTime?) -> String {
            guard let time else { return "-" }
            guard let origin else { return time.description }
            return format(time.seconds(since: origin))
        }
        out.append(captureLine(report.capture))
        if !report.hosts.isEmpty {
            out.append("Hosts: " + report.hosts.map { "\($0.endpoint) (\($0.source.rawValue), \($0.connections) connection\($0.connections == 1 ? "" : "s"))" }.joined(separator: ", "))
        }
        if let definitions = report.definitions { out.append("Definitions: \(definitions)") }
        if let expect = report.expect { out.append("Expect: \(expect) for terminals the definitions do not describe") }

        if !report.connections.isEmpty {
            out.append("")
            out.append("TN3270 connections (times in seconds from the first packet):")
            var table = TextTable(["ID", "CLIENT", "HOST", "DIALECT", "REQUESTED", "GRANTED", "REJECTS", "OPENED", "BOUND", "DATA", "ENDED", "RECORDS C/H"])
            for c in report.connections {
                let ended = "\(t(c.ended)) \(c.endReason.rawValue)" + (c.endedBy.map { " by \($0.rawValue)" } ?? "")
                table.add([
                    String(c.id), c.client.description, c.host.description, c.dialect ?? "-",
                    c.luRequested ?? (c.requestMethod == "generic" ? "(any)" : "-"), c.luGranted ?? (c.isBound ? (c.grantEvidence == "records-after-terminal-type" ? "(requested only)" : "(unnamed)") : "-"),
                    c.rejects.isEmpty ? "-" : c.rejects.map(\.reason).joined(separator: ","),
                    t(c.opened), t(c.bound), c.firstRecord == nil ? "-" : "\(t(c.firstRecord))-\(t(c.lastRecord))",
                    ended, "\(c.records.fromClient)/\(c.records.fromHost)",
                ])
            }
            out.append(table.render(indent: "  "))
        }
        if !report.links.isEmpty {
            out.append("")
            out.append("SDLC links (times in seconds from the first packet):")
            var table = TextTable(["#", "STATION", "XID NODE ID", "CONTACT", "UA", "ACTIVE LUS", "BOUND", "DATA", "ENDED", "FRAMES"])
            for l in report.links {
                let bound = l.lus.filter { $0.bound != nil }.map { "\($0.address)@\(t($0.bound))" }.joined(separator: " ")
                table.add([
                    String(l.index), l.station, l.nodeID ?? "-", t(l.contactStarted), t(l.established),
                    l.activeLUs.isEmpty ? "-" : l.activeLUs.map(String.init).joined(separator: ","),
                    bound.isEmpty ? "-" : bound, l.firstData == nil ? "-" : "\(t(l.firstData))-\(t(l.lastData))",
                    "\(t(l.ended)) \(l.endReason.rawValue)", String(l.frames),
                ])
            }
            out.append(table.render(indent: "  "))
        }
        if let calls = report.calls, !calls.isEmpty {
            out.append("")
            out.append("X.25 calls (times in seconds from the first packet):")
            var table = TextTable(["#", "LCN", "CALLING", "CALLED", "CUD", "XID NODE ID", "CALL", "CONNECTED", "ACTIVE LUS", "BOUND", "DATA", "ENDED", "CLEAR CAUSE"])
            for c in calls {
                let bound = c.lus.filter { $0.bound != nil }.map { "\($0.address)@\(t($0.bound))" }.joined(separator: " ")
                let cause = c.clearCause.map { "\($0) \(c.clearCauseName ?? "") by \(c.clearedBy ?? "?")" + (c.clearDiagnostic.map { ", diagnostic \($0)" } ?? "") }
                table.add([
                    String(c.index), String(c.logicalChannel), c.callingAddress, c.calledAddress, c.callUserData.isEmpty ? "-" : c.callUserData,
                    c.nodeID ?? "-", t(c.callRequested), t(c.connected),
                    c.activeLUs.isEmpty ? "-" : c.activeLUs.map(String.init).joined(separator: ","),
                    bound.isEmpty ? "-" : bound, c.firstData == nil ? "-" : "\(t(c.firstData))-\(t(c.lastData))",
                    "\(t(c.ended)) \(c.endReason)", cause ?? "-",
                ])
            }
            out.append(table.render(indent: "  "))
        }

        if let calls = report.switchedCalls, !calls.isEmpty {
            out.append("")
            out.append("Switched calls (UTC):")
            for c in calls { out.append("  " + Self.callLine(c)) }
        }

        if let stations = report.basicModeStations, !stations.isEmpty {
            out.append("")
            out += basicModeStations(stations, t)
        }

        for terminal in report.terminals {
            out.append("")
            var head = "Terminal \(terminal.name): \(terminal.episodes.count) episode\(terminal.episodes.count == 1 ? "" : "s")"
            if !terminal.attempts.isEmpty { head += ", \(terminal.attempts.count) attempt\(terminal.attempts.count == 1 ? "" : "s") without a bind" }
            out.append(head)
            if let promise = terminal.promise {
                let resource = promise.resource.map { "resource \($0), " } ?? ""
                out.append("  promise \(promise.symbol) \(promise.expected.rawValue) (\(resource)\(promise.source)): \(promise.reason)")
            } else {
                out.append("  promise: none (facts only)")
            }
            for episode in terminal.episodes {
                let ref = episode.connection.map { "connection \($0)" } ?? episode.link.map { "\(["x25", "dialup", "isdn"].contains(terminal.kind) ? "call" : "link") \($0)" }
                    ?? episode.station.map { "station entry \($0)" } ?? ""
                let by = episode.endedBy.map { " by \($0.rawValue)" } ?? ""
                out.append("  episode \(episode.index): \(episode.address) (\(ref)) from \(t(episode.start)) to \(t(episode.ended)) \(episode.endReason)\(by)")
            }
            for b in terminal.boundaries {
                let mark = b.verdict == .kept ? "KEPT" : b.verdict == .broken ? "BROKEN" : b.verdict.rawValue.uppercased()
                var line = "  boundary \(b.index): \(b.before) → \(b.after): data outage \(format(b.dataOutageSeconds)) s"
                if let closeToBind = b.closeToBindSeconds { line += ", close→bind \(format(closeToBind)) s" }
                if b.overlap { line += ", old one still open at the new bind" }
                if b.attemptsBetween > 0 { line += ", \(b.attemptsBetween) attempt(s) between (\(b.reasonsBetween.joined(separator: ", ")))" }
                out.append(line)
                out.append("    \(mark): \(b.explanation)")
                for note in b.notes { out.append("    note: \(note)") }
            }
            for note in terminal.notes { out.append("  note: \(note)") }
        }
        for note in report.notes {
            out.append("")
            out.append("note: \(note)")
        }
        out.append("")
        out.append("Result: \(report.summary.message) (exit \(report.summary.exitCode))")
        return out.joined(separator: "\n")
    }

    /// BDLC path: one row per station and line, then its stretches of activity.
    private func basicModeStations(_ stations: [BasicModeStationFacts], _ t: (ReportTime?) -> String) -> [String] {
        var out = ["BDLC stations (times in seconds from the first packet; blocks with a good block check):"]
        var table = TextTable(["#", "LINE", "CODING", "STATION", "NODE", "RESOURCE", "POLLS", "UNANSWERED", "SELECTS", "ANSWERS", "BLOCKS S→H", "BLOCKS H→S", "BAD BCC", "LUS", "ACTIVE", "TEXT"])
        for s in stations {
            table.add([
                String(s.index), String(s.line) + (s.definedLine.map { " (\($0))" } ?? ""), s.coding, s.station, s.node ?? "-", s.resource ?? "-",
                String(s.polls), String(s.unansweredPolls), String(s.selects), String(s.answers),
                String(s.blocksFromStation), String(s.blocksToStation), "\(s.badBlocksFromStation)/\(s.badBlocksToStation)",
                s.lus.isEmpty ? "-" : s.lus.map(String.init).joined(separator: ","),
                s.firstAnswer == nil ? "-" : "\(t(s.firstAnswer))-\(t(s.lastAnswer))",
                s.firstText == nil ? "-" : "\(t(s.firstText))-\(t(s.lastText))",
            ])
        }
        out.append(table.render(indent: "  "))
        for s in stations where !s.activities.isEmpty {
            let stretches = s.activities.map { a in
                "\(t(a.start))-\(t(a.ended)) \(a.endReason) (\(a.answers) answer\(a.answers == 1 ? "" : "s"), \(a.blocks) block\(a.blocks == 1 ? "" : "s"))"
            }
            out.append("  station \(s.station) line \(s.line) active: \(stretches.joined(separator: "; "))")
        }
        return out
    }

    /// "call 0312340011 → 0300002222 (ISDN, set up by the node) 16:02:03.123–16:02:05.456 cleared
    /// cause 41 temporary failure; XID 05D00004 station 0xC1 LU 2, 3".
    static func callLine(_ c: SwitchedCallFacts) -> String {
        let network = c.kind == "isdn" ? "ISDN" : c.signalling == "v25bis" ? "dial-up V.25bis" : "dial-up"
        var text = "call \(c.index): \(c.callingNumber ?? "?") → \(c.calledNumber ?? "?") (\(network), set up by the \(c.placedBy)) "
        text += "\(clock(c.connected ?? c.setUp))–\(clock(c.ended))"
        if c.connected == nil { text += " never connected" }
        if c.cleared != nil {
            text += " cleared"
            if let by = c.clearedBy { text += " by the \(by)" }
            if let cause = c.cause { text += " cause \(cause) \(c.causeName ?? "")" }
            if let result = c.modemResult { text += " \(result)" }
        } else {
            text += " \(c.endReason)"
        }
        var sdlc: [String] = []
        if let nodeID = c.nodeID { sdlc.append("XID \(nodeID)") }
        if let station = c.station { sdlc.append("station \(station)") }
        if !c.lus.isEmpty { sdlc.append("LU \(c.lus.map(String.init).joined(separator: ", "))") }
        if !sdlc.isEmpty { text += "; " + sdlc.joined(separator: " ") }
        return text
    }

    /// "16:02:03.123" (UTC).
    static func clock(_ time: ReportTime) -> String {
        let full = utc(time)  // "2024-05-01 12:00:00.123 UTC"
        return String(full.dropFirst(11).dropLast(4))
    }

    private func captureLine(_ capture: CaptureSummary) -> String {
        let link = "link type \(capture.linkType.number)" + (capture.linkType.name.map { " (\($0))" } ?? "")
        var text = "Capture \(capture.path): \(capture.packets) packet\(capture.packets == 1 ? "" : "s"), \(link)"
        if let first = capture.firstPacket, let last = capture.lastPacket {
            text += ", \(format(last.seconds(since: first))) s from \(Self.utc(first))"
        }
        return text
    }

    /// "2024-05-01 12:00:00.123 UTC".
    static func utc(_ time: ReportTime) -> String {
        var seconds = time_t(time.captureTime.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = Int(time.captureTime.nanoseconds / 1_000_000)
        let ms = String(millis)
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(String(repeating: "0", count: 3 - ms.count))\(ms) UTC"
    }
}
