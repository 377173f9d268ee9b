import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Live capture on one interface: pcap_create, immediate mode, optional BPF filter, a
/// non-blocking selectable fd polled together with the stop handle's pipe.
///
/// Opening (init) reports interface, permission and filter errors at once. `run` blocks
/// the calling thread until stopped, the packet limit or the duration; use
/// `LiveCapture.start` from async code.
public final class LiveCapture {
    public let configuration: Configuration
    public let linkType: LinkType
    public let stopHandle: LiveCaptureStopHandle

    private var handle: OpaquePointer?
    private let selectableFD: Int32
    private let nanosecondTimestamps: Bool

    public init(_ configuration: Configuration, stopHandle: LiveCaptureStopHandle = LiveCaptureStopHandle()) throws(CaptureError) {
        self.configuration = configuration
        self.stopHandle = stopHandle
        let interface = configuration.interface
        var errbuf = PcapErrorBuffer()
        guard let p = pcap_create(interface, &errbuf.storage) else {
            throw .activationFailed(interface: interface, detail: errbuf.message)
        }
        func fail(_ error: CaptureError) -> CaptureError {
            pcap_close(p)
            return error
        }
        pcap_set_snaplen(p, Int32(clamping: configuration.snapshotLength))
        pcap_set_promisc(p, configuration.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(p, 1)
        if let size = configuration.bufferSize { pcap_set_buffer_size(p, Int32(clamping: size)) }
        nanosecondTimestamps = pcap_set_tstamp_precision(p, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0

        let status = pcap_activate(p)
        if status < 0 {
            let detail = String(cString: pcap_geterr(p))
            switch status {
            case PCAP_ERROR_NO_SUCH_DEVICE: throw fail(.noSuchInterface(interface: interface, detail: detail))
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw fail(.capturePermissionDenied(interface: interface, detail: detail))
            case PCAP_ERROR_IFACE_NOT_UP: throw fail(.interfaceNotUp(interface: interface))
            default: throw fail(.activationFailed(interface: interface, detail: detail.isEmpty ? String(cString: pcap_statustostr(status)) : detail))
            }
        }
        if let filter = configuration.filter {
            var program = bpf_program()
            if pcap_compile(p, &program, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 {
                throw fail(.badFilter(filter: filter, interface: interface, detail: String(cString: pcap_geterr(p))))
            }
            let set = pcap_setfilter(p, &program)
            pcap_freecode(&program)
            if set != 0 {
                throw fail(.badFilter(filter: filter, interface: interface, detail: String(cString: pcap_geterr(p))))
            }
        }
        if pcap_setnonblock(p, 1, &errbuf.storage) != 0 {
            throw fail(.activationFailed(interface: interface, detail: errbuf.message))
        }
        let fd = pcap_get_selectable_fd(p)
        guard fd >= 0 else {
            throw fail(.activationFailed(interface: interface, detail: "libpcap offers no selectable file descriptor"))
        }
        handle = p
        selectableFD = fd
        linkType = LinkType(rawValue: pcap_datalink(p))
    }

    deinit {
        if let p = handle { pcap_close(p) }
    }

    /// Captures until a stop request, `packetLimit` or `duration`, handing each packet
    /// (borrowed) to `writer` and then `onPacket`. Returns the capture's statistics.
    public func run(writer: CaptureWriter? = nil, onPacket: (CapturedPacket) -> Void = { _ in }) throws(CaptureError) -> Statistics {
        guard let p = handle else { throw .captureFailed(interface: configuration.interface, detail: "capture already finished") }
        defer {
            handle = nil
            pcap_close(p)
        }
        let clock = ContinuousClock()
        let deadline = configuration.duration.map { clock.now.advanced(by: $0) }
        let limit = configuration.packetLimit ?? Int.max
        var count = 0
        var reason: StopReason = .stopRequested
        var fds = [
            pollfd(fd: selectableFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopHandle.readFD, events: Int16(POLLIN), revents: 0),
        ]
        capture: while true {
            if stopHandle.isStopRequested { break capture }
            if count >= limit {
                reason = .packetLimit
                break capture
            }
            // Drain everything ready before sleeping in poll again.
            while count < limit {
                var header: UnsafeMutablePointer<pcap_pkthdr>?
                var data: UnsafePointer<UInt8>?
                let rc = pcap_next_ex(p, &header, &data)
                if rc == 0 { break }
                if rc != 1 {
                    if rc == PCAP_ERROR_BREAK { break capture }
                    throw .captureFailed(interface: configuration.interface, detail: String(cString: pcap_geterr(p)))
                }
                guard let h = header?.pointee else { continue }
                count += 1
                let sub = Int64(h.ts.tv_usec) * (nanosecondTimestamps ? 1 : 1000)
                let packet = CapturedPacket(
                    number: count, timestamp: CaptureTime(nanosecondsSinceEpoch: Int64(h.ts.tv_sec) &* 1_000_000_000 &+ sub),
                    linkType: linkType, originalLength: Int(h.len), bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
                try writer?.write(packet)
                onPacket(packet)
                if stopHandle.isStopRequested { break capture }
            }
            if count >= limit { continue }
            var timeout: Int32 = -1
            if let deadline {
                let left = deadline - clock.now
                if left <= .zero {
                    reason = .duration
                    break capture
                }
                let (s, atto) = left.components
                timeout = Int32(clamping: s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000)
            }
            if stopHandle.readFD < 0 { timeout = timeout < 0 ? 100 : min(timeout, 100) }
            let ready = poll(&fds, stopHandle.readFD < 0 ? 1 : 2, timeout)
            if ready < 0 && errno != EINTR {
                throw .captureFailed(interface: configuration.interface, detail: "poll: \(String(cString: strerror(errno)))")
            }
        }
        var stats = pcap_stat()
        let received: (UInt32, UInt32, UInt32) = pcap_stats(p, &stats) == 0 ? (stats.ps_recv, stats.ps_drop, stats.ps_ifdrop) : (0, 0, 0)
        try writer?.flush()
        return Statistics(packetsCaptured: count, received: received.0, dropped: received.1, interfaceDropped: received.2, stopReason: reason)
    }
}
