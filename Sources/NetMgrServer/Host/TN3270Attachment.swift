import Logging
import NIOCore
import NIOPosix
import NetMgrCore
import NetMgrProtocol
import TN3270

/// The host side of a TnETOS resource: one TN3270(E) connection per LU, all from the
/// resource's source address — the VIP when own-address names one, so the host sees the
/// same terminal after a failover, or this node's real address when it is `none`.
final class TN3270Attachment: HostAttachment, HostDataFlowControl {
    weak var delegate: HostAttachmentDelegate?
    let resourceName: String
    let loop: EventLoop
    let logger: Logger
    let host: Endpoint
    let sourceAddress: IPAddress
    let resource: Resource
    let retry: RetryPolicy
    var negotiationTimeout: TimeAmount { .milliseconds(retry.negotiationTimeoutMilliseconds) }
    let connects: ConnectLimiter
    /// TLS toward the host (`resources[].tls`), nil for plain TCP.
    let tls: HostTLSClient?

    private var links: [String: TN3270LULink] = [:]
    private var order: [String] = []
    private var stopping = false
    private var stoppedLinks: Set<String> = []
    private var warnedNoDefiniteResponses = false

    /// Connections another node left at the host from this source address.
    let staleConnections: [StaleHostConnection]

    init(resource: Resource, lus: [LU], host: Endpoint, sourceAddress: IPAddress, retry: RetryPolicy, connects: ConnectLimiter,
         staleConnections: [StaleHostConnection] = [], tls: HostTLSClient? = nil, loop: EventLoop, logger: Logger) {
        self.connects = connects
        self.tls = tls
        self.staleConnections = staleConnections
        self.resource = resource
        self.resourceName = resource.name
        self.host = host
        self.sourceAddress = sourceAddress
        self.retry = retry
        self.loop = loop
        var logger = logger
        logger[metadataKey: "resource"] = "\(resource.name)"
        self.logger = logger
        for lu in lus {
            var configuration = LUDeliveryMachine.Configuration(client: clientConfiguration(for: lu), retry: retry)
            configuration.isPrinter = lu.kind == .printer
            configuration.refusalLimit = retry.hostRefusalLimit
            configuration.hostDescription = "host \(host)"
            links[lu.name] = TN3270LULink(lu: lu, owner: self, configuration: configuration)
            order.append(lu.name)
        }
    }

    var hostVisibleAddress: String { sourceAddress.text }

    func clientConfiguration(for lu: LU) -> TN3270ClientConfiguration {
        // Printers are 3287s; terminals use the resource's type. TN3270E device types
        // carry -E; basic TN3270 sends the plain type with @LU (RFC 1646).
        let base = lu.kind == .printer ? "IBM-3287-1" : resource.terminalType
        let deviceType = resource.dialect == .tn3270e && !base.hasSuffix("-E") && lu.kind == .terminal ? base + "-E" : base
        // A host record must fit one HOST-DATA frame to the client; a longer one is a
        // protocol error on that connection, not a frame the client would refuse.
        var configuration = TN3270ClientConfiguration(luName: lu.hostLUName, deviceType: deviceType, allowsTN3270E: resource.dialect == .tn3270e,
                                                      maximumRecordLength: LANProtocol.maximumPayloadLength)
        // STARTTLS in the definitions: the host must offer it; never a plaintext session instead.
        configuration.requiresStartTLS = tls?.mode == .starttls
        return configuration
    }

    func start() {
        if !staleConnections.isEmpty { discoverHalfOpen() }
        logger.info("connecting \(order.count) LU(s) to \(host) from \(sourceAddress)\(tls.map { " over \($0.modeDescription), verifying \($0.expectedName) against \($0.caPath)" } ?? "")")
        for name in order { links[name]!.start() }
        delegate?.attachmentStarted(self)
    }

    /// Knocks the stale connections that lead to this resource's host endpoint (resolving
    /// its name off the loop when it is one); the others a peer announced are logged and skipped.
    private func discoverHalfOpen() {
        if let address = HalfOpenDiscovery.literalAddress(of: host) {
            knock(staleConnections, hostAddresses: [address])
            return
        }
        let name = host.host
        let bound = NIOLoopBound(self, eventLoop: loop)
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) { HalfOpenDiscovery.resolve(name) }.whenComplete { result in
            bound.value.knock(bound.value.staleConnections, hostAddresses: (try? result.get()) ?? [])
        }
    }

    private func knock(_ stale: [StaleHostConnection], hostAddresses: Set<IPAddress>) {
        guard !stopping else { return }
        let (knock, skip) = HalfOpenDiscovery.partition(stale, host: host, hostAddresses: hostAddresses)
        for connection in skip {
            logger.warning("half-open discovery for LU \(connection.lu) skipped: a peer announced a connection to \(connection.remote), which is not this resource's host \(host)")
        }
        guard !knock.isEmpty else { return }
        logger.info("asking the host to drop \(knock.count) connection(s) the previous owner of \(sourceAddress) left behind")
        for connection in knock { self.knock(connection) }
    }

    /// Half-open connection discovery (RFC 793 §3.4, RFC 5961 §4): a SYN from the old
    /// connection's own address and port makes a host that still holds that connection
    /// answer with an ACK for it; this node's kernel, which has no such connection,
    /// answers that with a reset, and the host drops the connection and frees its LU at
    /// once instead of when its retransmissions or keep-alives give up. If the host had
    /// already dropped it, the SYN simply opens a connection, which is closed again.
    private func knock(_ stale: StaleHostConnection) {
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: sourceAddress.text, port: stale.localPort)
        } catch {
            logger.info("half-open discovery for LU \(stale.lu) skipped: \(sourceAddress) port \(stale.localPort) is no socket address: \(error)")
            return
        }
        let logger = self.logger
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .connectTimeout(negotiationTimeout)
            .bind(to: address)
            .connect(host: stale.remote.host, port: stale.remote.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.close(promise: nil)
                case .failure(let error):
                    // The expected end when the host held the connection is a reset; anything
                    // else (e.g. the port still in use here) means the host may keep the LU.
                    logger.info("half-open discovery from \(address) for LU \(stale.lu) ended: \(error)")
                }
            }
    }

    func stop() {
        guard !stopping else { return }
        stopping = true
        guard !links.isEmpty else {
            // Nothing to close; report on the next turn, as links do, not inside the caller's stop().
            let bound = NIOLoopBound(self, eventLoop: loop)
            loop.execute {
                let attachment = bound.value
                attachment.logger.info("no LU connections to close")
                attachment.delegate?.attachmentStopped(attachment)
            }
            return
        }
        for name in order { links[name]!.stop() }
    }

    func setHostDataPaused(_ paused: Bool, lu: String) {
        links[lu]?.setHostDataPaused(paused)
    }

    func luStatus(_ lu: String, now: NIODeadline) -> LUDeliveryStatus? {
        links[lu]?.status(now: now)
    }

    func send(lu: String, tag: MessageTag, payload: ByteBuffer) {
        links[lu]?.enqueue(tag, payload)
    }

    func discardUnsent(lu: String) {
        links[lu]?.discardUnsent()
    }

    // MARK: - From the links

    func warnNoDefiniteResponses(_ text: String) {
        guard !warnedNoDefiniteResponses else { return }
        warnedNoDefiniteResponses = true
        logger.warning("\(text) (said once for this resource)")
    }

    func linkStopped(_ link: TN3270LULink) {
        guard stopping, stoppedLinks.insert(link.lu.name).inserted else { return }
        if stoppedLinks.count == links.count {
            logger.info("all LU connections closed")
            delegate?.attachmentStopped(self)
        }
    }

    func linkState(_ link: TN3270LULink, _ state: SessionState, _ detail: String) {
        delegate?.attachment(self, lu: link.lu.name, state: state, detail: detail)
    }

    func linkAccepted(_ link: TN3270LULink, _ tag: MessageTag) {
        delegate?.attachment(self, lu: link.lu.name, accepted: tag)
    }

    func linkRejected(_ link: TN3270LULink, _ tag: MessageTag, _ reason: String) {
        delegate?.attachment(self, lu: link.lu.name, rejected: tag, reason: reason)
    }

    func linkConnection(_ link: TN3270LULink, local: SocketAddress, remote: SocketAddress, up: Bool) {
        delegate?.attachment(self, lu: link.lu.name, connectedFrom: local, to: remote, up: up)
    }

    func linkCounted(_ events: HostEventCounts) {
        delegate?.attachment(self, counted: events)
    }

    /// The TN3270E data type of the host record `lu` is delivering now (the TN server asks while
    /// the record is handed to it, so SCS-DATA reaches pr3287 as SCS-DATA).
    func hostDataType(of lu: String) -> TN3270EDataType? { links[lu]?.lastHostDataType }

    func linkHostData(_ link: TN3270LULink, _ data: ByteBuffer) {
        delegate?.attachment(self, lu: link.lu.name, hostData: data)
    }
}
