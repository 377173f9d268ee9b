import ISDN

/// One call on a switched line capture (the host's side of a dial-up or ISDN line): who
/// called whom, set-up, connection and clearing, then the SDLC facts of the links that ran
/// while it was up.
public struct SwitchedCallFacts: Hashable, Sendable, Codable {
    /// 1-based, in order of set-up across the capture.
    public var index: Int
    /// "dialup" (public telephone line, modem dialogue on LINKTYPE_USER1) or "isdn" (Q.931 on
    /// LINKTYPE_LINUX_LAPD).
    public var kind: String
    /// "hayes", "v25bis" or "q931".
    public var signalling: String
    /// "node" when the call came to the host (RING/INC, SETUP from the network), "host"
    /// when the host placed it (ATD/CRN, SETUP from the host's user side).
    public var placedBy: String
    /// Digits as signalled; nil when the capture does not show them (no caller id).
    public var callingNumber: String?
    public var calledNumber: String?
    /// ISDN: the call reference value and whether the network originated it.
    public var callReference: Int?
    /// The first RING / INC / ATD / CRN / SETUP.
    public var setUp: ReportTime
    /// CONNECT (Hayes, Q.931); on V.25bis, which has no connect indication, the first SDLC
    /// frame after the call was answered. Nil when the call never connected.
    public var connected: ReportTime?
    /// The first clearing message (DISCONNECT/RELEASE/RELEASE COMPLETE, NO CARRIER, BUSY...,
    /// ATH, DIC, CFI); nil when none was captured.
    public var cleared: ReportTime?
    /// "host" or "node" (who sent the first clearing message), when the capture shows it.
    public var clearedBy: String?
    /// Q.850 cause value of the clearing, and its name.
    public var cause: Int?
    public var causeName: String?
    /// The modem's result or command that ended the call ("NO CARRIER", "BUSY", "NO ANSWER",
    /// "ATH", "CFI ET", "DIC").
    public var modemResult: String?
    public var ended: ReportTime
    /// "cleared", "failed" (never connected), "next-call" (a new call began without a
    /// captured clearing), "capture-end".
    public var endReason: String
    /// SDLC facts of the links (`links[].index`) whose contact began while this call was up.
    public var links: [Int]
    public var station: String?
    public var nodeID: String?
    public var lus: [Int]
    public var firstData: ReportTime?
    public var lastData: ReportTime?
    public var firstBound: ReportTime?

    /// The node's number as the host sees it: the calling number when the node called, the
    /// dialled number when the host called the node.
    public var terminalNumber: String? { placedBy == "node" ? callingNumber : calledNumber }
}

/// The calls of one capture in order, with the one in progress; shared by the dial-up and
/// ISDN trackers. Bounded: at most `maximumCalls` calls are kept (later ones are counted).
struct SwitchedCallLog {
    static let maximumCalls = 10_000
    let kind: String
    private(set) var calls: [SwitchedCallFacts] = []
    private(set) var droppedCalls = 0
    /// Times of the SDLC frames are needed only for V.25bis's implicit connection.
    var lastTime: ReportTime?

    init(kind: String) { self.kind = kind }

    /// The newest call that is not over yet.
    var openIndex: Int? {
        guard let i = calls.indices.last, calls[i].endReason == "open" else { return nil }
        return i
    }

    mutating func begin(signalling: String, placedBy: String, calling: String?, called: String?, reference: Int? = nil, at time: ReportTime) -> Int? {
        if let i = openIndex { end(i, at: time, reason: "next-call") }
        guard calls.count < Self.maximumCalls else {
            droppedCalls += 1
            return nil
        }
        calls.append(SwitchedCallFacts(
            index: calls.count + 1, kind: kind, signalling: signalling, placedBy: placedBy, callingNumber: calling, calledNumber: called,
            callReference: reference, setUp: time, connected: nil, cleared: nil, clearedBy: nil, cause: nil, causeName: nil, modemResult: nil,
            ended: time, endReason: "open", links: [], station: nil, nodeID: nil, lus: [], firstData: nil, lastData: nil, firstBound: nil))
        return calls.count - 1
    }

    mutating func setCalling(_ i: Int, _ number: String) {
        calls[i].callingNumber = String(number.prefix(32))
    }

    mutating func connect(_ i: Int, at time: ReportTime) {
        if calls[i].connected == nil { calls[i].connected = time }
    }

    mutating func clear(_ i: Int, at time: ReportTime, by side: String?, cause: Int? = nil, result: String? = nil) {
        if calls[i].cleared == nil {
            calls[i].cleared = time
            calls[i].clearedBy = side
        }
        if calls[i].cause == nil, let cause {
            calls[i].cause = cause
            calls[i].causeName = UInt8(exactly: cause).map(Q931Cause.name) ?? "cause \(cause)"
        }
        if calls[i].modemResult == nil, let result { calls[i].modemResult = result }
    }

    mutating func end(_ i: Int, at time: ReportTime, reason: String) {
        guard calls[i].endReason == "open" else { return }
        calls[i].ended = time
        calls[i].endReason = calls[i].cleared != nil ? (calls[i].connected == nil ? "failed" : "cleared") : reason
    }

    /// SDLC activity: a V.25bis call that was answered is in data mode from its first frame.
    mutating func sdlcFrame(at time: ReportTime) {
        guard let i = openIndex, calls[i].connected == nil, calls[i].signalling == "v25bis", calls[i].cleared == nil else { return }
        calls[i].connected = time
    }

    /// Ends the open call and attaches each SDLC link to the call that was up when its contact
    /// began (set-up ≤ contact ≤ end).
    mutating func finish(at time: ReportTime, links: [SDLCLinkFacts]) -> [SwitchedCallFacts] {
        if let i = openIndex { end(i, at: time, reason: "capture-end") }
        for link in links {
            guard let start = link.contactStarted ?? link.established ?? link.firstData ?? Optional(link.ended) else { continue }
            guard let i = calls.lastIndex(where: { $0.setUp <= start && start <= $0.ended }) else { continue }
            calls[i].links.append(link.index)
            if calls[i].station == nil { calls[i].station = link.station }
            if link.nodeID != nil { calls[i].nodeID = link.nodeID }
            let active = link.activeLUs
            if !active.isEmpty { calls[i].lus = Array(Set(calls[i].lus + active)).sorted() }
            if let f = link.firstData, calls[i].firstData.map({ f < $0 }) ?? true { calls[i].firstData = f }
            if let l = link.lastData, calls[i].lastData.map({ l > $0 }) ?? true { calls[i].lastData = l }
            if let b = link.firstBound, calls[i].firstBound.map({ b < $0 }) ?? true { calls[i].firstBound = b }
        }
        return calls
    }
}
