import NIOCore
import TN3270

/// How the simulated host behaves. Defaults are those of a z/OS TN3270 server that offers
/// TN3270E, frees an LU as soon as its connection closes and never probes.
public struct TN3270HostConfiguration: Sendable {
    /// Where to listen; port 0 picks a free port (the service reports the one it got).
    public var host: String
    public var port: Int
    public var luMap: TN3270HostLUMap
    /// False makes a basic-only host: it never offers TN3270E and takes the LU from the
    /// terminal type's `@LU` suffix (RFC 1646).
    public var offersTN3270E: Bool
    /// How long an LU stays busy (DEVICE-IN-USE) after its holder's connection closed.
    public var holdAfterClose: TimeAmount
    /// Dead-connection probing: IAC DO TIMING-MARK after `interval` of silence, close after
    /// `timeout` more without an answer. Nil never probes.
    public var probe: Probe?
    /// Answer every Nth record of a connection that asked for a response with
    /// NEGATIVE-RESPONSE instead (tests of the client's error path). Nil never does.
    public var rejectEvery: Int?
    /// Send printer LUs (IBM-3287-*) an SCS print line this often. Nil never does.
    public var printEvery: TimeAmount?
    /// Print lines as 3270 data (Erase/Write with start-printer) instead of SCS; basic TN3270
    /// printer sessions always get 3270 data (they have no SCS-DATA).
    public var print3270 = false
    /// Longest record a client may send; longer is a protocol error that closes the connection.
    public var maximumRecordLength: Int
    /// After each bind, send a Read Partition Query (as hosts that use extended data stream
    /// features do) and take the next inbound record as its reply; the greeting follows it.
    /// A terminal that answers with application data loses that message (journaled `lost`).
    public var queryAfterBind = false
    /// Refuse every terminal at screen level, as Hercules does when no device is free:
    /// negotiate, paint a rejection screen without giving the keyboard back, and close this
    /// long after. Input meanwhile is ignored. Nil never does.
    public var screenRejectAfter: TimeAmount?
    /// Refuse a basic TN3270 request for a busy LU (DEVICE-IN-USE) at screen level instead of
    /// closing at once, as Hercules does while a device is still held (by a frozen node's
    /// connection, say): negotiate, paint the rejection screen, close this long after. The
    /// refusal is journaled as a `reject`, not a bind. Nil closes at once.
    public var heldScreenRejectAfter: TimeAmount?
    /// TLS: a direct-TLS listener and/or STARTTLS offered on the plain one. Nil: plain only.
    public var tls: TN3270HostTLS?

    public struct Probe: Sendable, Hashable {
        public var interval: TimeAmount
        public var timeout: TimeAmount

        public init(interval: TimeAmount, timeout: TimeAmount) {
            self.interval = interval
            self.timeout = timeout
        }
    }

    public init(
        host: String,
        port: Int,
        luMap: TN3270HostLUMap,
        offersTN3270E: Bool = true,
        holdAfterClose: TimeAmount = .zero,
        probe: Probe? = nil,
        rejectEvery: Int? = nil,
        printEvery: TimeAmount? = nil,
        maximumRecordLength: Int = 32 * 1024
    ) {
        self.host = host
        self.port = port
        self.luMap = luMap
        self.offersTN3270E = offersTN3270E
        self.holdAfterClose = holdAfterClose
        self.probe = probe
        self.rejectEvery = rejectEvery
        self.printEvery = printEvery
        self.maximumRecordLength = maximumRecordLength
    }

    /// What each connection's state machine is told; `startTLS` for the plain listener's
    /// connections when STARTTLS is offered.
    func serverConfiguration(offeringStartTLS startTLS: Bool = false) -> TN3270ServerConfiguration {
        var configuration = offersTN3270E ? TN3270ServerConfiguration() : .basicOnly
        configuration.maximumRecordLength = maximumRecordLength
        configuration.offersStartTLS = startTLS
        return configuration
    }
}
