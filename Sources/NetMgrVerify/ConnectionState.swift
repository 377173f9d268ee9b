import PacketCapture
import TN3270

/// One tracked TCP connection while the capture is being read: the TN3270 observer fed
/// with both directions, and the times the report needs. Finished into `ConnectionFacts`.
struct ConnectionState {
    let connection: TCPConnection
    let opened: CaptureTime
    let sawHandshake: Bool
    /// Nil while the connection is only a candidate (discovery by negotiation).
    var hostSource: HostSource?
    /// The reassembler's "client" is the host (the SYN was missed and guessed wrong).
    var hostIsTCPClient: Bool
    var observer = TN3270CaptureObserver()
    var requested: CaptureTime?
    var bound: CaptureTime?
    var firstPayload: CaptureTime?
    var lastPayload: CaptureTime?
    var firstRecord: CaptureTime?
    var lastRecord: CaptureTime?
    var rejects: [RejectFact] = []
    var eventsSeen = 0
    var recordsSeen = 0
    /// Records per observer direction, and whether each side sent one after the other's.
    var recordsFromTCPClient = 0
    var recordsFromTCPServer = 0
    /// The same, less Query Replies.
    var inputRecordsFromTCPClient = 0
    var inputRecordsFromTCPServer = 0
    var tcpServerAnswered = false
    var tcpClientAnswered = false
    var lastFromTCPClient: CaptureTime?
    var lastFromTCPServer: CaptureTime?
    var gapBytes = 0
    var firstFINSender: TCPEndpoint?
    var resetSender: TCPEndpoint?

    init(connection: TCPConnection, opened: CaptureTime, sawHandshake: Bool, hostSource: HostSource?, hostIsTCPClient: Bool) {
        self.connection = connection
        self.opened = opened
        self.sawHandshake = sawHandshake
        self.hostSource = hostSource
        self.hostIsTCPClient = hostIsTCPClient
    }

    /// In-order payload. Negotiation, grants and rejects are read from the observer's
    /// events as they appear; after the bind the observer only memchrs for IAC and counts
    /// records, which is all the report needs from the data phase.
    @inline(__always)
    mutating func data(_ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime) {
        if firstPayload == nil { firstPayload = time }
        lastPayload = time
        if direction == .clientToServer { lastFromTCPClient = time } else { lastFromTCPServer = time }
        guard chunk.hasBytes else { return }
        observer.feed(direction == .clientToServer ? .fromClient : .fromServer, chunk.bytes)
        let events = observer.facts.events.count
        if events != eventsSeen { noteEvents(at: time, count: events) }
        let records = observer.facts.fromClient.records &+ observer.facts.fromServer.records
        if records != recordsSeen {
            recordsSeen = records
            let fromClient = observer.facts.fromClient.records, fromServer = observer.facts.fromServer.records
            // A Query Reply is the terminal answering the host, not input the host takes.
            let inputFromClient = fromClient - observer.facts.fromClient.queryReplies
            let inputFromServer = fromServer - observer.facts.fromServer.queryReplies
            if fromServer != recordsFromTCPServer, inputRecordsFromTCPClient > 0 { tcpServerAnswered = true }
            if fromClient != recordsFromTCPClient, inputRecordsFromTCPServer > 0 { tcpClientAnswered = true }
            inputRecordsFromTCPClient = inputFromClient
            inputRecordsFromTCPServer = inputFromServer
            recordsFromTCPClient = fromClient
            recordsFromTCPServer = fromServer
            if firstRecord == nil { firstRecord = time }
            lastRecord = time
        }
    }

    /// `data`, then for a candidate (no host source yet): becomes TN3270 once it looks
    /// like it; false when `discoveryLimit` bytes went by without that (drop it).
    @inline(__always)
    mutating func data(_ direction: TCPDirection, _ chunk: TCPStreamChunk, at time: CaptureTime, discoveryLimit: Int) -> Bool {
        data(direction, chunk, at: time)
        guard hostSource == nil else { return true }
        if looksLikeTN3270 {
            hostSource = .negotiation
            hostIsTCPClient = observer.facts.serverSide == .fromClient
            return true
        }
        return payloadBytesSeen < discoveryLimit
    }

    private mutating func noteEvents(at time: CaptureTime, count: Int) {
        let events = observer.facts.events
        for event in events[eventsSeen..<count] {
            switch event {
            case .requested:
                requested = time
            case .rejected(let reason, _, _):
                rejects.append(RejectFact(reason: reason.description, code: Int(reason.code), time: ReportTime(time)))
            case .granted:
                if bound == nil { bound = time }
            case .functionsAgreed, .tn3270eRefused:
                break
            }
        }
        eventsSeen = count
    }

    /// Whether the bytes so far show a TN3270 (or telnet 3270) conversation.
    var looksLikeTN3270: Bool {
        let facts = observer.facts
        if facts.sawNegotiationStart || facts.serverSide != nil || !facts.requests.isEmpty || facts.grant != nil { return true }
        // A capture that began mid-session: records but no negotiation.
        return recordsSeen >= 2 && facts.anomalies == 0
    }

    var payloadBytesSeen: Int { observer.facts.fromClient.bytes &+ observer.facts.fromServer.bytes }

    /// The facts for the report, or nil for a candidate that never looked like TN3270.
    func finished(reason: TCPCloseReason, at time: CaptureTime) -> ConnectionFacts? {
        let facts = observer.facts
        var hostSource = self.hostSource
        var swapped = hostIsTCPClient
        if hostSource == nil {
            guard looksLikeTN3270 else { return nil }
            hostSource = .negotiation
            swapped = facts.serverSide == .fromClient
        }
        let hostEndpoint = swapped ? connection.client : connection.server
        let clientEndpoint = swapped ? connection.server : connection.client
        let clientCounts = swapped ? facts.fromServer : facts.fromClient
        let hostCounts = swapped ? facts.fromClient : facts.fromServer

        let request = facts.lastRequest
        let method: String? = request.map {
            switch $0.method {
            case .deviceTypeRequest: return $0.luName == nil ? "generic" : "connect"
            case .associate: return "associate"
            case .terminalType: return "terminal-type"
            }
        }
        let grantEvidence: String? = facts.grant.map {
            switch $0.evidence {
            case .deviceTypeIs: return "device-type-is"
            case .recordsAfterTerminalType: return "records-after-terminal-type"
            }
        }
        let end: ConnectionEnd
        switch reason {
        case .fin: end = .fin
        case .reset: end = .reset
        case .captureEnd: end = .captureEnd
        case .portReused: end = .portReused
        }
        let ender: TCPEndpoint? = reason == .reset ? resetSender : (reason == .fin ? firstFINSender : nil)
        let endedBy = ender.map { $0 == hostEndpoint ? ConnectionSide.host : .client }
        let hostTookInput = swapped ? tcpClientAnswered : tcpServerAnswered
        var rejects = self.rejects
        var bound = self.bound
        // A refusal is an orderly close (FIN); a host's reset is it giving up on a dead peer.
        if bound != nil, end == .fin, endedBy == .host, !hostTookInput {
            rejects.append(RejectFact(reason: RejectFact.closedWithoutInput, code: nil, time: ReportTime(time)))
            bound = nil
        }
        // Basic TN3270 names no LU in its grant: the @LU suffix stays a request.
        let granted = facts.grant?.evidence == .deviceTypeIs ? facts.luGranted : nil

        return ConnectionFacts(
            id: Int(connection.id),
            client: EndpointFact(clientEndpoint), host: EndpointFact(hostEndpoint),
            hostSource: hostSource!, sawHandshake: sawHandshake,
            dialect: facts.dialect?.description,
            dialectEvidence: facts.dialectEvidence.map { $0 == .negotiated ? "negotiated" : "inferred" },
            luRequested: facts.luRequested, requestMethod: method,
            luGranted: granted, grantEvidence: grantEvidence,
            deviceType: facts.deviceType, functions: facts.functions?.map(\.description),
            rejects: rejects,
            opened: ReportTime(opened), requested: requested.map(ReportTime.init), bound: bound.map(ReportTime.init),
            firstPayload: firstPayload.map(ReportTime.init), lastPayload: lastPayload.map(ReportTime.init),
            firstRecord: firstRecord.map(ReportTime.init), lastRecord: lastRecord.map(ReportTime.init),
            lastFromClient: (swapped ? lastFromTCPServer : lastFromTCPClient).map(ReportTime.init), hostTookInput: hostTookInput,
            ended: ReportTime(time), endReason: end, endedBy: endedBy,
            records: DirectionCounts(fromClient: clientCounts.records, fromHost: hostCounts.records),
            bytes: DirectionCounts(fromClient: clientCounts.bytes, fromHost: hostCounts.bytes),
            gapBytes: gapBytes, anomalies: facts.anomalies)
    }
}
