extension LiveCapture {
    public struct Configuration: Sendable {
        /// Interface name ("lo", "eth0", "any").
        public var interface: String
        public var snapshotLength: Int
        /// Off by default: netmgr only needs its own traffic.
        public var promiscuous: Bool
        /// A BPF filter ("tcp port 23"), compiled when the capture opens.
        public var filter: String?
        /// Kernel buffer size in bytes (libpcap's default when nil).
        public var bufferSize: Int?
        /// Stop after this many packets.
        public var packetLimit: Int?
        /// Stop after this long.
        public var duration: Duration?

        public init(
            interface: String, snapshotLength: Int = 262_144, promiscuous: Bool = false, filter: String? = nil,
            bufferSize: Int? = nil, packetLimit: Int? = nil, duration: Duration? = nil
        ) {
            self.interface = interface
            self.snapshotLength = snapshotLength
            self.promiscuous = promiscuous
            self.filter = filter
            self.bufferSize = bufferSize
            self.packetLimit = packetLimit
            self.duration = duration
        }
    }

    public enum StopReason: Hashable, Sendable {
        case stopRequested
        case packetLimit
        case duration
    }

    /// What a finished capture reports. The counters are libpcap's (pcap_stats); on
    /// Linux `received` counts packets that passed the filter.
    public struct Statistics: Hashable, Sendable {
        /// Packets handed to the callback / writer.
        public var packetsCaptured: Int
        public var received: UInt32
        /// Dropped because the buffer was full.
        public var dropped: UInt32
        /// Dropped by the interface or its driver (not all platforms report it).
        public var interfaceDropped: UInt32
        public var stopReason: StopReason
    }
}
