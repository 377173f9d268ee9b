/// A packet decoded in place. The buffers are BORROWED from the packet they came from and
/// share its lifetime (until the next read).
public struct DecodedPacket {
    public var link: LinkInfo
    /// Present when the link carried IPv4/IPv6 and its header was readable.
    public var ip: IPHeader?
    /// Present for TCP in an unfragmented datagram or a first fragment.
    public var tcp: TCPHeader?
    /// Everything after the link header: the IP datagram, or the SDLC frame.
    public var networkBytes: UnsafeRawBufferPointer
    /// The captured part of the TCP payload (empty when there is no TCP).
    public var payload: UnsafeRawBufferPointer
    /// The TCP payload length the headers declare; larger than `payload.count` when the
    /// capture cut the packet short.
    public var payloadLength: Int
    /// Bytes are missing: the snapshot length cut the packet, or a length field promises
    /// more than was captured.
    public var isTruncated: Bool
    /// The first thing that stopped decoding, if any.
    public var issue: DecodeIssue?

    /// The SDLC frame (address, control, PIU) of a LINKTYPE_SDLC packet.
    public var sdlcFrame: UnsafeRawBufferPointer? { link.network == .sdlc ? networkBytes : nil }
    /// LINKTYPE_SITA with protocol LAPB: the frame after the 5-byte header.
    public var lapbFrame: UnsafeRawBufferPointer? { link.network == .lapb ? networkBytes : nil }

    /// TCP payload bytes the capture does not have.
    public var missingPayloadBytes: Int { payloadLength - payload.count }
}
