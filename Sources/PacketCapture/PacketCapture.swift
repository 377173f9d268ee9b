import CPcap

/// Captures through libpcap: reading pcap/pcapng in one streaming pass, writing pcap,
/// live capture; link-layer, IP and TCP decoding and TCP stream reassembly.
public enum PacketCapture {}
