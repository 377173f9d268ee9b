#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// `netmgr verify --html`: the page made from every committed capture is valid HTML and
/// well-formed XML, holds the verdict, one timeline row per terminal and the tables, fetches
/// nothing, escapes what the capture says, and is written whole or not at all.
@Suite("netmgr verify --html: the report page")
struct ReportHTMLTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "report-html") }

    @Test("each committed capture: valid HTML, well-formed XML, one timeline row per terminal", arguments: ReportPage.captures)
    func committedCapture(capture: String) async throws {
        let made = try await ReportPage.make(capture, in: directory)
        let report = made.report
        let htmlErrors = try await ReportPage.htmlErrors(made.path)
        #expect(htmlErrors == [], "Captures/\(capture): xmllint --html")
        let xmlErrors = try await ReportPage.xmlErrors(made.path)
        #expect(xmlErrors == "", "Captures/\(capture): xmllint (XML)")
        #expect(ReportPage.externalReferences(made.html) == [], "Captures/\(capture): the page must not refer to anything outside it")

        // The verdict in the title and the first heading.
        let word = ["kept": "KEPT", "broken": "BROKEN", "no-failover": "NO FAILOVER", "facts-only": "FACTS ONLY"][report.summary.verdict]!
        let title = try await ReportPage.xpath(made.path, "string(/html/head/title)")
        #expect(title.hasPrefix("\(word): \(report.summary.message)"), "title: \(title)")
        let heading = try await ReportPage.xpath(made.path, "string((//h1)[1])")
        #expect(heading == "\(word) \(report.summary.message)", "h1: \(heading)")

        // One row per terminal, in the report's order, named as the report names it; each
        // episode a bar labelled with the address the host saw; each boundary an outage.
        let rows = try await ReportPage.xpath(made.path, "count(//g[@class='tl-row'])")
        #expect(rows == "\(report.terminals.count)", "Captures/\(capture): timeline rows")
        #expect(report.terminals.count > 0)
        let names = ReportPage.attributeValues(try await ReportPage.xpath(made.path, "//g[@class='tl-row']/@data-terminal"), name: "data-terminal")
        #expect(names == report.terminals.map(\.name))
        for (index, terminal) in report.terminals.enumerated() {
            let row = "//g[@class='tl-row'][\(index + 1)]"
            let addresses = ReportPage.attributeValues(try await ReportPage.xpath(made.path, "\(row)/g[@class='tl-episode']/@data-address"), name: "data-address")
            #expect(addresses == terminal.episodes.map(\.address.description), "\(terminal.name): episode bars")
            let outages = ReportPage.attributeValues(try await ReportPage.xpath(made.path, "\(row)/g[contains(@class,'tl-outage')]/@data-verdict"), name: "data-verdict")
            #expect(outages == terminal.boundaries.map(\.verdict.rawValue), "\(terminal.name): outage bands")
            let label = try await ReportPage.xpath(made.path, "string(\(row)/text[@class='tl-label'])")
            #expect(label.hasPrefix(String(terminal.name.prefix(20))), "\(terminal.name): row label \(label)")
        }
        // The summary and the tables: one boundaries table per terminal that has boundaries.
        for key in ["Promises", "Boundaries", "Capture span", "Definitions", "Expect"] {
            #expect(try await ReportPage.xpath(made.path, "count(//table[@id='summary']//th[.='\(key)'])") == "1", "summary: \(key)")
        }
        let tables = try await ReportPage.xpath(made.path, "count(//table[contains(@class,'boundaries')])")
        #expect(tables == "\(report.terminals.filter { !$0.boundaries.isEmpty }.count)")
        let overviewRows = try await ReportPage.xpath(made.path, "count(//table[@id='terminals-table']/tbody/tr)")
        #expect(overviewRows == "\(report.terminals.count)")
    }

    @Test("--expect same on a △ capture: BROKEN in the title, the heading and the hatched band; exit 1")
    func expectBroken() async throws {
        let made = try await ReportPage.make("own-address-none-failover.pcap", options: ["--expect", "same"], in: directory)
        #expect(made.result.status == 1)
        #expect(made.report.expect == "same" && made.report.summary.verdict == "broken")
        let htmlErrors = try await ReportPage.htmlErrors(made.path)
        #expect(htmlErrors == [])
        let xmlErrors = try await ReportPage.xmlErrors(made.path)
        #expect(xmlErrors == "")
        #expect(try await ReportPage.xpath(made.path, "string(/html/head/title)").hasPrefix("BROKEN: "))
        #expect(try await ReportPage.xpath(made.path, "string(//h1/span)") == "BROKEN")
        #expect(try await ReportPage.xpath(made.path, "count(//g[@class='tl-outage tl-broken'])") == "2")
        // The overview's row and the boundaries table's row of each of the two terminals.
        #expect(try await ReportPage.xpath(made.path, "count(//td[@class='verdict broken'])") == "4")
        #expect(made.html.contains("<code>--expect same</code>"))
        #expect(made.html.contains("✗ BROKEN"))
    }

    @Test("a hostile capture's strings stay text: <script> in names, notes, paths, reasons")
    func hostileStrings() async throws {
        // A report as the model allows it, every free-text field set to markup.
        let hostile = "<script>alert(1)</script>\"'&<img src=x onerror=alert(2)>\u{1}\u{7F}\u{FFFE}"
        var report = try VerificationReport.decode(json: Data(contentsOf: URL(fileURLWithPath: ReportPage.root + "/Captures/device-in-use-retry.expected.json")))
        report.capture.path = hostile
        report.definitions = hostile
        report.expect = hostile
        report.notes = [hostile]
        report.summary.message = hostile
        report.hosts[0].endpoint.address = hostile
        for t in report.terminals.indices {
            report.terminals[t].name = hostile + " \(t)"
            report.terminals[t].lu = hostile
            report.terminals[t].notes = [hostile]
            report.terminals[t].promise?.reason = hostile
            report.terminals[t].promise?.resource = hostile
            for e in report.terminals[t].episodes.indices {
                report.terminals[t].episodes[e].address.ip = hostile
                report.terminals[t].episodes[e].endReason = hostile
            }
            for b in report.terminals[t].boundaries.indices {
                report.terminals[t].boundaries[b].explanation = hostile
                report.terminals[t].boundaries[b].notes = [hostile]
                report.terminals[t].boundaries[b].reasonsBetween = [hostile]
                report.terminals[t].boundaries[b].before.ip = hostile
            }
        }
        for c in report.connections.indices {
            for r in report.connections[c].rejects.indices { report.connections[c].rejects[r].reason = hostile }
        }
        let html = ReportHTML().render(report)
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img"))
        #expect(html.components(separatedBy: "<script").count == 2, "only the page's own script")
        #expect(!html.unicodeScalars.contains { $0.value == 1 || $0.value == 0x7F || $0.value == 0xFFFE })
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"))
        let path = directory.file("hostile.html")
        try html.write(toFile: path, atomically: false, encoding: .utf8)
        let xmlErrors = try await ReportPage.xmlErrors(path)
        #expect(xmlErrors == "")
        let htmlErrors = try await ReportPage.htmlErrors(path)
        #expect(htmlErrors == [])
        // Parsed back, the name is the text it was (bar the characters XML cannot hold).
        let names = ReportPage.attributeValues(try await ReportPage.xpath(path, "//g[@class='tl-row']/@data-terminal"), name: "data-terminal")
        let shown = "<script>alert(1)</script>\"'&<img src=x onerror=alert(2)>\u{FFFD}\u{FFFD}\u{FFFD}"
        #expect(names == report.terminals.indices.map { "\(shown) \($0)" })
        #expect(try await ReportPage.xpath(path, "count(//script)") == "1")
    }

    @Test("a report with no terminal still renders a valid page")
    func emptyReport() async throws {
        var report = try VerificationReport.decode(json: Data(contentsOf: URL(fileURLWithPath: ReportPage.root + "/Captures/vip-failover.expected.json")))
        report.terminals = []
        report.capture.firstPacket = nil
        report.capture.lastPacket = nil
        let path = directory.file("empty.html")
        try ReportHTML().render(report).write(toFile: path, atomically: false, encoding: .utf8)
        let xmlErrors = try await ReportPage.xmlErrors(path)
        #expect(xmlErrors == "")
        let htmlErrors = try await ReportPage.htmlErrors(path)
        #expect(htmlErrors == [])
        #expect(try await ReportPage.xpath(path, "count(//g[@class='tl-row'])") == "0")
    }

    // MARK: - Writing the file

    @Test("--html into a directory that does not exist: exit 3 before reading, the message names the path")
    func missingDirectory() async throws {
        let target = directory.file("no/such/dir/report.html")
        let capture = ReportPage.root + "/Captures/vip-failover.pcap"
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["verify", "--html", target, capture], timeout: .seconds(30))
        #expect(result.status == 3)
        #expect(result.standardError.contains("error: --html \(target): cannot create a file in \(directory.file("no/such/dir")): No such file or directory"), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.file("no")))
    }

    @Test("--html naming a directory: the report is printed, exit 3, no temporary file left")
    func targetIsDirectory() async throws {
        let target = directory.file("taken")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        let capture = ReportPage.root + "/Captures/vip-failover.pcap"
        let result = try await runProcess(BuiltProducts.path("netmgr"), ["verify", "--html", target, capture], timeout: .seconds(30))
        #expect(result.status == 3)
        #expect(result.standardError.contains("error: --html \(target): cannot replace: Is a directory"), "\(result.standardError)")
        #expect(result.standardOutput.contains("Result: 4 failover boundaries seen"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["taken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == [])
    }

    @Test("AtomicReportFile: replaces the file in one step, leaves nothing behind on discard or failure")
    func atomicFile() throws {
        let path = directory.file("r.html")
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        let file = try AtomicReportFile(path: path)
        #expect(file.temporaryPath.hasPrefix(directory.file(".r.html.")))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old", "untouched until the commit")
        try file.commit("new report")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new report")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["r.html"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let mask = umask(0)
        umask(mask)
        #expect(mode == 0o666 & ~Int(mask), "as readable as any new file, not 0600")

        do {
            let dropped = try AtomicReportFile(path: directory.file("never.html"))
            #expect(FileManager.default.fileExists(atPath: dropped.temporaryPath))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["r.html"], "dropped without a commit: removed")

        let parentIsFile = directory.file("r.html/x.html")
        #expect(throws: ReportFileError(path: parentIsFile, reason: "cannot create a file in \(path): Not a directory")) {
            try AtomicReportFile(path: parentIsFile)
        }
        #expect(throws: ReportFileError(path: directory.path + "/", reason: "names a directory, not a file")) {
            try AtomicReportFile(path: directory.path + "/")
        }
    }
}
