/// Who is the client of a connection whose SYN the capture missed.
public enum TCPRoleHint: Sendable {
    case senderIsClient
    case senderIsServer
    /// Fall back to the built-in rules.
    case unknown
}

extension TCPReassembler {
    public struct Configuration: Sendable {
        /// Out-of-order bytes held per direction before the missing range is declared a gap.
        public var maxBufferedBytesPerDirection: Int
        /// Out-of-order segments held per direction before declaring a gap.
        public var maxBufferedSegmentsPerDirection: Int
        /// Ports known to be servers (e.g. the host's TN3270 port): without a SYN, the
        /// endpoint using one is the server.
        public var serverPorts: Set<UInt16>
        /// Asked first when there is no SYN: given the first packet's sender and receiver.
        /// Then `serverPorts`, then "the lower port is the server", then "the first sender
        /// is the client".
        public var roleHint: (@Sendable (_ sender: TCPEndpoint, _ receiver: TCPEndpoint) -> TCPRoleHint)?
        /// How long (capture time) a closed 4-tuple is remembered, so the last ACKs and
        /// retransmitted FINs after a close do not open phantom connections.
        public var closedConnectionLinger: Duration

        public init(
            maxBufferedBytesPerDirection: Int = 1 << 20,
            maxBufferedSegmentsPerDirection: Int = 1024,
            serverPorts: Set<UInt16> = [],
            roleHint: (@Sendable (_ sender: TCPEndpoint, _ receiver: TCPEndpoint) -> TCPRoleHint)? = nil,
            closedConnectionLinger: Duration = .seconds(120)
        ) {
            self.maxBufferedBytesPerDirection = maxBufferedBytesPerDirection
            self.maxBufferedSegmentsPerDirection = maxBufferedSegmentsPerDirection
            self.serverPorts = serverPorts
            self.roleHint = roleHint
            self.closedConnectionLinger = closedConnectionLinger
        }
    }

    /// Counters over everything processed.
    public struct Statistics: Equatable, Sendable {
        public var packets = 0
        public var tcpSegments = 0
        /// Not TCP over IP (ARP, UDP, SDLC, undecodable link or IP headers).
        public var notTCP = 0
        /// IP fragments (not reassembled; their bytes become gaps).
        public var fragmentsSkipped = 0
        /// TCP packets whose header was cut short or malformed.
        public var unreadableTCPHeaders = 0
        public var connectionsOpened = 0
        public var connectionsClosed = 0
        public var bytesDelivered: UInt64 = 0
        /// Retransmitted or overlapping bytes dropped because they were already delivered.
        public var duplicateBytes: UInt64 = 0
        public var outOfOrderSegments = 0
        public var gaps = 0
        public var gapBytes: UInt64 = 0
        /// Segments for a closed 4-tuple, and RSTs for unknown ones.
        public var strayPackets = 0

        public init() {}
    }
}
