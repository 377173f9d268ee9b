import NetMgrCore
import PacketCapture

extension Verifier {
    /// Whether `path` is a switched-line capture: a pcapng whose first interface is a dial-up
    /// dialogue (USER1) or an ISDN D channel (LINUX_LAPD). libpcap cannot read those (their
    /// SDLC interface has another link type), so `PcapNGReader` does.
    static func isSwitchedCapture(path: String) -> Bool {
        guard PcapNGReader.isPcapNG(path: path), let reader = try? PcapNGReader(path: path) else { return false }
        defer { reader.close() }
        return reader.firstLinkType == .user1 || reader.firstLinkType == .linuxLAPD
    }

    /// The switched path: calls from the dialogue or D-channel interface, SDLC links from the
    /// SDLC interface(s), each link attached to the call that was up when it began.
    func verifySwitched(path: String, progress: VerifyProgressSink? = nil) throws(VerifyError) -> VerificationReport {
        let reader: PcapNGReader
        do { reader = try PcapNGReader(path: path) } catch { throw .capture(error) }
        defer { reader.close() }
        let hook = ReadProgressHook(sink: progress, path: path, fileSize: reader.fileSize)
        let first = reader.firstLinkType ?? .user1
        var capture = CaptureSummary(
            path: path, linkType: .init(number: Int(first.rawValue), name: first.name),
            kind: first == .linuxLAPD ? "isdn" : "dialup", packets: 0, bytes: 0,
            fileBytes: reader.fileSize.map(Int.init), firstPacket: nil, lastPacket: nil, truncated: nil)
        var statistics = ReadStatistics()
        var notes: [String] = []
        var sdlc = SDLCLineTracker(silence: options.linkSilence)
        var dialup = DialupCallTracker()
        var isdn = ISDNCallTracker()
        var packets = 0, bytes = 0, truncated = 0, other = 0
        var firstTime: CaptureTime?, last = CaptureTime(nanosecondsSinceEpoch: 0)
        do {
            while let packet = try reader.nextPacket() {
                packets &+= 1
                bytes &+= packet.bytes.count
                if firstTime == nil { firstTime = packet.timestamp }
                last = max(last, packet.timestamp)
                if packet.isTruncated { truncated &+= 1 }
                switch packet.linkType {
                case .user1: dialup.record(packet.bytes, at: packet.timestamp)
                case .linuxLAPD: isdn.record(packet.bytes, at: packet.timestamp)
                case .sdlc:
                    sdlc.frame(packet.bytes, at: packet.timestamp)
                    dialup.sdlcFrame(at: packet.timestamp)
                default: other &+= 1
                }
                hook?.offer(packets: packets, bytes: bytes, terminals: { sdlc.terminalsSeen })
            }
        } catch {
            if options.acceptTruncated, case .truncatedFile = error {
                capture.truncated = error.description
            } else {
                throw .capture(error)
            }
        }
        capture.packets = packets
        capture.bytes = bytes
        capture.firstPacket = firstTime.map(ReportTime.init)
        capture.lastPacket = packets > 0 ? ReportTime(last) : nil
        sdlc.finish(at: last)
        let links = sdlc.links
        let calls = first == .linuxLAPD ? isdn.finish(at: last, links: links) : dialup.finish(at: last, links: links)
        statistics.truncatedPackets = truncated
        statistics.otherPackets = other
        statistics.sdlcFrames = sdlc.frames
        statistics.shortSDLCFrames = sdlc.shortFrames
        statistics.dialogueRecords = first == .user1 ? dialup.records : nil
        statistics.dialogueLines = first == .user1 ? dialup.lines : nil
        statistics.v25bisFrames = first == .user1 ? dialup.frames : nil
        statistics.lapdRecords = first == .linuxLAPD ? isdn.records : nil
        statistics.q931Messages = first == .linuxLAPD ? isdn.messages : nil
        statistics.unreadableSwitchedRecords = first == .linuxLAPD ? isdn.unreadable : dialup.unreadable
        let dropped = first == .linuxLAPD ? isdn.log.droppedCalls : dialup.log.droppedCalls
        if dropped > 0 { notes.append("\(dropped) call(s) beyond the first \(SwitchedCallLog.maximumCalls) were not kept") }
        if first == .linuxLAPD, isdn.duplicates > 0 {
            notes.append("\(isdn.duplicates) LAPD I frame(s) repeated an N(S) already seen (retransmissions): read once")
        }
        if truncated > 0 { notes.append("\(truncated) packet(s) were cut by the snapshot length: their missing bytes are gaps") }
        if let t = capture.truncated { notes.append("read up to a truncated record: \(t)") }
        if calls.isEmpty, packets > 0 {
            notes.append(first == .linuxLAPD ? "no Q.931 SETUP on the D channel: no calls" : "no RING, INC, ATD or CRN in the dialogue: no calls")
        }
        let builder = TerminalBuilder(resolver: PromiseResolver(definitions: options.definitions, expect: options.expect))
        let terminals = builder.terminals(fromSwitched: calls)
        return VerificationReport(
            schemaVersion: VerificationReport.currentSchemaVersion, capture: capture,
            definitions: options.definitionsDirectory, expect: options.expect?.rawValue,
            hosts: [], connections: [], links: links, calls: nil,
            terminals: terminals, summary: ReportSummary(terminals: terminals), statistics: statistics, notes: notes,
            basicModeStations: nil, switchedCalls: calls)
    }
}
