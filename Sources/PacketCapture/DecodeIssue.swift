/// Why a packet could not be decoded all the way. Flagged on the packet, never thrown:
/// one odd packet must not stop a verifier run. No strings, so flagging costs nothing.
public enum DecodeIssue: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedLinkType(LinkType)
    case truncatedLinkHeader(needed: Int, captured: Int)
    case tooManyVLANTags
    case truncatedIPHeader(needed: Int, captured: Int)
    case badIPVersion(UInt8)
    case badIPv4HeaderLength(Int)
    /// The IP length field is smaller than the header it must contain.
    case badIPTotalLength(Int)
    case tooManyIPv6ExtensionHeaders
    case truncatedTCPHeader(needed: Int, captured: Int)
    case badTCPDataOffset(Int)

    public var description: String {
        switch self {
        case .unsupportedLinkType(let t): return "unsupported link type \(t)"
        case let .truncatedLinkHeader(n, c): return "link header needs \(n) bytes, \(c) captured"
        case .tooManyVLANTags: return "more than 8 VLAN tags"
        case let .truncatedIPHeader(n, c): return "IP header needs \(n) bytes, \(c) captured"
        case .badIPVersion(let v): return "IP version \(v), expected 4 or 6"
        case .badIPv4HeaderLength(let l): return "IPv4 header length \(l) bytes, below 20"
        case .badIPTotalLength(let l): return "IP total length \(l) smaller than its header"
        case .tooManyIPv6ExtensionHeaders: return "more than 8 IPv6 extension headers"
        case let .truncatedTCPHeader(n, c): return "TCP header needs \(n) bytes, \(c) captured"
        case .badTCPDataOffset(let l): return "TCP header length \(l) bytes, below 20"
        }
    }
}
