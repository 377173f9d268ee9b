/// One packet as read from a file or a live interface. `bytes` is BORROWED from libpcap:
/// valid only until the next read on the same reader/capture (or its close). Copy what
/// must outlive that (`Array(packet.bytes)`).
public struct CapturedPacket {
    /// 1-based position in the capture (Wireshark's frame number).
    public var number: Int
    public var timestamp: CaptureTime
    /// The link type of the capture the packet came from.
    public var linkType: LinkType
    /// Length on the wire; `bytes.count` is the captured length.
    public var originalLength: Int
    public var bytes: UnsafeRawBufferPointer
    /// The pcapng interface the packet was captured on (0 for pcap files and libpcap's reader).
    public var interfaceID: UInt32 = 0

    public init(number: Int, timestamp: CaptureTime, linkType: LinkType, originalLength: Int, bytes: UnsafeRawBufferPointer) {
        self.number = number
        self.timestamp = timestamp
        self.linkType = linkType
        self.originalLength = originalLength
        self.bytes = bytes
    }

    public var capturedLength: Int { bytes.count }
    /// The snapshot length cut the packet short (captured < original length).
    public var isTruncated: Bool { bytes.count < originalLength }
}
