/// The HTML form of a report (`netmgr verify --html FILE`): the same `VerificationReport`
/// that `--json` prints and `ReportRenderer` writes as text, as one self-contained page
/// (inline CSS, an inline SVG timeline, a few lines of plain JavaScript to sort tables; no
/// URL to anything outside the file). The verdict is the page's title and first heading.
///
/// The markup is XHTML-compatible HTML5: every element closed, every attribute quoted,
/// the script in a CDATA section. Browsers read it as HTML and `xmllint` parses it as XML,
/// so a test can count the timeline's rows with XPath. Every string from the capture is
/// escaped (`HTMLText.escape`).
public struct ReportHTML: Sendable {
    public init() {}

    public func render(_ report: VerificationReport) -> String {
        let e = HTMLText.escape
        let verdict = Self.verdictWord(report.summary.verdict)
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\"/>")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        out.append("<meta name=\"generator\" content=\"netmgr verify (report schema \(report.schemaVersion))\"/>")
        out.append("<title>\(e(verdict)): \(e(report.summary.message)) · \(e(report.capture.path))</title>")
        out.append("<style>\n\(Self.css)\n</style>")
        out.append("</head>")
        out.append("<body class=\"verdict-\(e(report.summary.verdict))\">")
        out.append("<h1 id=\"verdict\"><span class=\"verdict-word\">\(e(verdict))</span> \(e(report.summary.message))</h1>")
        out.append(summary(report))
        out.append("<h2 id=\"timeline\">Timeline</h2>")
        out.append("<div class=\"timeline-box\">")
        out.append(ReportTimeline(report: report).render())
        out.append("</div>")
        out.append(overview(report))
        for (index, terminal) in report.terminals.enumerated() {
            out.append(section(terminal, number: index + 1, report: report))
        }
        if !report.notes.isEmpty {
            out.append("<h2 id=\"notes\">Notes</h2>")
            out.append("<ul class=\"notes\">")
            for note in report.notes { out.append("<li>\(e(note))</li>") }
            out.append("</ul>")
        }
        out.append("<p class=\"footer\">Made by <code>netmgr verify --html</code> from the same report <code>--json</code> prints (schema \(report.schemaVersion), docs/VERIFY.md). Times are seconds from the first packet (Wireshark's default), UTC where a clock time is shown. Click a table heading to sort.</p>")
        out.append("<script>//<![CDATA[\n\(Self.script)\n//]]></script>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    /// "KEPT", "BROKEN", "NO FAILOVER", "FACTS ONLY".
    static func verdictWord(_ verdict: String) -> String {
        switch verdict {
        case "kept": return "KEPT"
        case "broken": return "BROKEN"
        case "no-failover": return "NO FAILOVER"
        case "facts-only": return "FACTS ONLY"
        default: return verdict.uppercased()
        }
    }

    // MARK: - Summary

    private func summary(_ report: VerificationReport) -> String {
        let e = HTMLText.escape
        let s = report.summary
        let capture = report.capture
        var rows: [(String, String)] = []
        rows.append(("Promises", "<span class=\"count kept\">\(s.kept) kept</span>, <span class=\"count broken\">\(s.broken) broken</span>"
            + (s.undetermined > 0 ? ", \(s.undetermined) undetermined" : "") + (s.unchecked > 0 ? ", \(s.unchecked) without a promise" : "")
            + (s.notFailover > 0 ? ", \(s.notFailover) reconnect(s) from the same node" : "")))
        rows.append(("Boundaries", "\(s.boundaries) failover boundar\(s.boundaries == 1 ? "y" : "ies") among \(s.terminals) terminal\(s.terminals == 1 ? "" : "s") (\(s.episodes) episodes)"))
        var span = "-"
        if let first = capture.firstPacket, let last = capture.lastPacket {
            span = "\(e(HTMLText.duration(last.seconds(since: first)))), \(e(ReportRenderer.utc(first))) to \(e(ReportRenderer.utc(last)))"
        }
        rows.append(("Capture span", span))
        let link = "link type \(capture.linkType.number)" + (capture.linkType.name.map { " (\($0))" } ?? "")
        rows.append(("Capture", "<code>\(e(capture.path))</code>: \(capture.packets) packet\(capture.packets == 1 ? "" : "s"), \(e(link))"
            + (capture.fileBytes.map { ", \($0) bytes" } ?? "") + (capture.truncated.map { "; truncated: \(e($0))" } ?? "")))
        rows.append(("Definitions", report.definitions.map { "<code>\(e($0))</code>" } ?? "none"))
        rows.append(("Expect", report.expect.map { "<code>--expect \(e($0))</code> for terminals the definitions do not describe" } ?? "none"))
        if !report.hosts.isEmpty {
            rows.append(("Hosts", report.hosts.map { "\(e($0.endpoint.description)) (\(e($0.source.rawValue)), \($0.connections) connection\($0.connections == 1 ? "" : "s"))" }.joined(separator: ", ")))
        }
        rows.append(("Exit code", "\(s.exitCode) (\(e(s.verdict)))"))
        var out = ["<table class=\"summary\" id=\"summary\">", "<tbody>"]
        for (key, value) in rows { out.append("<tr><th scope=\"row\">\(key)</th><td>\(value)</td></tr>") }
        out.append("</tbody>")
        out.append("</table>")
        return out.joined(separator: "\n")
    }

    // MARK: - Tables

    private func overview(_ report: VerificationReport) -> String {
        let e = HTMLText.escape
        var out = ["<h2 id=\"terminals\">Terminals</h2>"]
        guard !report.terminals.isEmpty else {
            out.append("<p>No terminal in the capture.</p>")
            return out.joined(separator: "\n")
        }
        out.append("<table class=\"sortable\" id=\"terminals-table\">")
        out.append("<thead><tr><th>Terminal</th><th>Promise</th><th class=\"num\">Episodes</th><th class=\"num\">Boundaries</th><th class=\"num\">Kept</th><th class=\"num\">Broken</th><th class=\"num\">Longest outage s</th><th class=\"num\">REJECTs</th><th class=\"num\">Retries</th><th>Verdict</th></tr></thead>")
        out.append("<tbody>")
        for (index, terminal) in report.terminals.enumerated() {
            let counts = terminal.boundaries.map { Self.counts($0, of: terminal, in: report) }
            let longest = terminal.boundaries.map(\.dataOutageSeconds).max()
            let worst = Self.worst(terminal.boundaries.map(\.verdict))
            let promise = terminal.promise.map { "\($0.symbol) \($0.expected.rawValue) (\($0.source))" } ?? "none"
            let verdictCell = worst.map { v -> String in
                let style = VerdictStyle(v)
                return "<td class=\"verdict \(style.cssClass)\">\(style.glyph) \(style.word)</td>"
            } ?? "<td>no boundary</td>"
            out.append("<tr><td><a href=\"#terminal-\(index + 1)\">\(e(terminal.name))</a></td><td>\(e(promise))</td>"
                + "<td class=\"num\">\(terminal.episodes.count)</td><td class=\"num\">\(terminal.boundaries.count)</td>"
                + "<td class=\"num\">\(terminal.boundaries.filter { $0.verdict == .kept }.count)</td>"
                + "<td class=\"num\">\(terminal.boundaries.filter { $0.verdict == .broken }.count)</td>"
                + "<td class=\"num\">\(HTMLText.seconds(longest))</td>"
                + "<td class=\"num\">\(counts.reduce(0) { $0 + $1.rejects.count })</td>"
                + "<td class=\"num\">\(counts.reduce(0) { $0 + $1.retries })</td>\(verdictCell)</tr>")
        }
        out.append("</tbody>")
        out.append("</table>")
        return out.joined(separator: "\n")
    }

    private func section(_ terminal: Terminal, number: Int, report: VerificationReport) -> String {
        let e = HTMLText.escape
        let origin = report.capture.firstPacket
        func t(_ time: ReportTime?) -> String {
            guard let time, let origin else { return "-" }
            return HTMLText.seconds(time.seconds(since: origin))
        }
        var out = ["<section class=\"terminal\" id=\"terminal-\(number)\">"]
        out.append("<h3>\(e(terminal.name))</h3>")
        if let promise = terminal.promise {
            let resource = promise.resource.map { "resource \($0), " } ?? ""
            out.append("<p class=\"promise\">Promise <b>\(e(promise.symbol)) \(e(promise.expected.rawValue))</b> (\(e(resource))\(e(promise.source))): \(e(promise.reason))</p>")
        } else {
            out.append("<p class=\"promise\">No promise: neither the definitions nor <code>--expect</code> describe this terminal (facts only).</p>")
        }
        if !terminal.boundaries.isEmpty {
            out.append("<table class=\"sortable boundaries\">")
            out.append("<caption>Failover boundaries</caption>")
            out.append("<thead><tr><th class=\"num\">#</th><th>Before</th><th>After</th><th class=\"num\">Data outage s</th><th class=\"num\">Close→bind s</th><th class=\"num\">REJECTs</th><th class=\"num\">Retries</th><th>Verdict</th><th>Why</th></tr></thead>")
            out.append("<tbody>")
            for b in terminal.boundaries {
                let style = VerdictStyle(b.verdict)
                let counts = Self.counts(b, of: terminal, in: report)
                var why = e(b.explanation)
                if b.overlap { why += "; the old one was still open at the new bind" }
                for note in b.notes { why += "<br/>note: \(e(note))" }
                let rejects = counts.rejects.isEmpty ? "0" : "\(counts.rejects.count) <span class=\"reasons\">(\(e(Self.grouped(counts.rejects))))</span>"
                out.append("<tr><td class=\"num\">\(b.index)</td><td>\(e(b.before.description))</td><td>\(e(b.after.description))</td>"
                    + "<td class=\"num\">\(HTMLText.seconds(b.dataOutageSeconds))</td><td class=\"num\">\(HTMLText.seconds(b.closeToBindSeconds))</td>"
                    + "<td class=\"num\" data-value=\"\(counts.rejects.count)\">\(rejects)</td><td class=\"num\">\(counts.retries)</td>"
                    + "<td class=\"verdict \(style.cssClass)\">\(style.glyph) \(style.word)</td><td>\(why)</td></tr>")
            }
            out.append("</tbody>")
            out.append("</table>")
        }
        out.append("<table class=\"sortable episodes\">")
        out.append("<caption>Episodes</caption>")
        out.append("<thead><tr><th class=\"num\">#</th><th>Address the host saw</th><th>On</th><th class=\"num\">From s</th><th class=\"num\">To s</th><th>Ended</th><th class=\"num\">First data s</th><th class=\"num\">Last data s</th></tr></thead>")
        out.append("<tbody>")
        for episode in terminal.episodes {
            let on = episode.connection.map { "connection \($0)" }
                ?? episode.link.map { "\(["x25", "dialup", "isdn"].contains(terminal.kind) ? "call" : "link") \($0)" }
                ?? episode.station.map { "station entry \($0)" } ?? "-"
            let ended = episode.endReason + (episode.endedBy.map { " by \($0.rawValue)" } ?? "")
            out.append("<tr><td class=\"num\">\(episode.index)</td><td>\(e(episode.address.description))</td><td>\(e(on))</td>"
                + "<td class=\"num\">\(t(episode.start))</td><td class=\"num\">\(t(episode.ended))</td><td>\(e(ended))</td>"
                + "<td class=\"num\">\(t(episode.firstData))</td><td class=\"num\">\(t(episode.lastData))</td></tr>")
        }
        out.append("</tbody>")
        out.append("</table>")
        if !terminal.attempts.isEmpty {
            out.append("<p class=\"attempts\">Attempts without a bind: " + terminal.attempts.map { a in
                "\(e(t(a.time))) s \(e(a.outcome))" + (a.reasons.isEmpty ? "" : " (\(e(a.reasons.joined(separator: ", "))))")
            }.joined(separator: "; ") + "</p>")
        }
        if !terminal.notes.isEmpty {
            out.append("<ul class=\"notes\">")
            for note in terminal.notes { out.append("<li>\(e(note))</li>") }
            out.append("</ul>")
        }
        out.append("</section>")
        return out.joined(separator: "\n")
    }

    // MARK: - REJECTs and retries

    /// A boundary's refusals and retries. REJECTs: the reasons of the attempts in between
    /// (DEVICE-TYPE REJECTs and closes without input on the IP path, ACTLU sense codes on
    /// SDLC, clearing causes on X.25 and switched lines), plus on the IP path the REJECTs
    /// the connection that bound after the boundary met before its bind. Retries: the
    /// attempts in between plus those REJECTs (each was answered by a new request).
    struct BoundaryCounts {
        var rejects: [String]
        var retries: Int
    }

    static func counts(_ boundary: FailoverBoundary, of terminal: Terminal, in report: VerificationReport) -> BoundaryCounts {
        var rejects = terminal.kind == "bdlc" ? [] : boundary.reasonsBetween
        var retries = boundary.attemptsBetween
        let next = boundary.index  // 0-based index of the episode after the boundary
        if next < terminal.episodes.count, let id = terminal.episodes[next].connection,
           let connection = report.connections.first(where: { $0.id == id }) {
            let before = connection.rejects.filter { connection.bound == nil || $0.time <= connection.bound! }
            rejects += before.map(\.reason)
            retries += before.count
        }
        return BoundaryCounts(rejects: rejects, retries: retries)
    }

    /// Times to mark on the timeline: attempts without a bind, and REJECTs met on the
    /// connections of the terminal's episodes.
    static func refusals(of terminal: Terminal, in report: VerificationReport) -> [(time: ReportTime, text: String)] {
        var marks: [(time: ReportTime, text: String)] = terminal.attempts.map { a in
            (a.time, a.outcome + (a.reasons.isEmpty ? "" : " (\(a.reasons.joined(separator: ", ")))"))
        }
        for episode in terminal.episodes {
            guard let id = episode.connection, let connection = report.connections.first(where: { $0.id == id }) else { continue }
            marks += connection.rejects.map { ($0.time, "REJECT \($0.reason) on connection \(id)") }
        }
        return marks
    }

    /// "DEVICE-IN-USE ×4, INV-NAME".
    static func grouped(_ reasons: [String]) -> String {
        var order: [String] = []
        var count: [String: Int] = [:]
        for reason in reasons {
            if count[reason] == nil { order.append(reason) }
            count[reason, default: 0] += 1
        }
        return order.map { count[$0]! > 1 ? "\($0) ×\(count[$0]!)" : $0 }.joined(separator: ", ")
    }

    /// The verdict a terminal's row shows: broken over undetermined over kept over the rest.
    static func worst(_ verdicts: [Verdict]) -> Verdict? {
        for v in [Verdict.broken, .undetermined, .kept, .notFailover, .unchecked] where verdicts.contains(v) { return v }
        return nil
    }

    // MARK: - Inline CSS and JavaScript

    static let css = """
        body { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 18px 24px; max-width: 1200px; }
        h1 { font-size: 22px; margin: 0 0 10px; }
        h1 .verdict-word { padding: 2px 10px; border-radius: 4px; color: #fff; background: #555; letter-spacing: 0.04em; }
        .verdict-kept h1 .verdict-word { background: #1e7b45; }
        .verdict-broken h1 .verdict-word { background: #b0281a; background-image: repeating-linear-gradient(45deg, transparent 0 6px, rgba(255,255,255,0.25) 6px 9px); }
        h2 { font-size: 17px; margin: 22px 0 6px; border-bottom: 1px solid #ddd; }
        h3 { font-size: 15px; margin: 18px 0 4px; }
        table { border-collapse: collapse; margin: 6px 0 10px; }
        th, td { border: 1px solid #d5d5d5; padding: 3px 8px; text-align: left; vertical-align: top; }
        thead th { background: #eef1f5; cursor: pointer; user-select: none; white-space: nowrap; }
        thead th[aria-sort="ascending"]::after { content: " ▲"; }
        thead th[aria-sort="descending"]::after { content: " ▼"; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.summary th { background: #f6f6f6; font-weight: 600; white-space: nowrap; }
        caption { text-align: left; font-weight: 600; padding: 2px 0; }
        td.verdict { font-weight: 700; white-space: nowrap; }
        td.kept, .count.kept { color: #14633a; }
        td.broken, .count.broken { color: #9c1f12; }
        td.broken { background-image: repeating-linear-gradient(45deg, #fbe9e7 0 5px, #fff 5px 10px); }
        td.undetermined { color: #7a5600; }
        .reasons { color: #555; }
        .timeline-box { overflow-x: auto; }
        svg.timeline { display: block; max-width: 100%; height: auto; font-family: system-ui, "DejaVu Sans", sans-serif; }
        .tl-grid { stroke: #e2e2e2; stroke-width: 1; }
        .tl-tick, .tl-axis-title { font-size: 11px; fill: #666; }
        .tl-stripe { fill: #f7f8fa; }
        .tl-label { font-size: 13px; font-weight: 600; fill: #1d1d1f; }
        .tl-promise { font-size: 11px; fill: #555; }
        .tl-bar { fill: #3f6e9e; stroke: #24476b; stroke-width: 1; }
        .tl-address { font-size: 11px; fill: #fff; }
        .tl-reject { fill: #d98a00; stroke: #6b4400; stroke-width: 0.8; }
        .tl-band { stroke-width: 1.5; }
        .tl-kept .tl-band { fill: #a9dcbb; stroke: #1e7b45; }
        .tl-broken .tl-band { fill: url(#tl-hatch); stroke: #b0281a; }
        .tl-undetermined .tl-band { fill: url(#tl-dots); stroke: #8a6100; }
        .tl-unchecked .tl-band { fill: none; stroke: #666; stroke-dasharray: 3 2; }
        .tl-duration { font-size: 11px; fill: #333; }
        .tl-verdict { font-size: 11px; font-weight: 700; }
        .tl-kept .tl-verdict { fill: #14633a; }
        .tl-broken .tl-verdict { fill: #9c1f12; }
        .tl-undetermined .tl-verdict { fill: #7a5600; }
        .tl-unchecked .tl-verdict { fill: #555; }
        .tl-marker { stroke-width: 2; }
        .tl-kept .tl-marker { fill: #1e7b45; stroke: #1e7b45; }
        .tl-broken .tl-marker { fill: none; stroke: #b0281a; }
        .tl-undetermined .tl-marker { fill: none; stroke: #8a6100; }
        .tl-unchecked .tl-marker { fill: none; stroke: #555; }
        .tl-legend-title { font-size: 12px; font-weight: 700; }
        .tl-legend-text { font-size: 11px; fill: #333; }
        .footer { color: #666; font-size: 12px; margin-top: 24px; }
        """

    /// Sorts a table by the clicked heading: numbers as numbers, the rest as text; a second
    /// click reverses. Marks each table it wired with data-sortable="ready".
    static let script = """
        document.querySelectorAll("table.sortable").forEach(function (table) {
          var heads = table.tHead.rows[0].cells;
          Array.prototype.forEach.call(heads, function (th, column) {
            th.addEventListener("click", function () {
              var up = th.getAttribute("aria-sort") !== "ascending";
              Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
              th.setAttribute("aria-sort", up ? "ascending" : "descending");
              var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
              function key(row) { var c = row.cells[column]; return c.getAttribute("data-value") || c.textContent.trim(); }
              rows.sort(function (a, b) {
                var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
                var order = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
                return up ? order : -order;
              });
              rows.forEach(function (row) { body.appendChild(row); });
            });
          });
          table.setAttribute("data-sortable", "ready");
        });
        """
}
