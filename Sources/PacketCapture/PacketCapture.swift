import CPcap
// IPAddress lives in NetMgrAddresses, shared with the definitions.
@_exported import NetMgrAddresses

/// Captures through libpcap: reading pcap/pcapng in one streaming pass, writing pcap,
/// live capture; link-layer, IP and TCP decoding and TCP stream reassembly.
///
/// Hot path: `CaptureReader.nextPacket()` hands out `CapturedPacket`s whose bytes are
/// borrowed from libpcap's buffer, `PacketDecoder.decode` reads headers in place, and
/// `TCPReassembler` delivers in-order payload straight from that buffer. Nothing on that
/// path allocates per packet; only out-of-order segments are copied.
public enum PacketCapture {
    /// The libpcap version string, e.g. "libpcap version 1.10.3 (with TPACKET_V3)".
    public static var libpcapVersion: String { String(cString: pcap_lib_version()) }
}
