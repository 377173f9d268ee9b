/// Where a node reaches its end of a line: the `device` of a line's per-node section.
///
/// Accepted forms:
/// - `tcp:HOST:PORT` (or `tcp:[V6]:PORT`): a simulated line, HDLC-framed bytes over a TCP
///   connection, as the line switch device simulator offers them.
/// - `tty:PATH[@SPEED[,rtscts]]`: a serial port (a tty such as `/dev/ttyS1` or a USB adapter),
///   e.g. `tty:/dev/ttyS1@9600`. SPEED is one of the termios speeds (50 … 4000000 bits per
///   second; default 9600). `,rtscts` asks for RTS/CTS hardware flow control (default off).
///   The port runs in raw mode (8 bits, no parity); HDLC framing (flags, transparency, FCS) is
///   done in software, as on `tcp:`, and the modem lines DTR and DCD are available where the
///   port has them (`ModemLineControl`). Opened by `TTYLineTransport` / `TTYRawLineTransport`.
/// - `hdlc:IFNAME`: a Linux generic-HDLC network interface in raw mode (`sethdlc IFNAME hdlc`,
///   what synchronous serial cards expose), e.g. `hdlc:hdlc0`; the card does flags and FCS.
///   Opened through an AF_PACKET socket by `PacketLineTransport` (HDLC frames only).
/// - `xot:HOST:PORT`: X.25 over TCP (RFC 1613) to a router or packet network; it carries
///   X.25 packets without LAPB and without a line switch. Opened with `XOTTransport`.
///
/// A bare path (`/dev/ttyS1`) is refused with a message that says to write `tty:/dev/ttyS1@SPEED`.
public enum LineDevice: Hashable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case xot(host: String, port: Int)
    /// A serial port; `flowControl` defaults to none, so `.tty(path:speed:)` builds one.
    case tty(path: String, speed: Int, flowControl: TTYFlowControl = .none)
    /// A Linux generic-HDLC (or, for tests, Ethernet-type) network interface, by name.
    case hdlc(interface: String)

    /// The speed a `tty:` device without `@SPEED` runs at.
    public static let defaultTTYSpeed = 9600

    /// The termios speeds, in bits per second.
    public static let ttySpeeds: [Int] = [
        50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
        230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000,
    ]

    /// Longest interface name Linux accepts (IFNAMSIZ - 1).
    public static let maximumInterfaceNameLength = 15
    /// Longest tty path accepted (PATH_MAX is 4096; a device path is far shorter).
    public static let maximumTTYPathLength = 1024

    /// Parses a device string from the definitions or the command line.
    public static func parse(device text: String) throws(LineDeviceError) -> LineDevice {
        let trimmed = String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
        if trimmed.isEmpty { throw .empty }
        if trimmed.hasPrefix("/") { throw .barePath(path: trimmed) }
        let lower = trimmed.lowercased()
        if lower.hasPrefix("tty:") { return try parseTTY(String(trimmed.dropFirst(4)), device: trimmed) }
        if lower.hasPrefix("hdlc:") { return try parseInterface(String(trimmed.dropFirst(5)), device: trimmed) }
        guard lower.hasPrefix("tcp:") || lower.hasPrefix("xot:") else { throw .unknownScheme(device: trimmed) }
        let rest = String(trimmed.dropFirst(4))
        let (host, port) = try parseHostPort(rest, device: trimmed)
        return lower.hasPrefix("xot:") ? .xot(host: host, port: port) : .tcp(host: host, port: port)
    }

    /// `PATH[@SPEED[,OPTION...]]`; the speed is after the last `@`.
    static func parseTTY(_ text: String, device: String) throws(LineDeviceError) -> LineDevice {
        var path = Substring(text)
        var speed = defaultTTYSpeed
        var flowControl = TTYFlowControl.none
        if let at = text.lastIndex(of: "@") {
            path = text[..<at]
            let parameters = text[text.index(after: at)...].split(separator: ",", omittingEmptySubsequences: false)
            let speedText = parameters.first.map(String.init) ?? ""
            guard let value = Int(speedText), ttySpeeds.contains(value) else { throw .badSpeed(device: device, speed: speedText) }
            speed = value
            for option in parameters.dropFirst() {
                switch option.lowercased() {
                case "rtscts": flowControl = .rtscts
                case "none": flowControl = .none
                default: throw .badOption(device: device, option: String(option))
                }
            }
        }
        let pathOK = path.hasPrefix("/") && path.count > 1 && path.utf8.count <= maximumTTYPathLength
            && !path.hasSuffix("/") && !path.contains(where: { $0 == "\0" || $0.isNewline || $0 == " " })
        guard pathOK else { throw .badPath(device: device, path: String(path)) }
        return .tty(path: String(path), speed: speed, flowControl: flowControl)
    }

    /// An interface name as Linux accepts it: 1 to 15 characters, not `.` or `..`, no `/`,
    /// `:` or white space (kept to letters, digits, `.`, `-`, `_`).
    static func parseInterface(_ name: String, device: String) throws(LineDeviceError) -> LineDevice {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        guard !name.isEmpty, name.utf8.count <= maximumInterfaceNameLength, allowed, name != ".", name != ".." else {
            throw .badInterface(device: device, name: name)
        }
        return .hdlc(interface: name)
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
        case .tty(let path, let speed, let flowControl): return "tty:\(path)@\(speed)\(flowControl == .rtscts ? ",rtscts" : "")"
        case .hdlc(let interface): return "hdlc:\(interface)"
        }
    }

    /// Whether the device carries X.25 packets over TCP (XOT) rather than HDLC frames.
    public var isXOT: Bool {
        if case .xot = self { return true }
        return false
    }

    /// Whether the device is local hardware (a serial port or an HDLC interface), not TCP.
    public var isSerial: Bool {
        switch self {
        case .tty, .hdlc: return true
        case .tcp, .xot: return false
        }
    }
}

/// Flow control of a `tty:` device.
public enum TTYFlowControl: String, Hashable, Sendable {
    case none
    /// RTS/CTS hardware flow control (termios CRTSCTS): `tty:PATH@SPEED,rtscts`.
    case rtscts
}
