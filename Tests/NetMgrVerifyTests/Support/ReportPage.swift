#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// The committed captures and the HTML report `netmgr verify --html` makes of them, with
/// xmllint checks that the page is HTML and well-formed XML (XHTML-compatible HTML5).
enum ReportPage {
    static let root = BuiltProducts.packageRoot.path

    /// Captures/NAME.pcap(ng), sorted.
    static var captures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Captures")) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }

    /// The options the golden test uses for a capture (Captures/NAME.args).
    static func arguments(for capture: String) -> [String] {
        let stem = String(capture[..<capture.lastIndex(of: ".")!])
        let text = (try? String(contentsOfFile: root + "/Captures/" + stem + ".args", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    struct Made {
        var report: VerificationReport
        var html: String
        var path: String
        var result: ProcessResult
    }

    /// Runs `netmgr verify --json --html DIR/NAME.html OPTIONS Captures/NAME` from the package
    /// root (as the golden test does) and reads back both outputs.
    static func make(_ capture: String, options: [String]? = nil, in directory: TemporaryDirectory) async throws -> Made {
        let out = directory.file(capture + ".html")
        let script = "cd \"$0\" && exec \"$@\""
        let result = try await runProcess(
            "/bin/sh", ["-c", script, root, BuiltProducts.path("netmgr"), "verify", "--json", "--html", out]
                + (options ?? arguments(for: capture)) + ["Captures/" + capture], timeout: .seconds(30))
        let report = try #require(
            try? VerificationReport.decode(json: Data(result.standardOutput.utf8)), "Captures/\(capture): no report (exit \(result.status)): \(result.standardError)")
        #expect(result.status == report.summary.exitCode, "\(result.standardError)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        return Made(report: report, html: html, path: out, result: result)
    }

    // MARK: - xmllint

    /// Elements libxml2 2.9's HTML parser (an HTML 4 one) does not know: it says "Tag X
    /// invalid" for them and parses them all the same. These, and only these, are allowed.
    static let newerElements: Set<String> = [
        "section", "svg", "title", "defs", "pattern", "rect", "line", "circle", "path", "g", "text",
    ]

    /// `xmllint --html --noout`: the HTML parser's complaints other than unknown HTML5/SVG
    /// element names.
    static func htmlErrors(_ path: String) async throws -> [String] {
        let result = try await runProcess("xmllint", ["--html", "--noout", path], timeout: .seconds(20))
        var errors: [String] = []
        let invalidTag = try NSRegularExpression(pattern: #"HTML parser error : Tag ([A-Za-z0-9]+) invalid"#)
        // Each complaint is a line "FILE:LINE: HTML parser error : TEXT", then the source line
        // and a caret line, which are not looked at.
        for line in result.standardError.split(separator: "\n") where line.contains(": HTML parser ") {
            let text = String(line)
            let range = NSRange(text.startIndex..., in: text)
            if let match = invalidTag.firstMatch(in: text, range: range), newerElements.contains(String(text[Range(match.range(at: 1), in: text)!])) {
                continue
            }
            errors.append(text)
        }
        if result.status != 0 { errors.append("xmllint --html exited \(result.status)") }
        return errors
    }

    /// `xmllint --noout`: every complaint of the XML parser (none for well-formed XHTML).
    static func xmlErrors(_ path: String) async throws -> String {
        let result = try await runProcess("xmllint", ["--noout", path], timeout: .seconds(20))
        return result.status == 0 ? result.standardError : "exit \(result.status): \(result.standardError)"
    }

    /// `xmllint --xpath EXPR` on the page as XML.
    static func xpath(_ path: String, _ expression: String) async throws -> String {
        let result = try await runProcess("xmllint", ["--xpath", expression, path], timeout: .seconds(20))
        // Numbers come with a newline after them, strings without.
        return result.standardOutput.hasSuffix("\n") ? String(result.standardOutput.dropLast()) : result.standardOutput
    }

    /// Every value of an attribute that `xmllint --xpath '…/@name'` prints (` name="v"` each).
    static func attributeValues(_ output: String, name: String) -> [String] {
        output.components(separatedBy: " \(name)=\"").dropFirst().map { piece in
            unescape(String(piece[..<(piece.lastIndex(of: "\"") ?? piece.endIndex)]))
        }
    }

    /// Undoes the escapes a serialiser (xmllint, Chromium's DOM dump) writes.
    static func unescape(_ text: String) -> String {
        var text = text
        let reference = try! NSRegularExpression(pattern: "&#(x[0-9A-Fa-f]+|[0-9]+);")
        for match in reference.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            let range = Range(match.range, in: text)!, digits = text[Range(match.range(at: 1), in: text)!]
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            guard let value, let scalar = Unicode.Scalar(value), value != 0x26 else { continue }  // &#38; stays for the last step
            text.replaceSubrange(range, with: String(Character(scalar)))
        }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&#10;", with: "\n").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// What could make the page fetch anything: a URL, an external resource, an import.
    static func externalReferences(_ html: String) -> [String] {
        let patterns = [
            #"(?i)https?:"#, #"(?i)\b(?:src|action|srcset|xlink:href|data)\s*=\s*""#, #"(?i)href\s*=\s*"(?!#)"#,
            #"(?i)url\(\s*(?!#)"#, #"(?i)@import"#, #"(?i)<(?:link|img|iframe|object|embed|base|audio|video|source)\b"#,
            #"(?i)\bfetch\(|XMLHttpRequest|import\("#,
        ]
        var found: [String] = []
        for pattern in patterns {
            let expression = try! NSRegularExpression(pattern: pattern)
            for match in expression.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
                let range = Range(match.range, in: html)!
                let start = html.index(range.lowerBound, offsetBy: -20, limitedBy: html.startIndex) ?? html.startIndex
                let end = html.index(range.upperBound, offsetBy: 30, limitedBy: html.endIndex) ?? html.endIndex
                found.append(String(html[start..<end]))
            }
        }
        return found
    }
}
