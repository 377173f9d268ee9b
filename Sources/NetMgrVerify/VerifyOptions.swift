import NetMgrCore
import PacketCapture

/// What `netmgr verify` was told.
public struct VerifyOptions: Sendable {
    /// Host TN3270 endpoints given with `--host`.
    public var hosts: [TCPEndpoint]
    /// Loaded definitions (`--definitions DIR`): host endpoints and promises.
    public var definitions: Definitions?
    public var definitionsDirectory: String?
    /// `--expect`: the promise for terminals the definitions do not describe.
    public var expect: FailoverPromise?
    /// Line path: a station silent for longer has lost its link (nil: only DISC, DM or a
    /// new contact end a link).
    public var linkSilence: Duration?
    /// Also find hosts by their negotiation (DO TERMINAL-TYPE / DO TN3270E) on
    /// connections to endpoints nobody named.
    public var discoverHosts: Bool
    /// Report what a truncated file holds up to the cut instead of failing with exit 2.
    public var acceptTruncated: Bool

    public init(
        hosts: [TCPEndpoint] = [], definitions: Definitions? = nil, definitionsDirectory: String? = nil,
        expect: FailoverPromise? = nil, linkSilence: Duration? = nil, discoverHosts: Bool = true, acceptTruncated: Bool = false
    ) {
        self.hosts = hosts
        self.definitions = definitions
        self.definitionsDirectory = definitionsDirectory
        self.expect = expect
        self.linkSilence = linkSilence
        self.discoverHosts = discoverHosts
        self.acceptTruncated = acceptTruncated
    }

    /// Parses `ADDR:PORT` or `[V6]:PORT` with a literal address.
    public static func parseHost(_ text: String) -> TCPEndpoint? {
        var host = Substring(text)
        var port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let address = IPAddress(String(host)), let number = UInt16(port), number > 0 else { return nil }
        return TCPEndpoint(address: address, port: number)
    }
}
