import PacketCapture

/// The read loops' side of progress: every `VerifyProgress.packetsPerCheck` packets it
/// tells the sink an estimate of the bytes read (file header plus each record's header and
/// captured bytes; exact for classic pcap, close for pcapng), so the loop itself makes no
/// system call for it.
struct ReadProgressHook {
    let sink: VerifyProgressSink
    let header: Int64
    let perRecord: Int64
    let total: Int64?

    init?(sink: VerifyProgressSink?, path: String, fileSize: Int64?) {
        guard let sink else { return nil }
        self.sink = sink
        total = fileSize
        if path != "-", PcapNGReader.isPcapNG(path: path) {
            header = 48  // section header and one interface description block
            perRecord = 34  // enhanced packet block: 32 bytes of framing, padding to 4
        } else {
            header = 24
            perRecord = 16
        }
    }

    @inline(__always)
    func offer(packets: Int, bytes: Int, terminals: () -> Int) {
        guard packets & (VerifyProgress.packetsPerCheck - 1) == 0 else { return }
        var read = header &+ Int64(bytes) &+ perRecord &* Int64(packets)
        if let total { read = min(read, total) }
        sink.read(bytes: read, packets: packets, terminals: terminals)
    }
}
