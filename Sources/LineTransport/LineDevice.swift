/// Where a node reaches its end of a line: the `device` of a line's per-node section.
///
/// Accepted forms:
/// - `tcp:HOST:PORT` (or `tcp:[V6]:PORT`): a simulated line, HDLC-framed bytes over a TCP
///   connection, as the line switch device simulator offers them.
/// - `/dev/...`: a synchronous serial port (a tty, or a Linux generic-HDLC device in raw
///   mode). Recognised so the message is clear, but **serial devices are not supported in
///   this release**: `parse(device:)` refuses them with `LineDeviceError.serialNotSupported`.
///   A later `SerialLineTransport` only has to produce a NIO channel for the descriptor;
///   the HDLC handlers and everything above them stay as they are.
/// - `xot:HOST:PORT`: X.25 over TCP (RFC 1613) to a router or packet network; it carries
///   X.25 packets without LAPB and without a line switch. Opened with `XOTTransport`.
public enum LineDevice: Hashable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case xot(host: String, port: Int)

    /// Parses a device string from the definitions or the command line.
    public static func parse(device text: String) throws(LineDeviceError) -> LineDevice {
        let trimmed = String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
        if trimmed.isEmpty { throw .empty }
        if trimmed.hasPrefix("/dev/") || trimmed.hasPrefix("/") { throw .serialNotSupported(path: trimmed) }
        let lower = trimmed.lowercased()
        guard lower.hasPrefix("tcp:") || lower.hasPrefix("xot:") else { throw .unknownScheme(device: trimmed) }
        let rest = String(trimmed.dropFirst(4))
        let (host, port) = try parseHostPort(rest, device: trimmed)
        return lower.hasPrefix("xot:") ? .xot(host: host, port: port) : .tcp(host: host, port: port)
    }

    /// Splits `HOST:PORT` or `[V6]:PORT`.
    static func parseHostPort(_ text: String, device: String) throws(LineDeviceError) -> (String, Int) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badHost(device: device, host: text) }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { throw .missingPort(device: device) }
            portText = after.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(device: device) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw .badHost(device: device, host: String(host)) }
        }
        let allowed = host.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_" }
        guard !host.isEmpty, allowed else { throw .badHost(device: device, host: String(host)) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .badPort(device: device, port: String(portText))
        }
        return (String(host), port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        case .xot(let host, let port): return host.contains(":") ? "xot:[\(host)]:\(port)" : "xot:\(host):\(port)"
        }
    }

    /// Whether the device carries X.25 packets over TCP (XOT) rather than HDLC frames.
    public var isXOT: Bool {
        if case .xot = self { return true }
        return false
    }
}
