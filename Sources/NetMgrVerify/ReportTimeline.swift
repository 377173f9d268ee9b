import Foundation

/// The HTML report's timeline: an inline SVG with one row (`<g class="tl-row">`) per
/// terminal, as the report names it. Each episode is a bar labelled with the address the
/// host saw; each failover boundary's data outage is a band with its duration above and
/// its verdict below. Verdicts differ in colour and also in pattern, marker and word, so
/// the picture reads in greyscale: kept is solid with a circle and "KEPT", broken is
/// hatched with a cross and "BROKEN". Times are seconds from the capture's first packet.
struct ReportTimeline {
    static let width = 1160.0
    static let labelWidth = 300.0
    static let rightMargin = 28.0
    static let axisHeight = 30.0
    static let rowHeight = 80.0
    static let legendHeight = 58.0
    /// Average advance of an 11 px sans-serif character, for fitting labels in bars.
    static let characterWidth = 6.4

    let report: VerificationReport
    let origin: ReportTime?
    let span: Double

    init(report: VerificationReport) {
        self.report = report
        origin = report.capture.firstPacket
        if let first = report.capture.firstPacket, let last = report.capture.lastPacket, last > first {
            span = last.seconds(since: first)
        } else {
            span = 1
        }
    }

    var plotLeft: Double { Self.labelWidth }
    var plotRight: Double { Self.width - Self.rightMargin }
    var height: Double { Self.axisHeight + Double(max(report.terminals.count, 1)) * Self.rowHeight + Self.legendHeight }

    /// Seconds from the first packet.
    func seconds(_ time: ReportTime) -> Double {
        guard let origin else { return 0 }
        return time.seconds(since: origin)
    }

    /// The x coordinate of a time, clamped to the plot.
    func x(_ time: ReportTime) -> Double { x(seconds: seconds(time)) }

    func x(seconds: Double) -> Double {
        let fraction = min(max(seconds / span, 0), 1)
        return plotLeft + fraction * (plotRight - plotLeft)
    }

    /// Axis ticks: a 1-2-5 step (or whole minutes and hours) giving at most ~10 ticks.
    static func ticks(span: Double) -> (step: Double, values: [Double]) {
        guard span.isFinite, span > 0 else { return (1, [0]) }
        let raw = span / 8
        var step: Double
        if raw <= 30 {
            let magnitude = pow(10, (log10(raw)).rounded(.down))
            step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        } else {
            step = [60.0, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].first { $0 >= raw } ?? 86400 * (raw / 86400).rounded(.up)
        }
        if step <= 0 || !step.isFinite { step = span }
        var values: [Double] = []
        var value = 0.0
        while value <= span * 1.000001, values.count < 64 {
            values.append(value)
            value += step
        }
        return (step, values)
    }

    static func tickLabel(_ value: Double, step: Double) -> String {
        if step >= 60 { return HTMLText.duration(value) }
        var decimals = 0
        var scaled = step
        while decimals < 3, (scaled - scaled.rounded()).magnitude > 1e-9 {
            scaled *= 10
            decimals += 1
        }
        let factor = pow(10, Double(decimals))
        let units = Int((value * factor).rounded())
        if decimals == 0 { return "\(units) s" }
        let whole = units / Int(factor), fraction = String(units % Int(factor))
        return "\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction) s"
    }

    /// What a bar shows: the part of the address the host identifies the terminal by.
    static func shortLabel(_ address: TerminalAddress) -> String {
        switch address.kind {
        case "ip": return address.ip ?? "?"
        case "x25": return "DTE \(address.dteAddress ?? "?")" + (address.nodeID.map { " XID \($0)" } ?? "")
        case "bdlc": return "station \(address.station ?? "?") line \(address.line.map(String.init) ?? "?")"
        case "dialup", "isdn": return "number \(address.number ?? "unseen")" + (address.nodeID.map { " XID \($0)" } ?? "")
        default: return "station \(address.station ?? "?")" + (address.nodeID.map { " XID \($0)" } ?? "")
        }
    }

    func render() -> String {
        let n = HTMLText.number
        var svg: [String] = []
        svg.append(
            "<svg class=\"timeline\" role=\"img\" width=\"\(n(Self.width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(Self.width)) \(n(height))\" "
                + "aria-labelledby=\"timeline-title\">")
        svg.append("<title id=\"timeline-title\">Timeline: one row per terminal; bars are episodes labelled with the address the host saw; bands are failover outages</title>")
        svg.append(Self.definitions)
        // Axis and grid.
        let (step, ticks) = Self.ticks(span: span)
        let rowsBottom = Self.axisHeight + Double(report.terminals.count) * Self.rowHeight
        svg.append("<g class=\"tl-axis\">")
        for value in ticks {
            let tx = x(seconds: value)
            svg.append("<line class=\"tl-grid\" x1=\"\(n(tx))\" y1=\"\(n(Self.axisHeight - 6))\" x2=\"\(n(tx))\" y2=\"\(n(rowsBottom))\"/>")
            svg.append("<text class=\"tl-tick\" x=\"\(n(tx))\" y=\"\(n(Self.axisHeight - 10))\" text-anchor=\"middle\">\(Self.tickLabel(value, step: step))</text>")
        }
        svg.append("<text class=\"tl-axis-title\" x=\"8\" y=\"\(n(Self.axisHeight - 10))\">seconds from the first packet</text>")
        svg.append("</g>")
        if report.terminals.isEmpty {
            svg.append("<text class=\"tl-empty\" x=\"\(n(plotLeft))\" y=\"\(n(Self.axisHeight + 40))\">No terminal in the capture.</text>")
        }
        for (index, terminal) in report.terminals.enumerated() {
            svg.append(row(terminal, top: Self.axisHeight + Double(index) * Self.rowHeight, index: index))
        }
        svg.append(legend(top: max(rowsBottom, Self.axisHeight + Self.rowHeight) + 8))
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// Patterns for the outage bands: broken is hatched, undetermined dotted.
    static let definitions = """
        <defs>
        <pattern id="tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f6d5d1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b0281a" stroke-width="3"/></pattern>
        <pattern id="tl-dots" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fbecc8"/><circle cx="2.5" cy="2.5" r="1.2" fill="#8a6100"/></pattern>
        </defs>
        """

    private func row(_ terminal: Terminal, top: Double, index: Int) -> String {
        let n = HTMLText.number
        let e = HTMLText.escape
        var out: [String] = []
        let verdicts = terminal.boundaries.map(\.verdict.rawValue)
        out.append(
            "<g class=\"tl-row\" id=\"tl-row-\(index + 1)\" data-terminal=\"\(e(terminal.name))\" data-episodes=\"\(terminal.episodes.count)\" "
                + "data-boundaries=\"\(terminal.boundaries.count)\" data-verdicts=\"\(e(verdicts.joined(separator: " ")))\">")
        if index % 2 == 1 {
            out.append("<rect class=\"tl-stripe\" x=\"0\" y=\"\(n(top))\" width=\"\(n(Self.width))\" height=\"\(n(Self.rowHeight))\"/>")
        }
        // The terminal's name and promise, left.
        let nameLimit = Int((Self.labelWidth - 16) / 7.6)
        out.append("<text class=\"tl-label\" x=\"8\" y=\"\(n(top + 30))\">\(e(HTMLText.truncate(terminal.name, to: nameLimit)))<title>\(e(terminal.name))</title></text>")
        let promise = terminal.promise.map { "promise \($0.symbol) \($0.expected.rawValue) (\($0.source))" } ?? "no promise: facts only"
        out.append("<text class=\"tl-promise\" x=\"8\" y=\"\(n(top + 47))\">\(e(HTMLText.truncate(promise, to: Int((Self.labelWidth - 16) / 6.4))))</text>")

        // The outage bands first: the bars lie on them, so a band shows above and below a
        // bar that was still up without data, and whole in the gap between two episodes.
        for boundary in terminal.boundaries {
            out.append(outage(boundary, top: top))
        }
        let barTop = top + 26, barHeight = 22.0
        for episode in terminal.episodes {
            let x0 = x(episode.start), x1 = max(x(episode.ended), x0 + 2)
            let full = "episode \(episode.index): \(episode.address.description), "
                + "\(HTMLText.seconds(seconds(episode.start)))–\(HTMLText.seconds(seconds(episode.ended))) s, \(episode.endReason)"
            let label = Self.shortLabel(episode.address)
            let fits = Int((x1 - x0 - 8) / Self.characterWidth)
            out.append("<g class=\"tl-episode\" data-episode=\"\(episode.index)\" data-address=\"\(e(episode.address.description))\" data-label=\"\(e(label))\">")
            out.append("<title>\(e(full))</title>")
            out.append("<rect class=\"tl-bar\" x=\"\(n(x0))\" y=\"\(n(barTop))\" width=\"\(n(x1 - x0))\" height=\"\(n(barHeight))\" rx=\"3\"/>")
            if fits >= 2 {
                out.append("<text class=\"tl-address\" x=\"\(n(x0 + 5))\" y=\"\(n(barTop + 15))\">\(e(HTMLText.truncate(label, to: fits)))</text>")
            }
            out.append("</g>")
        }
        // REJECTs and attempts that did not bind: small triangles under the bars.
        for mark in ReportHTML.refusals(of: terminal, in: report) {
            let mx = x(mark.time)
            let y = barTop + barHeight + 3
            out.append(
                "<path class=\"tl-reject\" d=\"M\(n(mx)) \(n(y))l4 7h-8z\"><title>\(e(HTMLText.seconds(seconds(mark.time)))) s: \(e(mark.text))</title></path>")
        }
        out.append("</g>")
        return out.joined(separator: "\n")
    }

    private func outage(_ b: FailoverBoundary, top: Double) -> String {
        let n = HTMLText.number
        let e = HTMLText.escape
        let style = VerdictStyle(b.verdict)
        var x0 = x(b.lastDataBefore), x1 = x(b.firstDataAfter)
        if x1 - x0 < 5 {
            let middle = (x0 + x1) / 2
            x0 = middle - 2.5
            x1 = middle + 2.5
        }
        let middle = (x0 + x1) / 2
        let duration = HTMLText.duration(b.dataOutageSeconds)
        var out: [String] = []
        out.append("<g class=\"tl-outage tl-\(style.cssClass)\" data-boundary=\"\(b.index)\" data-verdict=\"\(b.verdict.rawValue)\" data-outage=\"\(HTMLText.seconds(b.dataOutageSeconds))\">")
        out.append("<title>boundary \(b.index): \(e(b.before.description)) → \(e(b.after.description)): data outage \(e(duration)); \(style.word): \(e(b.explanation))</title>")
        out.append("<rect class=\"tl-band\" x=\"\(n(x0))\" y=\"\(n(top + 17))\" width=\"\(n(x1 - x0))\" height=\"\(n(40))\"/>")
        out.append("<text class=\"tl-duration\" x=\"\(n(middle))\" y=\"\(n(top + 14))\" text-anchor=\"middle\">outage \(e(duration))</text>")
        let markY = top + 71
        out.append(Self.marker(style, x: middle - 24, y: markY - 4))
        out.append("<text class=\"tl-verdict\" x=\"\(n(middle - 16))\" y=\"\(n(markY))\">\(style.word)</text>")
        out.append("</g>")
        return out.joined(separator: "\n")
    }

    /// A shape per verdict, so the legend and the rows agree without colour.
    static func marker(_ style: VerdictStyle, x: Double, y: Double) -> String {
        let n = HTMLText.number
        switch style.cssClass {
        case "kept": return "<circle class=\"tl-marker\" cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"4.5\"/>"
        case "broken": return "<path class=\"tl-marker\" d=\"M\(n(x - 4.5)) \(n(y - 4.5))l9 9m0 -9l-9 9\"/>"
        case "undetermined": return "<path class=\"tl-marker\" d=\"M\(n(x)) \(n(y - 5))l5 5l-5 5l-5 -5z\"/>"
        default: return "<path class=\"tl-marker\" d=\"M\(n(x - 5)) \(n(y))h10\"/>"
        }
    }

    private func legend(top: Double) -> String {
        let n = HTMLText.number
        var out = ["<g class=\"tl-legend\">"]
        out.append("<text class=\"tl-legend-title\" x=\"8\" y=\"\(n(top + 16))\">Legend</text>")
        var x = 80.0
        out.append("<rect class=\"tl-bar\" x=\"\(n(x))\" y=\"\(n(top + 4))\" width=\"60\" height=\"16\" rx=\"3\"/>")
        out.append("<text class=\"tl-legend-text\" x=\"\(n(x + 66))\" y=\"\(n(top + 16))\">episode, labelled with the address the host saw</text>")
        x += 370
        out.append("<path class=\"tl-reject\" d=\"M\(n(x + 6)) \(n(top + 6))l4 7h-8z\"/>")
        out.append("<text class=\"tl-legend-text\" x=\"\(n(x + 16))\" y=\"\(n(top + 16))\">REJECT or attempt without a bind</text>")
        var y = top + 36
        x = 80
        for verdict in [Verdict.kept, .broken, .undetermined, .unchecked] {
            let style = VerdictStyle(verdict)
            out.append("<g class=\"tl-key tl-\(style.cssClass)\">")
            out.append("<rect class=\"tl-band\" x=\"\(n(x))\" y=\"\(n(y - 11))\" width=\"22\" height=\"16\"/>")
            out.append(Self.marker(style, x: x + 34, y: y - 3))
            out.append("<text class=\"tl-legend-text\" x=\"\(n(x + 44))\" y=\"\(n(y + 1))\">\(style.legend)</text>")
            out.append("</g>")
            x += 250
            if x > Self.width - 200 { x = 80; y += 22 }
        }
        out.append("</g>")
        return out.joined(separator: "\n")
    }
}

/// How a verdict looks: a CSS class (colour and pattern), a glyph and a word.
struct VerdictStyle {
    var cssClass: String
    var glyph: String
    var word: String
    var legend: String

    init(_ verdict: Verdict) {
        switch verdict {
        case .kept: (cssClass, glyph, word, legend) = ("kept", "✓", "KEPT", "outage, promise kept (solid)")
        case .broken: (cssClass, glyph, word, legend) = ("broken", "✗", "BROKEN", "outage, promise broken (hatched)")
        case .undetermined: (cssClass, glyph, word, legend) = ("undetermined", "?", "UNDETERMINED", "outage, facts missing (dotted)")
        case .notFailover: (cssClass, glyph, word, legend) = ("unchecked", "–", "NOT A FAILOVER", "reconnect from the same node")
        case .unchecked: (cssClass, glyph, word, legend) = ("unchecked", "–", "NO PROMISE", "outage, no promise to check (outline)")
        }
    }
}
