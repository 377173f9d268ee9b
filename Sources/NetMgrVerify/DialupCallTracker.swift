import PacketCapture

/// Follows the calls on a dial-up line's dialogue interface (LINKTYPE_USER1 records of
/// `DialogueRecord`: a direction byte, then the bytes between the host's DTE and its modem in
/// command mode). Hayes text lines (ATD…, ATA, ATH from the DTE; RING, NMBR = …, CONNECT…,
/// NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, ERROR from the modem; echoed AT lines ignored)
/// and V.25bis frames (flag, 0xFF 0x13, IA5 text, FCS: CRN/CIC/DIC from the DTE,
/// INC/VAL/INV/CFI from the modem). Lines and frames are bounded; what does not fit is
/// counted and skipped. The capture is the host's, so the DTE is the host.
struct DialupCallTracker {
    static let maximumLine = 256
    static let maximumFrame = 300

    private struct Direction {
        var line: [UInt8] = []
        var lineOverflow = false
        var frame: [UInt8] = []
        var inFrame = false
        var escaped = false
    }

    private var directions = [Direction(), Direction()]
    private(set) var log = SwitchedCallLog(kind: "dialup")
    private(set) var records = 0
    private(set) var lines = 0
    private(set) var frames = 0
    /// Records without a known direction byte, lines/frames over the bound, frames that are not V.25bis.
    private(set) var unreadable = 0

    mutating func record(_ bytes: UnsafeRawBufferPointer, at time: CaptureTime) {
        records += 1
        guard let direction = bytes.first, direction == DialogueRecord.fromDTE || direction == DialogueRecord.toDTE else {
            unreadable += 1
            return
        }
        let d = Int(direction)
        let now = ReportTime(time)
        for byte in bytes.dropFirst() {
            if byte == 0x7E {
                if directions[d].inFrame, !directions[d].frame.isEmpty { frame(directions[d].frame, toDTE: d == 1, at: now) }
                directions[d].frame.removeAll(keepingCapacity: true)
                directions[d].inFrame = true
                directions[d].escaped = false
                continue
            }
            if directions[d].inFrame {
                if byte == 0x7D {
                    directions[d].escaped = true
                    continue
                }
                let value = directions[d].escaped ? byte ^ 0x20 : byte
                directions[d].escaped = false
                if directions[d].frame.count < Self.maximumFrame {
                    directions[d].frame.append(value)
                } else if directions[d].frame.count == Self.maximumFrame {
                    unreadable += 1
                    directions[d].frame.append(value)  // marks it oversized; dropped at the next flag
                }
                continue
            }
            if byte == 0x0D || byte == 0x0A {
                if !directions[d].lineOverflow, !directions[d].line.isEmpty { line(directions[d].line, toDTE: d == 1, at: now) }
                directions[d].line.removeAll(keepingCapacity: true)
                directions[d].lineOverflow = false
            } else if directions[d].line.count < Self.maximumLine {
                directions[d].line.append(byte)
            } else if !directions[d].lineOverflow {
                directions[d].lineOverflow = true
                unreadable += 1
            }
        }
    }

    mutating func sdlcFrame(at time: CaptureTime) {
        log.sdlcFrame(at: ReportTime(time))
    }

    mutating func finish(at time: CaptureTime, links: [SDLCLinkFacts]) -> [SwitchedCallFacts] {
        log.finish(at: ReportTime(time), links: links)
    }

    // MARK: Hayes

    private mutating func line(_ bytes: [UInt8], toDTE: Bool, at time: ReportTime) {
        lines += 1
        let text = String(decoding: bytes.map { $0 & 0x7F }, as: UTF8.self).trimmingSpaces.uppercased()
        guard !text.isEmpty else { return }
        if !toDTE {
            // "+++" (the escape to command mode) has no line end: it prefixes the next command.
            command(String(text.drop { $0 == "+" }), at: time)
            return
        }
        if text.hasPrefix("AT") { return }  // the modem's echo of a command
        let open = log.openIndex
        if text == "RING" || text == "2" {
            if let i = open, log.calls[i].placedBy == "node", log.calls[i].connected == nil { return }  // a further ring
            _ = log.begin(signalling: "hayes", placedBy: "node", calling: nil, called: nil, at: time)
        } else if text.hasPrefix("NMBR") {
            guard let i = open, log.calls[i].placedBy == "node" else { return }
            let number = text.drop { $0 != "=" }.dropFirst().trimmingSpaces
            if !number.isEmpty { log.setCalling(i, number) }
        } else if text.hasPrefix("CONNECT") || text == "1" {
            if let i = open { log.connect(i, at: time) }
        } else if text == "NO CARRIER" || text == "3" {
            guard let i = open else { return }
            log.clear(i, at: time, by: log.calls[i].connected != nil ? "node" : nil, result: "NO CARRIER")
            log.end(i, at: time, reason: "cleared")
        } else if let result = Self.failures[text] {
            guard let i = open, log.calls[i].connected == nil else { return }
            log.clear(i, at: time, by: nil, result: result)
            log.end(i, at: time, reason: "cleared")
        }
    }

    /// Call-progress failures, verbose and numeric, by the name the report gives them.
    private static let failures = [
        "BUSY": "BUSY", "7": "BUSY", "NO ANSWER": "NO ANSWER", "8": "NO ANSWER", "NO DIALTONE": "NO DIALTONE",
        "NO DIAL TONE": "NO DIALTONE", "6": "NO DIALTONE", "ERROR": "ERROR", "4": "ERROR",
    ]

    /// A command line from the host's DTE: ATD… places a call, ATH hangs up.
    private mutating func command(_ text: String, at time: ReportTime) {
        guard text.hasPrefix("AT") else { return }
        let rest = text.dropFirst(2)
        if rest.hasPrefix("D") {
            let digits = String(rest.dropFirst().filter { $0.isASCII && ($0.isNumber || $0 == "+") })
            _ = log.begin(signalling: "hayes", placedBy: "host", calling: nil, called: digits.isEmpty ? nil : digits, at: time)
        } else if rest.hasPrefix("H"), rest.dropFirst().allSatisfy({ $0 == "0" }) {
            guard let i = log.openIndex else { return }
            log.clear(i, at: time, by: "host", result: "ATH")
            log.end(i, at: time, reason: "cleared")
        }
    }

    // MARK: V.25bis

    private mutating func frame(_ bytes: [UInt8], toDTE: Bool, at time: ReportTime) {
        guard bytes.count >= 4, bytes.count <= Self.maximumFrame, bytes[0] == 0xFF, bytes[1] == 0x13 else {
            unreadable += 1
            return
        }
        frames += 1
        let text = String(decoding: bytes[2..<(bytes.count - 2)].map { $0 & 0x7F }, as: UTF8.self).trimmingSpaces.uppercased()
        let digits = String(text.dropFirst(3).prefix { $0 != ";" }.filter { $0.isASCII && ($0.isNumber || $0 == "+") })
        let open = log.openIndex
        if !toDTE {
            if text.hasPrefix("CRN") {
                _ = log.begin(signalling: "v25bis", placedBy: "host", calling: nil, called: digits.isEmpty ? nil : digits, at: time)
            } else if text.hasPrefix("DIC"), let i = open {
                log.clear(i, at: time, by: "host", result: "DIC")
                log.end(i, at: time, reason: "cleared")
            }
            return
        }
        if text.hasPrefix("INC") {
            if let i = open, log.calls[i].placedBy == "node", log.calls[i].connected == nil { return }
            _ = log.begin(signalling: "v25bis", placedBy: "node", calling: digits.isEmpty ? nil : digits, called: nil, at: time)
        } else if text.hasPrefix("CFI"), let i = open {
            let code = text.dropFirst(3).trimmingSpaces
            log.clear(i, at: time, by: nil, result: code.isEmpty ? "CFI" : "CFI \(code)")
            log.end(i, at: time, reason: "cleared")
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
