/// The fields of an IPv4 header, or of an IPv6 header after walking its extension headers.
public struct IPHeader: Equatable, Sendable {
    public var version: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    /// The upper-layer protocol (6 = TCP, 17 = UDP), after IPv6 extension headers.
    public var transportProtocol: UInt8
    /// Bytes from the start of the IP header to the transport header (options and
    /// extension headers included).
    public var headerLength: Int
    /// Header plus payload, as the length field declares it.
    public var totalLength: Int
    public var hopLimit: UInt8
    /// IPv4 identification, or the IPv6 fragment header's identification.
    public var identification: UInt32
    /// IPv4 options bytes or IPv6 extension-header bytes.
    public var optionsLength: Int
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// Fragment offset in bytes.
    public var fragmentOffset: Int

    /// Part of a fragmented datagram (not reassembled here): only the first fragment
    /// (offset 0) carries the transport header.
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
}
