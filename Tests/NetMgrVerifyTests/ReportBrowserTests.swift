#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetMgrTestSupport
import NetMgrVerify
import Testing

/// The report of every committed capture, opened in a real browser (Debian's `chromium`,
/// headless). One Chromium process serves all the captures, driven over its DevTools pipe
/// (`--remote-debugging-pipe`): a process per page costs a second of CPU each, a page in a
/// running one a third of that. For each report: the page loads, its script has run, the
/// DOM holds one timeline row per terminal with the report's names and addresses, and the
/// screenshot is not blank (the variance of its pixels; the PNG decoded here, with python3's
/// zlib for the inflating).
@Suite("netmgr verify --html in a headless browser")
struct ReportBrowserTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "report-browser") }

    @Test("Chromium renders the report of every committed capture: screenshot not blank, one row per terminal")
    func rendered() async throws {
        let captures = ReportPage.captures
        #expect(captures.count >= 8, "the committed captures: \(captures)")
        let directory = self.directory
        let made = try await withThrowingTaskGroup(of: (String, ReportPage.Made).self) { group in
            for capture in captures { group.addTask { (capture, try await ReportPage.make(capture, in: directory)) } }
            return try await group.reduce(into: [String: ReportPage.Made]()) { $0[$1.0] = $1.1 }
        }
        let browser = try DevToolsBrowser(directory: directory)
        defer { browser.kill() }
        for capture in captures {
            let report = try #require(made[capture]).report
            let page = try await browser.render(try #require(made[capture]).path, width: 1200, height: 900, scale: 0.5, script: Self.clickOutageHeading)

            // The screenshot: there, the viewport at half scale, and not blank.
            let png = directory.file(capture + ".png")
            try page.screenshot.write(to: URL(fileURLWithPath: png))
            let image = try await PNGImage(path: png, in: directory)
            #expect(image.width == 600 && image.height == 450, "Captures/\(capture): \(image.width)×\(image.height)")
            let statistics = image.luminanceStatistics()
            #expect(statistics.standardDeviation > 20, "Captures/\(capture): screenshot looks blank (luminance σ \(statistics.standardDeviation))")
            #expect(statistics.colours >= 16, "Captures/\(capture): only \(statistics.colours) colours")

            // The DOM after the script ran.
            let dom = page.dom
            let rows = Self.matches(#"<g class="tl-row" id="tl-row-\d+" data-terminal="([^"]*)""#, in: dom)
            #expect(rows == report.terminals.map(\.name), "Captures/\(capture): timeline rows in the browser's DOM")
            let labels = Self.matches(#"<text class="tl-label"[^>]*>([^<]*)<title>"#, in: dom)
            #expect(labels.count == report.terminals.count, "Captures/\(capture): row labels")
            for (label, terminal) in zip(labels, report.terminals) {
                #expect(label == terminal.name || (label.hasSuffix("…") && terminal.name.hasPrefix(String(label.dropLast()))), "row label \(label)")
            }
            let addresses = Self.matches(#"<g class="tl-episode" data-episode="\d+" data-address="([^"]*)""#, in: dom)
            #expect(addresses == report.terminals.flatMap { $0.episodes.map(\.address.description) }, "Captures/\(capture): episode bars")
            let sortable = Self.matches(#"<table class="sortable[^"]*"[^>]*data-sortable="(ready)""#, in: dom)
            let tables = Self.matches(#"<table class="(sortable)"#, in: dom)
            #expect(!tables.isEmpty && sortable.count == tables.count, "Captures/\(capture): the script wired \(sortable.count) of \(tables.count) tables")

            // Sorting by a click: ascending, then descending, numbers as numbers.
            let clicked = try #require(page.scripted, "Captures/\(capture): the click script returned nothing")
            let parts = clicked.split(separator: "|", maxSplits: 1)
            #expect(parts.first == "Longest outage s")
            let columns = try JSONDecoder().decode([[String]].self, from: Data(parts.last!.utf8))
            let outages = report.terminals.map { $0.boundaries.map(\.dataOutageSeconds).max() }.map { $0.map { String(format: "%.3f", $0) } ?? "-" }
            let numbers = outages.compactMap(Double.init).sorted()
            #expect(columns.count == 2 && columns[0].compactMap(Double.init) == numbers, "Captures/\(capture): ascending \(columns)")
            #expect(columns.count == 2 && columns[1].compactMap(Double.init) == numbers.reversed(), "Captures/\(capture): descending \(columns)")
        }
        try await browser.close()
    }

    /// Clicks the terminals table's "Longest outage s" heading twice, as a person would, and
    /// returns the column after each click: JSON [[first click], [second click]].
    static let clickOutageHeading = """
        (function () {
          var table = document.getElementById("terminals-table"), heading = table.tHead.rows[0].cells[6], seen = [];
          for (var i = 0; i < 2; i++) {
            heading.click();
            seen.push(Array.prototype.map.call(table.tBodies[0].rows, function (row) { return row.cells[6].textContent; }));
          }
          return heading.textContent + "|" + JSON.stringify(seen);
        })()
        """

    static func matches(_ pattern: String, in text: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: pattern)
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            ReportPage.unescape(String(text[Range($0.range(at: 1), in: text)!]))
        }
    }
}

/// Headless Chromium driven over its DevTools pipe: it reads commands (JSON, each ended by
/// a NUL) on descriptor 3 and writes answers and events on 4. It runs in a process group of
/// its own; `kill` ends the whole group by its id (on a deadline, or a failed test), and
/// every wait has a deadline. Reads poll a non-blocking pipe: no thread of the cooperative
/// pool is held.
final class DevToolsBrowser {
    struct Failure: Error, CustomStringConvertible { var description: String }

    struct Page {
        var dom: String
        var screenshot: Data
        /// What `script` (run last, in the page) returned as a string.
        var scripted: String?
    }

    static let deadline: Duration = .seconds(30)

    let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private var pending: [UInt8] = []
    private var messages: [[String: Any]] = []
    private var nextID = 0
    private var exited = false

    init(directory: TemporaryDirectory) throws {
        var toBrowser: [Int32] = [-1, -1], fromBrowser: [Int32] = [-1, -1]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        for fd in toBrowser + fromBrowser { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, directory.file("chromium.log"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        guard addCloseFrom(&actions, 5) == 0 else { throw Failure(description: "posix_spawn_file_actions_addclosefrom_np failed") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        setShellSignals(&attributes, newProcessGroup: true)
        let arguments = [
            "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--mute-audio", "--remote-debugging-pipe", "--user-data-dir=" + directory.file("chromium-profile"), "about:blank",
        ]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], &actions, &attributes, argv, environ)
        Glibc.close(toBrowser[0])
        Glibc.close(fromBrowser[1])
        guard rc == 0 else {
            Glibc.close(toBrowser[1])
            Glibc.close(fromBrowser[0])
            throw Failure(description: "posix_spawn chromium: \(String(cString: strerror(rc)))")
        }
        pid = child
        commands = toBrowser[1]
        answers = fromBrowser[0]
        _ = fcntl(answers, F_SETFL, fcntl(answers, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        kill()
        Glibc.close(commands)
        Glibc.close(answers)
    }

    /// Kills the browser's whole process group (by its id) and reaps it.
    func kill() {
        guard !exited else { return }
        Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}  // SIGKILLed: at once
        exited = true
    }

    /// Asks the browser to close, and waits for it to exit (killed past the deadline).
    func close() async throws {
        _ = try send("Browser.close")
        let deadline = ContinuousClock.now + Self.deadline
        var status: Int32 = 0
        while !exited {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) {
                exited = true
            } else if ContinuousClock.now >= deadline {
                kill()
                throw Failure(description: "chromium did not exit within \(Self.deadline) of Browser.close")
            } else {
                try? await Task.sleep(for: .milliseconds(10))  // polling the child, under a deadline
            }
        }
        Glibc.kill(-pid, SIGKILL)  // helpers of the group still about (none, normally)
    }

    /// Opens `file` in a new tab of `width`×`height`, waits for its load event, and returns
    /// the DOM then and a screenshot of the viewport (scaled by `scale`).
    func render(_ file: String, width: Int, height: Int, scale: Double, script: String? = nil) async throws -> Page {
        let target = try await call("Target.createTarget", ["url": "about:blank"])["targetId"] as? String ?? ""
        let session = try await call("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as? String ?? ""
        _ = try await call("Page.enable", session: session)
        _ = try await call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false], session: session)
        _ = try await call("Page.navigate", ["url": URL(fileURLWithPath: file).absoluteString], session: session)
        _ = try await message { $0["method"] as? String == "Page.loadEventFired" && $0["sessionId"] as? String == session }
        let evaluated = try await call("Runtime.evaluate", ["expression": "document.documentElement.outerHTML", "returnByValue": true], session: session)
        let dom = (evaluated["result"] as? [String: Any])?["value"] as? String ?? ""
        let clip: [String: Any] = ["x": 0, "y": 0, "width": width, "height": height, "scale": scale]
        let shot = try await call("Page.captureScreenshot", ["format": "png", "clip": clip], session: session)
        var scripted: String?
        if let script {
            let result = try await call("Runtime.evaluate", ["expression": script, "returnByValue": true], session: session)
            scripted = (result["result"] as? [String: Any])?["value"] as? String
        }
        _ = try await call("Target.closeTarget", ["targetId": target])
        guard let data = (shot["data"] as? String).flatMap({ Data(base64Encoded: $0) }) else { throw Failure(description: "\(file): no screenshot") }
        return Page(dom: dom, screenshot: data, scripted: scripted)
    }

    private func send(_ method: String, _ parameters: [String: Any] = [:], session: String? = nil) throws -> Int {
        nextID += 1
        var command: [String: Any] = ["id": nextID, "method": method, "params": parameters]
        if let session { command["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: command)) + [0]
        while !bytes.isEmpty {
            let written = write(commands, bytes, bytes.count)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "\(method): writing to chromium: \(String(cString: strerror(errno)))")
            }
            bytes.removeFirst(written)
        }
        return nextID
    }

    private func call(_ method: String, _ parameters: [String: Any] = [:], session: String? = nil) async throws -> [String: Any] {
        let id = try send(method, parameters, session: session)
        let answer = try await message { $0["id"] as? Int == id }
        if let error = answer["error"] { throw Failure(description: "\(method): \(error)") }
        return answer["result"] as? [String: Any] ?? [:]
    }

    /// The first message (kept or new) that `matches`, within the deadline.
    private func message(_ matches: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + Self.deadline
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let index = messages.firstIndex(where: matches) { return messages.remove(at: index) }
            let n = read(answers, &buffer, buffer.count)
            if n > 0 {
                pending += buffer[0..<n]
                while let end = pending.firstIndex(of: 0) {
                    let object = try JSONSerialization.jsonObject(with: Data(pending[..<end]))
                    pending.removeSubrange(...end)
                    if let object = object as? [String: Any] { messages.append(object) }
                }
                continue
            }
            if n == 0 { throw Failure(description: "chromium closed its DevTools pipe") }
            guard errno == EAGAIN || errno == EINTR else { throw Failure(description: "reading from chromium: \(String(cString: strerror(errno)))") }
            guard ContinuousClock.now < deadline else {
                kill()
                throw Failure(description: "no answer from chromium within \(Self.deadline)")
            }
            try? await Task.sleep(for: .milliseconds(5))  // polling the pipe, under a deadline
        }
    }
}

/// Enough of a PNG to judge a screenshot: 8-bit RGB or RGBA, not interlaced. The image
/// data is inflated by python3's zlib, and unfiltered here.
struct PNGImage {
    struct Failure: Error, CustomStringConvertible { var description: String }

    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    init(path: String, in directory: TemporaryDirectory) async throws {
        let bytes = try PcapBytes.read(path)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Failure(description: "\(path): not a PNG")
        }
        func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var offset = 8
        var header: [UInt8] = []
        var compressed: [UInt8] = []
        while offset + 12 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            guard length >= 0, offset + 12 + length <= bytes.count else { throw Failure(description: "\(path): chunk \(type) runs past the end") }
            let data = bytes[offset + 8..<offset + 8 + length]
            if type == "IHDR" { header = Array(data) }
            if type == "IDAT" { compressed += data }
            offset += 12 + length
            if type == "IEND" { break }
        }
        guard header.count == 13 else { throw Failure(description: "\(path): no IHDR") }
        width = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        height = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
        guard header[8] == 8, header[9] == 2 || header[9] == 6, header[12] == 0 else {
            throw Failure(description: "\(path): bit depth \(header[8]), colour type \(header[9]), interlace \(header[12]): not handled")
        }
        channels = header[9] == 6 ? 4 : 3
        let packed = directory.file((path as NSString).lastPathComponent + ".zlib"), raw = packed + ".raw"
        try PcapBytes.write(compressed, to: packed)
        let inflate = try await runProcess(
            "/usr/bin/python3", ["-c", "import sys, zlib; open(sys.argv[2], 'wb').write(zlib.decompress(open(sys.argv[1], 'rb').read()))", packed, raw],
            timeout: .seconds(20))
        guard inflate.status == 0 else { throw Failure(description: "python3 zlib: \(inflate.standardError)") }
        let filtered = try PcapBytes.read(raw)
        let stride = width * channels
        guard filtered.count == height * (stride + 1) else { throw Failure(description: "\(path): \(filtered.count) bytes of image data, expected \(height * (stride + 1))") }
        pixels = try Self.unfilter(filtered, height: height, stride: stride, bytesPerPixel: channels)
    }

    /// Undoes the per-row filters (None, Sub, Up, Average, Paeth: PNG spec §9).
    static func unfilter(_ data: [UInt8], height: Int, stride: Int, bytesPerPixel bpp: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: height * stride)
        try out.withUnsafeMutableBufferPointer { o in
            try data.withUnsafeBufferPointer { d in
                // One loop per filter type: this runs unoptimised in a debug build.
                for y in 0..<height {
                    let filter = d[y * (stride + 1)]
                    let src = y * (stride + 1) + 1, row = y * stride, previous = row - stride
                    switch filter {
                    case 0:
                        for i in 0..<stride { o[row + i] = d[src + i] }
                    case 1:
                        for i in 0..<stride { o[row + i] = d[src + i] &+ (i >= bpp ? o[row + i - bpp] : 0) }
                    case 2:
                        if y == 0 {
                            for i in 0..<stride { o[row + i] = d[src + i] }
                        } else {
                            for i in 0..<stride { o[row + i] = d[src + i] &+ o[previous + i] }
                        }
                    case 3, 4:
                        for i in 0..<stride {
                            let a = i >= bpp ? Int(o[row + i - bpp]) : 0
                            let b = y > 0 ? Int(o[previous + i]) : 0
                            let c = i >= bpp && y > 0 ? Int(o[previous + i - bpp]) : 0
                            let predictor: Int
                            if filter == 3 {
                                predictor = (a + b) / 2
                            } else {
                                let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                                predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                            }
                            o[row + i] = d[src + i] &+ UInt8(truncatingIfNeeded: predictor)
                        }
                    default: throw Failure(description: "row \(y): filter type \(filter)")
                    }
                }
            }
        }
        return out
    }

    /// The standard deviation of the pixels' luminance (0-255), and how many of the 4096
    /// colour cells (4 bits per channel) hold a pixel.
    func luminanceStatistics() -> (standardDeviation: Double, colours: Int) {
        var sum = 0, squares = 0
        var cells = [Bool](repeating: false, count: 4096)
        let count = width * height
        pixels.withUnsafeBufferPointer { p in
            var i = 0
            while i < count * channels {
                let r = Int(p[i]), g = Int(p[i + 1]), b = Int(p[i + 2])
                let y = (77 * r + 150 * g + 29 * b) >> 8
                sum += y
                squares += y * y
                cells[(r >> 4) << 8 | (g >> 4) << 4 | b >> 4] = true
                i += channels
            }
        }
        let mean = Double(sum) / Double(max(count, 1))
        let variance = Double(squares) / Double(max(count, 1)) - mean * mean
        return (max(variance, 0).squareRoot(), cells.filter { $0 }.count)
    }
}
