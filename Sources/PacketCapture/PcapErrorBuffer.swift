import CPcap

/// libpcap's PCAP_ERRBUF_SIZE message buffer.
struct PcapErrorBuffer {
    var storage = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))

    var message: String {
        storage.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
