/// Text for the HTML report. Every string that came from a capture or the command line
/// goes through `escape` before it is written into an element or a (double-quoted)
/// attribute, so a hostile capture (an LU name `<script>…`) stays text. The output is also
/// well-formed XML: characters XML or HTML forbid (C0/C1 controls, noncharacters) become
/// U+FFFD.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                out.unicodeScalars.append(isAllowed(scalar) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    /// Allowed in both XML 1.0 character data and HTML5 input without a parse error.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return false }
        if (0xFDD0...0xFDEF).contains(v) { return false }
        if v & 0xFFFE == 0xFFFE { return false }  // U+xFFFE, U+xFFFF in every plane
        return true
    }

    /// At most `limit` characters: longer text ends in "…" (the full text goes in a title).
    static func truncate(_ text: String, to limit: Int) -> String {
        guard limit > 1, text.count > limit else { return limit <= 1 && text.count > 1 ? "…" : text }
        return String(text.prefix(limit - 1)) + "…"
    }

    /// A coordinate or length for SVG: one decimal, never NaN or huge.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let clamped = min(max(value, -1e6), 1e6)
        let tenths = Int((clamped * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    /// Seconds with milliseconds ("0.268"), as the text report writes them; "-" for none.
    static func seconds(_ value: Double?) -> String {
        guard let value, value.isFinite, abs(value) < 1e12 else { return "-" }
        return format(value)
    }

    /// A span for people: "0.268 s", "12.5 s", "3m 20s", "2h 05m".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 10 { return format(seconds) + " s" }
        if seconds < 120 {
            let tenths = Int((seconds * 10).rounded())
            return "\(tenths / 10).\(tenths % 10) s"
        }
        let whole = Int(min(seconds, 1e12).rounded())
        if whole < 7200 { return "\(whole / 60)m \(two(whole % 60))s" }
        return "\(whole / 3600)h \(two(whole % 3600 / 60))m"
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
