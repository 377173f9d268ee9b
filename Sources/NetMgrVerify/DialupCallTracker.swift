import Dialup
import NIOCore
import PacketCapture

/// Follows the calls on a dial-up line's dialogue interface (LINKTYPE_USER1 records of
/// `DialogueRecord`: a direction byte, then the bytes between the host's DTE and its modem in
/// command mode), read with the Dialup module's codecs, the ones netmgrd and the simulators
/// speak: Hayes lines (`HayesLineAssembler`, `ModemResult.hayesLine`: RING, NMBR = …,
/// CONNECT…, NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, ERROR from the modem; ATD…, ATH from
/// the DTE) and V.25bis frames (`V25bisFrameReader`, FCS checked: CRN/CIC/DIC from the DTE,
/// INC/CNX/CFI from the modem). A direction is read as Hayes text until its first HDLC flag
/// and as V.25bis frames from then on. Lines and frames are bounded by those readers; what
/// does not fit or fails its FCS is counted and skipped. The capture is the host's, so the
/// DTE is the host.
struct DialupCallTracker {
    private struct Direction {
        var lines = HayesLineAssembler()
        var frames = V25bisFrameReader()
        /// An HDLC flag was seen: the dialogue is V.25bis.
        var framed = false
    }

    private var directions = [Direction(), Direction()]
    private(set) var log = SwitchedCallLog(kind: "dialup")
    private(set) var records = 0
    private(set) var lines = 0
    private(set) var frames = 0
    private var unknownRecords = 0

    /// Records without a known direction byte, lines over the bound, frames that are not
    /// V.25bis messages or failed their FCS.
    var unreadable: Int {
        directions.reduce(unknownRecords) { $0 + $1.lines.droppedLines + $1.frames.skippedFrames + $1.frames.framingErrors }
    }

    mutating func record(_ bytes: UnsafeRawBufferPointer, at time: CaptureTime) {
        records += 1
        guard let direction = bytes.first, direction == DialogueRecord.fromDTE || direction == DialogueRecord.toDTE else {
            unknownRecords += 1
            return
        }
        let d = Int(direction)
        let toDTE = d == 1
        let now = ReportTime(time)
        var buffer = ByteBuffer(bytes: bytes.dropFirst())
        if !directions[d].framed {
            let text: ByteBuffer
            if let flag = buffer.readableBytesView.firstIndex(of: 0x7E) {
                text = buffer.readSlice(length: flag - buffer.readerIndex) ?? ByteBuffer()
                directions[d].framed = true
            } else {
                text = buffer
                buffer.clear()
            }
            var rest = text
            while let line = directions[d].lines.nextLine(from: &rest) { self.line(line, toDTE: toDTE, at: now) }
        }
        while let message = directions[d].frames.nextMessage(from: &buffer) { self.message(message, toDTE: toDTE, at: now) }
    }

    mutating func sdlcFrame(at time: CaptureTime) {
        log.sdlcFrame(at: ReportTime(time))
    }

    mutating func finish(at time: CaptureTime, links: [SDLCLinkFacts]) -> [SwitchedCallFacts] {
        log.finish(at: ReportTime(time), links: links)
    }

    // MARK: Hayes

    private mutating func line(_ raw: String, toDTE: Bool, at time: ReportTime) {
        lines += 1
        if !toDTE {
            // "+++" (the escape to command mode) has no line end: it prefixes the next command.
            command(String(raw.uppercased().drop { $0 == "+" || $0 == " " }), at: time)
            return
        }
        guard case .result(let result) = ModemResult.hayesLine(raw) else { return }  // echo, other caller id lines
        let open = log.openIndex
        switch result {
        case .ring:
            if let i = open, log.calls[i].placedBy == "node", log.calls[i].connected == nil { return }  // a further ring
            _ = log.begin(signalling: "hayes", placedBy: "node", calling: nil, called: nil, at: time)
        case .callerNumber(let number):
            guard let i = open, log.calls[i].placedBy == "node", !number.isEmpty else { return }
            log.setCalling(i, number)
        case .connect:
            if let i = open { log.connect(i, at: time) }
        case .noCarrier:
            guard let i = open else { return }
            log.clear(i, at: time, by: log.calls[i].connected != nil ? "node" : nil, result: result.hayesVerbose)
            log.end(i, at: time, reason: "cleared")
        case .busy, .noAnswer, .noDialtone, .error:
            guard let i = open, log.calls[i].connected == nil else { return }
            log.clear(i, at: time, by: nil, result: result.hayesVerbose)
            log.end(i, at: time, reason: "cleared")
        default:
            break
        }
    }

    /// A command line from the host's DTE: ATD… places a call, ATH hangs up.
    private mutating func command(_ text: String, at time: ReportTime) {
        guard text.hasPrefix("AT") else { return }
        let rest = text.dropFirst(2)
        if rest.hasPrefix("D") {
            let digits = String(rest.dropFirst().filter { $0.isASCII && ($0.isNumber || $0 == "+") }.prefix(32))
            _ = log.begin(signalling: "hayes", placedBy: "host", calling: nil, called: digits.isEmpty ? nil : digits, at: time)
        } else if rest.hasPrefix("H"), rest.dropFirst().allSatisfy({ $0 == "0" || $0 == " " }) {
            guard let i = log.openIndex else { return }
            log.clear(i, at: time, by: "host", result: "ATH")
            log.end(i, at: time, reason: "cleared")
        }
    }

    // MARK: V.25bis

    private static func digits(_ text: String) -> String? {
        let digits = String(text.prefix { $0 != ";" }.filter { $0.isASCII && ($0.isNumber || $0 == "+") }.prefix(32))
        return digits.isEmpty ? nil : digits
    }

    private mutating func message(_ message: V25bisMessage, toDTE: Bool, at time: ReportTime) {
        frames += 1
        let open = log.openIndex
        switch message {
        case .callRequest(let number) where !toDTE:
            _ = log.begin(signalling: "v25bis", placedBy: "host", calling: nil, called: Self.digits(number), at: time)
        case .disregardIncoming where !toDTE:
            guard let i = open else { return }
            log.clear(i, at: time, by: "host", result: "DIC")
            log.end(i, at: time, reason: "cleared")
        case .incoming(let number) where toDTE:
            if let i = open, log.calls[i].placedBy == "node", log.calls[i].connected == nil { return }  // INC repeated while ringing
            _ = log.begin(signalling: "v25bis", placedBy: "node", calling: number.flatMap(Self.digits), called: nil, at: time)
        case .connecting where toDTE:
            if let i = open { log.connect(i, at: time) }
        case .callFailure(let code) where toDTE:
            // CFI before the connection: the call failed; on a connected call (CFIAB): the far end went.
            guard let i = open else { return }
            let code = code.filter { $0 != " " }
            log.clear(i, at: time, by: log.calls[i].connected != nil ? "node" : nil, result: code.isEmpty ? "CFI" : "CFI \(code)")
            log.end(i, at: time, reason: "cleared")
        default:
            break
        }
    }
}
