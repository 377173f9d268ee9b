import NetMgrCore
import PacketCapture

/// Reads a capture in one streaming pass and reports terminals, failover boundaries and
/// promises. Memory grows with the number of connections and links, never with packets.
///
///     let report = try Verifier(options: VerifyOptions(expect: .same)).verify(path: "failover.pcap")
///     print(report.summary.message)      // exit with report.summary.exitCode
public struct Verifier: Sendable {
    public var options: VerifyOptions

    public init(options: VerifyOptions = VerifyOptions()) {
        self.options = options
    }

    /// `progress`, when given, hears how far the read is every
    /// `VerifyProgress.packetsPerCheck` packets.
    public func verify(path: String, progress: VerifyProgressSink? = nil) throws(VerifyError) -> VerificationReport {
        if Self.isSwitchedCapture(path: path) { return try verifySwitched(path: path, progress: progress) }
        let reader: CaptureReader
        do {
            reader = try CaptureReader(path: path, acceptedLinkTypes: LinkType.decodable.union([.user0]))
        } catch {
            throw .capture(error)
        }
        defer { reader.close() }
        let hook = ReadProgressHook(sink: progress, path: path, fileSize: reader.fileSize)
        var notes: [String] = []
        let knownHosts = self.knownHosts(notes: &notes)
        var capture = CaptureSummary(
            path: path, linkType: .init(number: Int(reader.linkType.rawValue), name: reader.linkType.name),
            kind: reader.linkType == .sdlc || reader.linkType == .sita ? "line" : reader.linkType == .user0 ? "bdlc" : "ip", packets: 0, bytes: 0,
            fileBytes: reader.fileSize.map(Int.init), firstPacket: nil, lastPacket: nil, truncated: nil)
        var statistics = ReadStatistics()
        let builder = TerminalBuilder(resolver: PromiseResolver(definitions: options.definitions, expect: options.expect))

        var connections: [ConnectionFacts] = []
        var links: [SDLCLinkFacts] = []
        var terminals: [Terminal] = []
        var basicModeStations: [BasicModeStationFacts]?
        var calls: [X25CallFacts]?
        if reader.linkType == .sita {
            var tracker = X25CallTracker()
            var last = CaptureTime(nanosecondsSinceEpoch: 0)
            try read(reader, into: &capture, &statistics, hook, terminals: { tracker.terminalsSeen }) { packet in
                last = packet.timestamp
                tracker.record(packet.bytes, at: packet.timestamp)
            }
            tracker.finish(at: last)
            statistics.lapbFrames = tracker.lapbFrames
            statistics.x25Packets = tracker.x25Packets
            statistics.unreadableLAPBRecords = tracker.unreadableRecords
            statistics.unreadableX25Packets = tracker.unreadablePackets
            statistics.outOfSequenceIFrames = tracker.outOfSequenceFrames
            calls = tracker.calls
            terminals = builder.terminals(from: tracker.calls)
        } else if reader.linkType == .user0 {
            var tracker = BasicModeLineTracker(silence: options.linkSilence)
            var last = CaptureTime(nanosecondsSinceEpoch: 0)
            try read(reader, into: &capture, &statistics, hook, terminals: { tracker.stationsSeen }) { packet in
                last = packet.timestamp
                tracker.record(packet.bytes, at: packet.timestamp)
            }
            var stations = tracker.finish(at: last)
            statistics.basicModeElements = tracker.elements
            statistics.unreadableBasicModeRecords = tracker.unreadableRecords
            statistics.unattributedBasicModeElements = tracker.unattributedElements
            terminals = builder.terminals(fromBasicMode: &stations)
            basicModeStations = stations
            if tracker.records > 0, tracker.elements == 0 {
                notes.append("no record decoded as a basic-mode element: LINKTYPE_USER0 here is not netmgr's BDLC line capture (direction/line byte, then one element)")
            }
        } else if reader.linkType == .sdlc {
            var tracker = SDLCLineTracker(silence: options.linkSilence)
            var last = CaptureTime(nanosecondsSinceEpoch: 0)
            try read(reader, into: &capture, &statistics, hook, terminals: { tracker.terminalsSeen }) { packet in
                last = packet.timestamp
                tracker.frame(packet.bytes, at: packet.timestamp)
            }
            tracker.finish(at: last)
            statistics.sdlcFrames = tracker.frames
            statistics.shortSDLCFrames = tracker.shortFrames
            links = tracker.links
            terminals = builder.terminals(from: links)
        } else {
            let hostSet = Set(knownHosts.keys)
            var configuration = TCPReassembler.Configuration(serverPorts: Set(hostSet.map(\.port)).union([23, XOTStreamTracker.port]))
            if !hostSet.isEmpty {
                configuration.roleHint = { sender, receiver in
                    if hostSet.contains(receiver) { return .senderIsClient }
                    if hostSet.contains(sender) { return .senderIsServer }
                    return .unknown
                }
            }
            let reassembler = TCPReassembler(configuration: configuration)
            var router = IPStreamRouter(telnet: ConnectionTracker(knownHosts: knownHosts, discover: options.discoverHosts))
            try read(reader, into: &capture, &statistics, hook, terminals: { router.telnet.terminalsSeen + router.xot.connections }) { packet in
                let decoded = PacketDecoder.decode(packet)
                router.telnet.now = packet.timestamp
                if let tcp = decoded.tcp, let ip = decoded.ip, !tcp.flags.isDisjoint(with: [.fin, .rst]) {
                    router.telnet.noteControl(
                        from: TCPEndpoint(address: ip.source, port: tcp.sourcePort),
                        to: TCPEndpoint(address: ip.destination, port: tcp.destinationPort), flags: tcp.flags)
                }
                reassembler.process(decoded, at: packet.timestamp, consumer: &router)
            }
            reassembler.finish(consumer: &router)
            let tracker = router.telnet
            let counters = reassembler.statistics
            statistics.tcpSegments = counters.tcpSegments
            statistics.tcpConnections = counters.connectionsOpened
            statistics.ignoredConnections = tracker.ignoredConnections
            statistics.retransmittedBytes = Int(counters.duplicateBytes)
            statistics.outOfOrderSegments = counters.outOfOrderSegments
            statistics.gapBytes = Int(counters.gapBytes)
            statistics.otherPackets = counters.notTCP + counters.fragmentsSkipped + counters.unreadableTCPHeaders
            connections = tracker.finished.sorted { $0.id < $1.id }
            terminals = builder.terminals(from: connections)
            if router.xot.connections > 0 {
                // XOT (X.25 over TCP port 1998): its calls, judged like an X.25 line's.
                let xotCalls = router.xot.calls
                calls = xotCalls
                statistics.x25Packets = router.xot.x25Packets
                statistics.unreadableX25Packets = router.xot.unreadablePackets
                statistics.xotConnections = router.xot.connections
                statistics.xotFramingErrors = router.xot.framingErrors
                terminals += builder.terminals(from: xotCalls)
            }
        }
        if statistics.truncatedPackets > 0 {
            notes.append("\(statistics.truncatedPackets) packet(s) were cut by the snapshot length (\(reader.snapshotLength) bytes): their missing bytes are gaps")
        }
        if let truncated = capture.truncated { notes.append("read up to a truncated record: \(truncated)") }

        let isLine = reader.linkType == .sdlc || reader.linkType == .sita
        return VerificationReport(
            schemaVersion: VerificationReport.currentSchemaVersion, capture: capture,
            definitions: options.definitionsDirectory, expect: options.expect?.rawValue,
            hosts: isLine || reader.linkType == .user0 ? [] : hostEntries(knownHosts, connections), connections: connections, links: links, calls: calls,
            terminals: terminals, summary: ReportSummary(terminals: terminals), statistics: statistics, notes: notes,
            basicModeStations: basicModeStations)
    }

    /// Streams every packet through `body`, keeping the capture's counters. A truncated
    /// file ends the loop quietly when `acceptTruncated` is set.
    private func read(
        _ reader: CaptureReader, into capture: inout CaptureSummary, _ statistics: inout ReadStatistics,
        _ hook: ReadProgressHook?, terminals: () -> Int, _ body: (CapturedPacket) -> Void
    ) throws(VerifyError) {
        var packets = 0
        var bytes = 0
        var first: CaptureTime?
        var last: CaptureTime?
        var truncatedPackets = 0
        defer {
            capture.packets = packets
            capture.bytes = bytes
            capture.firstPacket = first.map(ReportTime.init)
            capture.lastPacket = last.map(ReportTime.init)
            statistics.truncatedPackets = truncatedPackets
        }
        do {
            while let packet = try reader.nextPacket() {
                packets &+= 1
                bytes &+= packet.bytes.count
                if first == nil { first = packet.timestamp }
                last = packet.timestamp
                if packet.isTruncated { truncatedPackets &+= 1 }
                body(packet)
                hook?.offer(packets: packets, bytes: bytes, terminals: terminals)
            }
        } catch {
            if options.acceptTruncated, case .truncatedFile = error {
                capture.truncated = error.description
                return
            }
            throw .capture(error)
        }
    }

    /// Host endpoints from the definitions and `--host`; definitions that name a host
    /// by DNS name cannot be matched offline and get a note.
    private func knownHosts(notes: inout [String]) -> [TCPEndpoint: HostSource] {
        var hosts: [TCPEndpoint: HostSource] = [:]
        for resource in options.definitions?.resources ?? [] {
            guard case .tcp(let endpoint) = resource.host else { continue }
            guard let address = IPAddress(endpoint.host), let port = UInt16(exactly: endpoint.port) else {
                notes.append("resource \(resource.name): host \(endpoint) is not an address literal; give it with --host ADDR:PORT")
                continue
            }
            hosts[TCPEndpoint(address: address, port: port)] = .definitions
        }
        for host in options.hosts where hosts[host] == nil { hosts[host] = .option }
        return hosts
    }

    private func hostEntries(_ known: [TCPEndpoint: HostSource], _ connections: [ConnectionFacts]) -> [HostEntry] {
        var counts: [EndpointFact: Int] = [:]
        var discovered: [EndpointFact] = []
        for connection in connections {
            if counts[connection.host] == nil, connection.hostSource == .negotiation { discovered.append(connection.host) }
            counts[connection.host, default: 0] += 1
        }
        var entries = known.sorted { $0.key < $1.key }.map { HostEntry(endpoint: EndpointFact($0.key), source: $0.value, connections: 0) }
        for endpoint in discovered where !entries.contains(where: { $0.endpoint == endpoint }) {
            entries.append(HostEntry(endpoint: endpoint, source: .negotiation, connections: 0))
        }
        for i in entries.indices { entries[i].connections = counts[entries[i].endpoint] ?? 0 }
        return entries
    }
}
