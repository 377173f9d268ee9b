#if canImport(Glibc)
import Glibc
#endif

/// Where the verifier's read loop reports how far it is. Called every
/// `VerifyProgress.packetsPerCheck` packets, never per packet; `terminals` counts the
/// terminals seen so far and is only worth calling when something will be drawn.
public protocol VerifyProgressSink: AnyObject {
    func read(bytes: Int64, packets: Int, terminals: () -> Int)
}

/// The progress line `netmgr verify` draws on standard error while it reads a large
/// capture: whether to draw, when to redraw, and what it says. A value with no clock of its
/// own (the caller passes the time), so tests drive it with made-up times and sizes.
///
///     verify: 512.0 MB of 1.10 GB (46%), 1234567 packets, 1000 terminals, ETA 1m 23s
///
/// It is redrawn in place (`\r`, padded over the previous one) at most once per `interval`
/// and cleared at the end. Nothing is drawn unless standard error is a terminal and the
/// capture is a file of known size (not standard input, not a pipe).
public struct VerifyProgress: Sendable {
    /// The read loop offers a sample every this many packets (a power of two).
    public static let packetsPerCheck = 1024
    /// At most ~4 redraws a second.
    public static let interval: Duration = .milliseconds(250)
    /// No ETA before this much time has passed: early rates say little.
    public static let etaAfter: Duration = .seconds(1)

    public let totalBytes: Int64
    public let startedAt: Duration
    /// The terminal's width; the line is cut to one less so it never wraps.
    public let columns: Int
    private var lastDrawn: Duration?
    private var drawnWidth = 0

    public init(totalBytes: Int64, startedAt: Duration, columns: Int = 80) {
        self.totalBytes = max(totalBytes, 1)
        self.startedAt = startedAt
        self.columns = max(columns, 20)
    }

    /// Progress is for a person watching a terminal reading a file.
    public static func isWanted(stderrIsTerminal: Bool, capturePath: String, fileSize: Int64?) -> Bool {
        guard stderrIsTerminal, capturePath != "-", let fileSize else { return false }
        return fileSize > 0
    }

    /// What to write to the terminal now, or nil when the last draw was less than
    /// `interval` ago.
    public mutating func update(at now: Duration, bytes: Int64, packets: Int, terminals: () -> Int) -> String? {
        if let lastDrawn, now - lastDrawn < Self.interval { return nil }
        lastDrawn = now
        var line = Self.line(bytes: bytes, totalBytes: totalBytes, packets: packets, terminals: terminals(), elapsed: now - startedAt)
        if line.count > columns - 1 { line = String(line.prefix(columns - 1)) }
        let padding = max(drawnWidth - line.count, 0)
        drawnWidth = line.count
        return "\r" + line + String(repeating: " ", count: padding)
    }

    /// Blanks the line drawn last (empty when nothing was drawn), leaving the cursor at
    /// the start of the line for what is printed next.
    public mutating func finish() -> String {
        guard drawnWidth > 0 else { return "" }
        defer { drawnWidth = 0; lastDrawn = nil }
        return "\r" + String(repeating: " ", count: drawnWidth) + "\r"
    }

    /// "verify: 512.0 MB of 1.10 GB (46%), 1234567 packets, 1000 terminals, ETA 1m 23s".
    public static func line(bytes: Int64, totalBytes: Int64, packets: Int, terminals: Int, elapsed: Duration) -> String {
        let total = max(totalBytes, 1)
        let done = min(max(bytes, 0), total)
        let percent = Int(done * 100 / total)
        var text = "verify: \(size(done)) of \(size(total)) (\(percent)%), \(packets) packet\(packets == 1 ? "" : "s"), "
            + "\(terminals) terminal\(terminals == 1 ? "" : "s"), ETA "
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if elapsed >= etaAfter, done > 0, seconds.isFinite {
            let remaining = seconds * Double(total - done) / Double(done)
            text += eta(remaining)
        } else {
            text += "--"
        }
        return text
    }

    /// "812 B", "81.2 kB", "1.60 MB", "12.3 MB", "1.10 GB" (powers of 1000, as `ls -h --si`).
    static func size(_ bytes: Int64) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        let units = ["kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        if unit >= 1, value < 10 {
            let hundredths = Int((value * 100).rounded())
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(units[unit])"
        }
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// "5 s", "1m 23s", "2h 05m".
    static func eta(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let whole = Int(min(seconds, 359_999).rounded(.up))
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60)m \(whole % 60 < 10 ? "0" : "")\(whole % 60)s" }
        return "\(whole / 3600)h \(whole % 3600 / 60 < 10 ? "0" : "")\(whole % 3600 / 60)m"
    }
}

/// Draws `VerifyProgress` on a terminal (standard error): the sink `netmgr verify` hands
/// the verifier when `VerifyProgress.isWanted`.
public final class VerifyProgressPrinter: VerifyProgressSink {
    private var progress: VerifyProgress
    private let fd: Int32
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    public init(totalBytes: Int64, fd: Int32 = 2) {
        self.fd = fd
        start = clock.now
        var size = winsize()
        let columns = ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        progress = VerifyProgress(totalBytes: totalBytes, startedAt: .zero, columns: columns)
    }

    public func read(bytes: Int64, packets: Int, terminals: () -> Int) {
        if let text = progress.update(at: clock.now - start, bytes: bytes, packets: packets, terminals: terminals) { write(text) }
    }

    /// Clears the line; call before printing anything else.
    public func finish() { write(progress.finish()) }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return  // progress is best effort
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
