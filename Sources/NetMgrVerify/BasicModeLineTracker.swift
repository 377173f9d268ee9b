import BasicMode
import NIOCore
import PacketCapture

/// Follows the stations on a BDLC capture (LINKTYPE_USER0: a direction/line byte, then one
/// basic-mode transmission element, as `BasicModeLineRecorder` writes it): per line and
/// station address, polls and selections, answers, text blocks each way, and the stretches
/// in which the station was active.
///
/// The coding is not recorded; each line's is found from its records: a record that decodes
/// cleanly in one coding only (an ASCII poll ends 05, an EBCDIC one 2D) settles it.
/// Elements from a tributary are the station's that the host last polled or selected on
/// that line.
struct BasicModeLineTracker {
    /// Polls or selections in a row without an answer that end a station's stretch.
    static let unansweredLimit = 3
    /// A station none of whose polls or answers came for this long before the end of the
    /// capture stopped (its line fell quiet) rather than lasting to the capture's end.
    static let quietAfter: Duration = .seconds(1)

    struct Key: Hashable {
        var line: Int
        var address: UInt8
    }

    private struct LineState {
        var coding: BasicModeCoding?
        var current: Key?
        /// A poll or selection is waiting for the station's first answer.
        var awaiting = false
    }

    private struct StationState {
        var facts: BasicModeStationFacts
        var open: BasicModeActivity?
        var lus: Set<Int> = []
        var openLUs: Set<Int> = []
        var unansweredInARow = 0
        var lastAnswer: CaptureTime?
        var lastAddressed: CaptureTime?
    }

    let silence: Duration?
    private var lines: [Int: LineState] = [:]
    private var order: [Key] = []
    private var stations: [Key: StationState] = [:]
    private(set) var records = 0
    private(set) var elements = 0
    /// Records that are not one element in either coding (or have no line byte).
    private(set) var unreadableRecords = 0
    /// Elements from a tributary before the host had addressed any station on the line.
    private(set) var unattributedElements = 0

    /// For progress: stations seen on the lines so far.
    var stationsSeen: Int { order.count }

    init(silence: Duration?) {
        self.silence = silence
    }

    var codings: [Int: BasicModeCoding] { lines.compactMapValues(\.coding) }

    mutating func record(_ bytes: UnsafeRawBufferPointer, at time: CaptureTime) {
        records += 1
        guard let prefix = bytes.first else {
            unreadableRecords += 1
            return
        }
        let line = Int(prefix & 0x7F)
        let fromTributary = prefix & 0x80 != 0
        let body = ByteBuffer(bytes: bytes.dropFirst())
        var state = lines[line] ?? LineState()
        guard let element = Self.decode(body, coding: &state.coding) else {
            unreadableRecords += 1
            lines[line] = state
            return
        }
        elements += 1
        lines[line] = state
        if fromTributary {
            fromStation(element, line: line, at: time)
        } else {
            fromHost(element, line: line, at: time)
        }
    }

    /// The one element of a record. With the coding unknown, tries both: one that gives a
    /// clean element where the other gives none settles the line's coding.
    static func decode(_ body: ByteBuffer, coding: inout BasicModeCoding?) -> BasicModeElement? {
        func attempt(_ c: BasicModeCoding) -> (element: BasicModeElement?, score: Int) {
            var decoder = BasicModeDecoder(coding: c)
            var buffer = body
            var outputs: [BasicModeDecoderOutput] = []
            while outputs.count < 2, let output = decoder.decode(buffer: &buffer) { outputs.append(output) }
            guard outputs.count == 1, buffer.readableBytes == 0, decoder.isBetweenElements,
                case .element(let element) = outputs[0]
            else { return (nil, 0) }
            if case .textBlock(let block) = element, !block.hasValidBlockCheck { return (element, 2) }
            return (element, 3)
        }
        if let known = coding { return attempt(known).element }
        let ascii = attempt(.ascii), ebcdic = attempt(.ebcdic)
        if ascii.score > 0, ebcdic.score == 0 { coding = .ascii }
        if ebcdic.score > 0, ascii.score == 0 { coding = .ebcdic }
        return ebcdic.score > ascii.score ? ebcdic.element : ascii.element
    }

    // MARK: Host to station

    private mutating func fromHost(_ element: BasicModeElement, line: Int, at time: CaptureTime) {
        var state = lines[line] ?? LineState()
        // A poll or selection followed by the host's next element, not an answer: unanswered.
        if state.awaiting, let key = state.current {
            station(key, line: line, time: time) { s in
                s.facts.unansweredPolls += 1
                s.unansweredInARow += 1
                if s.unansweredInARow == Self.unansweredLimit { Self.close(&s, reason: "unanswered-polls") }
            }
        }
        state.awaiting = false
        let stamp = ReportTime(time)
        switch element {
        case .poll(let address), .select(let address):
            let key = Key(line: line, address: address.rawValue)
            state.current = key
            state.awaiting = true
            let isSelect: Bool
            if case .select = element { isSelect = true } else { isSelect = false }
            station(key, line: line, time: time) { s in
                if isSelect { s.facts.selects += 1 } else { s.facts.polls += 1 }
                if s.facts.firstPoll == nil { s.facts.firstPoll = stamp }
                s.facts.lastPoll = stamp
                s.lastAddressed = time
            }
        case .textBlock(let block):
            if let key = state.current {
                station(key, line: line, time: time) { s in
                    if block.hasValidBlockCheck {
                        s.facts.blocksToStation += 1
                        Self.text(block, &s, at: time)
                    } else {
                        s.facts.badBlocksToStation += 1
                    }
                }
            }
        case .negativeAcknowledgment:
            if let key = state.current { station(key, line: line, time: time) { $0.facts.naksFromHost += 1 } }
        default:
            break
        }
        lines[line] = state
    }

    // MARK: Station to host

    private mutating func fromStation(_ element: BasicModeElement, line: Int, at time: CaptureTime) {
        var state = lines[line] ?? LineState()
        state.awaiting = false
        lines[line] = state
        guard let key = state.current else {
            unattributedElements += 1
            return
        }
        let silence = self.silence
        station(key, line: line, time: time) { s in
            if let silence, let last = s.lastAnswer, s.open != nil, time - last > silence {
                Self.close(&s, reason: "silence")
            }
            s.unansweredInARow = 0
            s.lastAnswer = time
            let stamp = ReportTime(time)
            s.facts.answers += 1
            if s.facts.firstAnswer == nil { s.facts.firstAnswer = stamp }
            s.facts.lastAnswer = stamp
            var open: BasicModeActivity
            if let current = s.open {
                open = current
            } else {
                open = BasicModeActivity(start: stamp, ended: stamp, endReason: "capture-end", answers: 0, blocks: 0, lus: [])
                s.openLUs = []
            }
            open.answers += 1
            open.ended = stamp
            s.open = open
            switch element {
            case .textBlock(let block):
                if block.hasValidBlockCheck {
                    s.facts.blocksFromStation += 1
                    Self.text(block, &s, at: time)
                } else {
                    s.facts.badBlocksFromStation += 1
                }
            case .negativeAcknowledgment:
                s.facts.naksFromStation += 1
            default:
                break
            }
        }
    }

    private static func text(_ block: BasicModeTextBlock, _ s: inout StationState, at time: CaptureTime) {
        let stamp = ReportTime(time)
        if s.facts.firstText == nil { s.facts.firstText = stamp }
        s.facts.lastText = stamp
        if let lu = block.luLocalAddress {
            s.lus.insert(Int(lu))
            s.openLUs.insert(Int(lu))
        }
        // The host's blocks to a silent station do not make it active.
        guard var open = s.open else { return }
        open.blocks += 1
        if open.firstText == nil { open.firstText = stamp }
        open.lastText = stamp
        s.open = open
    }

    private static func close(_ s: inout StationState, reason: String) {
        guard var activity = s.open else { return }
        activity.endReason = reason
        activity.lus = s.openLUs.sorted()
        s.facts.activities.append(activity)
        s.open = nil
        s.openLUs = []
    }

    private mutating func station(_ key: Key, line: Int, time: CaptureTime, _ body: (inout StationState) -> Void) {
        if stations[key] == nil { order.append(key) }
        let coding = lines[line]?.coding?.rawValue ?? "ascii"
        // In place (no copy of the station's state per element); the default only for a new one.
        body(&stations[key, default: StationState(facts: BasicModeStationFacts(
            index: order.count, line: line, coding: coding, stationAddress: Int(key.address)))])
    }

    /// Closes every open stretch and returns the stations in order of first appearance.
    mutating func finish(at end: CaptureTime) -> [BasicModeStationFacts] {
        var result: [BasicModeStationFacts] = []
        for key in order {
            guard var s = stations[key] else { continue }
            if s.open != nil {
                let lastSeen = max(s.lastAnswer ?? end, s.lastAddressed ?? end)
                if s.unansweredInARow > 0 {
                    Self.close(&s, reason: "unanswered-polls")
                } else if end - lastSeen > Self.quietAfter {
                    Self.close(&s, reason: "line-quiet")
                } else {
                    Self.close(&s, reason: "capture-end")
                }
            }
            s.facts.lus = s.lus.sorted()
            if let coding = lines[key.line]?.coding { s.facts.coding = coding.rawValue }
            result.append(s.facts)
        }
        return result
    }
}
