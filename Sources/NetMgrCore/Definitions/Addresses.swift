// IPAddress (and XIDNodeID) live in NetMgrAddresses, shared with PacketCapture and SDLC.
@_exported import NetMgrAddresses

/// `HOST:PORT` (or `[V6]:PORT`); HOST is an address literal or a DNS name.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public enum ParseError: Error, Equatable {
        case missingPort
        case badPort(String)
        case badHost(String)
    }

    /// Parses `HOST:PORT`; `defaultPort` is used when the text has no port.
    public static func parse(_ text: String, defaultPort: Int? = nil) -> Result<Endpoint, ParseError> {
        var host = text
        var portText: String?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.badHost(text)) }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { portText = String(rest.dropFirst()) } else if !rest.isEmpty { return .failure(.badHost(text)) }
        } else if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_" })
        else { return .failure(.badHost(host)) }
        guard let portText else {
            if let defaultPort { return .success(Endpoint(host: host, port: defaultPort)) }
            return .failure(.missingPort)
        }
        guard let port = Int(portText), (1...65535).contains(port) else { return .failure(.badPort(portText)) }
        return .success(Endpoint(host: host, port: port))
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
