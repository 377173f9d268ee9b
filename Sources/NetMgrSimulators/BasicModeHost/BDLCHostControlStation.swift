import BasicMode
import NIOCore

/// The host's control station on one basic-mode line with one tributary station, as a value
/// type: events in (elements received, timer ticks, the line's open and close), actions out.
///
/// It polls the station (`EOT`, then `A A ENQ`), every `pollInterval` while the station has
/// nothing; takes each text block, answering ACK1, ACK0, ACK1 … (alternating from ACK1 after
/// the poll), NAK for a block whose block check fails, and repeats its last answer when the
/// station asks with ENQ (its ACK was lost). The station's EOT ends its transmission. A
/// station that misses `retryLimit` replies in a row is taken for gone (`stationLost`); its
/// next answer brings it back (`stationAnswering`). A repeated block (same parity after a
/// lost ACK) cannot be told apart in basic mode and is accepted again: at-least-once, the
/// journal counts duplicates.
struct BDLCHostControlStation {
    enum Action: Equatable {
        case send(BasicModeElement)
        /// A block the host took (valid block check), with the LU of its heading.
        case accepted(BasicModeTextBlock)
        /// The station answers (again): first reply after the line opened or after it was lost.
        case stationAnswering
        case stationLost(reason: String)
        case protocolError(String)
    }

    enum Phase: Equatable {
        /// No line: nothing is sent.
        case closed
        /// Waiting until the next poll.
        case idle(until: NIODeadline)
        /// Polled, waiting for EOT or the first block.
        case polled(deadline: NIODeadline)
        /// Receiving the station's transmission; `lastAnswer` goes again on ENQ.
        case receiving(deadline: NIODeadline, lastAnswer: BasicModeElement, nextOdd: Bool)
    }

    let station: BasicModeStationAddress
    let pollInterval: TimeAmount
    let replyTimeout: TimeAmount
    let retryLimit: Int
    private(set) var phase = Phase.closed
    private(set) var answering = false
    private(set) var misses = 0
    /// Blocks received with a bad block check (NAKed).
    private(set) var blockCheckErrors = 0

    init(station: BasicModeStationAddress, pollInterval: TimeAmount, replyTimeout: TimeAmount, retryLimit: Int) {
        self.station = station
        self.pollInterval = pollInterval
        self.replyTimeout = replyTimeout
        self.retryLimit = max(1, retryLimit)
    }

    var nextDeadline: NIODeadline? {
        switch phase {
        case .closed: return nil
        case .idle(let until): return until
        case .polled(let deadline), .receiving(let deadline, _, _): return deadline
        }
    }

    /// A station connected its line: poll it at once.
    mutating func lineOpened(now: NIODeadline) -> [Action] {
        misses = 0
        return poll(now: now)
    }

    /// The line closed: the station is gone until a line opens again.
    mutating func lineClosed() -> [Action] {
        phase = .closed
        return lose(reason: "line closed")
    }

    mutating func tick(now: NIODeadline) -> [Action] {
        switch phase {
        case .closed:
            return []
        case .idle(let until):
            return now >= until ? poll(now: now) : []
        case .polled(let deadline), .receiving(let deadline, _, _):
            guard now >= deadline else { return [] }
            misses += 1
            var actions: [Action] = []
            if misses >= retryLimit {
                actions += lose(reason: "\(misses) replies missed")
            }
            // EOT resets the line to control mode; poll again.
            return actions + poll(now: now)
        }
    }

    mutating func receive(_ element: BasicModeElement, now: NIODeadline) -> [Action] {
        switch phase {
        case .closed, .idle:
            return [.protocolError("\(element) from \(station) while not polled")]
        case .polled:
            switch element {
            case .endOfTransmission:
                let actions = heard()
                phase = .idle(until: now + pollInterval)
                return actions
            case .textBlock(let block):
                return heard() + take(block, odd: true, now: now)
            case .enquiry:
                // The station sent a block we never got and asks for our answer: NAK, send it again.
                phase = .polled(deadline: now + replyTimeout)
                return heard() + [.send(.negativeAcknowledgment)]
            default:
                return [.protocolError("\(element) from \(station) in reply to a poll")]
            }
        case .receiving(_, let lastAnswer, let nextOdd):
            switch element {
            case .endOfTransmission:
                misses = 0
                phase = .idle(until: now + pollInterval)
                return []
            case .enquiry:
                // Our answer was lost: say it again.
                phase = .receiving(deadline: now + replyTimeout, lastAnswer: lastAnswer, nextOdd: nextOdd)
                return [.send(lastAnswer)]
            case .textBlock(let block):
                return take(block, odd: nextOdd, now: now)
            default:
                return [.protocolError("\(element) from \(station) during its transmission")]
            }
        }
    }

    private mutating func take(_ block: BasicModeTextBlock, odd: Bool, now: NIODeadline) -> [Action] {
        misses = 0
        guard block.hasValidBlockCheck else {
            blockCheckErrors += 1
            phase = .receiving(deadline: now + replyTimeout, lastAnswer: .negativeAcknowledgment, nextOdd: odd)
            return [.send(.negativeAcknowledgment)]
        }
        let answer = BasicModeElement.acknowledgment(odd: odd)
        phase = .receiving(deadline: now + replyTimeout, lastAnswer: answer, nextOdd: !odd)
        return [.accepted(block), .send(answer)]
    }

    private mutating func poll(now: NIODeadline) -> [Action] {
        phase = .polled(deadline: now + replyTimeout)
        return [.send(.endOfTransmission), .send(.poll(station))]
    }

    private mutating func heard() -> [Action] {
        misses = 0
        guard !answering else { return [] }
        answering = true
        return [.stationAnswering]
    }

    private mutating func lose(reason: String) -> [Action] {
        guard answering else { return [] }
        answering = false
        return [.stationLost(reason: reason)]
    }
}
