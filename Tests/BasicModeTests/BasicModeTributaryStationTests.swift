import BasicMode
import NIOCore
import Testing

@Suite("Basic-mode tributary station (netmgrd's side)")
struct BasicModeTributaryStationTests {
    typealias Station = BasicModeTributaryStation<Int>

    static func station(_ coding: BasicModeCoding = .ascii, retryLimit: Int = 2, waitLimit: Int = 2) -> Station {
        var station = Station(configuration: .init(
            address: stationA, coding: coding, replyTimeout: .seconds(1), pollTimeout: .seconds(5),
            retryLimit: retryLimit, waitLimit: waitLimit, waitDelay: .milliseconds(200), blocksPerPoll: 2
        ))
        _ = station.start(now: at(0))
        return station
    }

    static func block(_ lu: UInt8, _ text: String, coding: BasicModeCoding = .ascii) -> BasicModeElement {
        .textBlock(BasicModeTextBlock(lu: lu, message: buffer(text), coding: coding))
    }

    @Test("polled with nothing queued it answers EOT; the first poll brings the link up")
    func idlePoll() {
        var station = Self.station()
        let actions = station.receive(.poll(stationA), now: at(10))
        #expect(sent(actions) == [.endOfTransmission])
        #expect(events(actions) == [.linkUp])
        #expect(actions.contains(.setTimer(at(10) + .seconds(5))))
        #expect(station.isLinkUp)
    }

    @Test("polls and selections for another station are not answered")
    func otherStation() {
        var station = Self.station()
        #expect(station.receive(.poll(stationB), now: at(10)).filter { if case .setTimer = $0 { false } else { true } }.isEmpty)
        #expect(sent(station.receive(.select(stationB), now: at(20))).isEmpty)
        #expect(!station.isLinkUp)
    }

    @Test("queued messages go out one per block, LU in the heading; accepted only on the right alternating ACK")
    func sendWithAlternatingAcks() throws {
        var station = Self.station()
        try station.enqueue(tag: 1, lu: 2, payload: buffer("one"))
        try station.enqueue(tag: 2, lu: 3, payload: buffer("two"))
        try station.enqueue(tag: 3, lu: 2, payload: buffer("three"))
        var actions = station.receive(.poll(stationA), now: at(0))
        #expect(sent(actions) == [Self.block(2, "one")])
        #expect(!events(actions).contains(.accepted(1)))
        // ACK0 is the wrong one for the first block: ENQ, nothing accepted.
        actions = station.receive(.ack0, now: at(10))
        #expect(sent(actions) == [.enquiry])
        #expect(events(actions).isEmpty)
        actions = station.receive(.ack1, now: at(20))
        #expect(events(actions) == [.accepted(1)])
        #expect(sent(actions) == [Self.block(3, "two")])
        actions = station.receive(.ack0, now: at(30))
        #expect(events(actions) == [.accepted(2)])
        // blocksPerPoll 2: the third waits for the next poll.
        #expect(sent(actions) == [.endOfTransmission])
        #expect(station.queuedCount == 1)
        actions = station.receive(.poll(stationA), now: at(40))
        #expect(sent(actions) == [Self.block(2, "three")])
        // After a new poll the first block is answered ACK1 again.
        actions = station.receive(.ack1, now: at(50))
        #expect(events(actions) == [.accepted(3)])
        #expect(sent(actions) == [.endOfTransmission])
        #expect(station.queuedCount == 0)
    }

    @Test("NAK repeats the block up to the retry limit, then the message fails and EOT ends the turn")
    func nakRetryLimit() throws {
        var station = Self.station(retryLimit: 2)
        try station.enqueue(tag: 7, lu: 2, payload: buffer("x"))
        try station.enqueue(tag: 8, lu: 2, payload: buffer("y"))
        #expect(sent(station.receive(.poll(stationA), now: at(0))) == [Self.block(2, "x")])
        #expect(sent(station.receive(.negativeAcknowledgment, now: at(10))) == [Self.block(2, "x")])
        #expect(sent(station.receive(.negativeAcknowledgment, now: at(20))) == [Self.block(2, "x")])
        let actions = station.receive(.negativeAcknowledgment, now: at(30))
        #expect(events(actions) == [.failed(7, .retryLimitReached)])
        #expect(sent(actions) == [.endOfTransmission])
        #expect(station.queuedCount == 1)
        // The next message goes at the next poll, with fresh retries.
        #expect(sent(station.receive(.poll(stationA), now: at(40))) == [Self.block(2, "y")])
        #expect(sent(station.receive(.negativeAcknowledgment, now: at(50))) == [Self.block(2, "y")])
        #expect(events(station.receive(.ack1, now: at(60))) == [.accepted(8)])
    }

    @Test("no answer: ENQ after the reply timeout; the previous ACK to ENQ means the block was lost: repeat it")
    func replyTimeoutAndEnquiry() throws {
        var station = Self.station(retryLimit: 3)
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        try station.enqueue(tag: 2, lu: 2, payload: buffer("b"))
        _ = station.receive(.poll(stationA), now: at(0))
        #expect(sent(station.tick(now: at(999))).isEmpty)
        #expect(sent(station.tick(now: at(1000))) == [.enquiry])
        // The host repeats its last answer: it had got the block (ACK1).
        var actions = station.receive(.ack1, now: at(1100))
        #expect(events(actions) == [.accepted(1)])
        #expect(sent(actions) == [Self.block(2, "b")])
        // Block b lost: ENQ, the host repeats ACK1 (for a): b goes again.
        #expect(sent(station.tick(now: at(2100))) == [.enquiry])
        actions = station.receive(.ack1, now: at(2200))
        #expect(sent(actions) == [Self.block(2, "b")])
        #expect(events(actions).isEmpty)
        #expect(events(station.receive(.ack0, now: at(2300))) == [.accepted(2)])
    }

    @Test("reply timeouts past the retry limit fail the message")
    func timeoutsFail() throws {
        var station = Self.station(retryLimit: 1)
        try station.enqueue(tag: 5, lu: 2, payload: buffer("a"))
        _ = station.receive(.poll(stationA), now: at(0))
        #expect(sent(station.tick(now: at(1000))) == [.enquiry])
        let actions = station.tick(now: at(2000))
        #expect(events(actions) == [.failed(5, .retryLimitReached)])
        #expect(sent(actions) == [.endOfTransmission])
    }

    @Test("WACK: wait, ask with ENQ; the ACK after the waits accepts; too many WACKs fail")
    func wack() throws {
        var station = Self.station(waitLimit: 2)
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        try station.enqueue(tag: 2, lu: 2, payload: buffer("b"))
        _ = station.receive(.poll(stationA), now: at(0))
        var actions = station.receive(.waitBeforeTransmit, now: at(10))
        #expect(sent(actions).isEmpty)
        #expect(events(actions).isEmpty)
        #expect(actions.contains(.setTimer(at(210))))
        #expect(sent(station.tick(now: at(209))).isEmpty)
        #expect(sent(station.tick(now: at(210))) == [.enquiry])
        actions = station.receive(.ack1, now: at(220))
        #expect(events(actions) == [.accepted(1)])
        #expect(sent(actions) == [Self.block(2, "b")])
        _ = station.receive(.waitBeforeTransmit, now: at(230))
        #expect(sent(station.tick(now: at(430))) == [.enquiry])
        _ = station.receive(.waitBeforeTransmit, now: at(440))
        #expect(sent(station.tick(now: at(640))) == [.enquiry])
        actions = station.receive(.waitBeforeTransmit, now: at(650))
        #expect(events(actions) == [.failed(2, .waitLimitReached)])
        #expect(sent(actions) == [.endOfTransmission])
    }

    @Test("RVI from the host accepts the block and ends the turn with EOT")
    func rviFromHost() throws {
        var station = Self.station()
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        try station.enqueue(tag: 2, lu: 2, payload: buffer("b"))
        _ = station.receive(.poll(stationA), now: at(0))
        let actions = station.receive(.reverseInterrupt, now: at(10))
        #expect(events(actions) == [.accepted(1)])
        #expect(sent(actions) == [.endOfTransmission])
        #expect(station.queuedCount == 1)
    }

    @Test("EOT from the host while a block waits for its answer: not accepted; after ENQ gets no answer, sent again at the next poll")
    func eotWhileSending() throws {
        var station = Self.station()
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        _ = station.receive(.poll(stationA), now: at(0))
        let actions = station.receive(.endOfTransmission, now: at(10))
        #expect(events(actions).isEmpty)
        #expect(sent(actions).isEmpty)
        // The copy may still reach the host: the poll waits for its answer, then asks.
        #expect(sent(station.receive(.poll(stationA), now: at(20))).isEmpty)
        #expect(sent(station.tick(now: at(1020))) == [.enquiry])
        _ = station.receive(.endOfTransmission, now: at(1100))
        #expect(sent(station.receive(.poll(stationA), now: at(1100))) == [Self.block(2, "a")])
        #expect(events(station.receive(.ack1, now: at(1110))) == [.accepted(1)])
    }

    @Test("selected: ACK0, blocks delivered with ACK1, ACK0; bad BCC and broken blocks get NAK; ENQ repeats; EOT ends", arguments: BasicModeCoding.allCases)
    func selection(_ coding: BasicModeCoding) throws {
        var station = Self.station(coding)
        #expect(sent(station.receive(.select(stationA), now: at(0))) == [.ack0])
        var actions = station.receive(Self.block(2, "host one", coding: coding), now: at(10))
        #expect(events(actions) == [.delivered(lu: 2, payload: buffer("host one"))])
        #expect(sent(actions) == [.ack1])
        // A corrupted block: NAK, nothing delivered, the parity does not move.
        var wire = try BasicModeEncoder(coding: coding).bytes(Self.block(3, "host two", coding: coding))
        wire[8] ^= 0x01
        var decoder = station.makeDecoder()
        let outputs = decoder.decodeAll(buffer(wire))
        #expect(outputs.count == 1)
        actions = station.receive(try #require(outputs.first), now: at(20))
        #expect(sent(actions) == [.negativeAcknowledgment])
        #expect(events(actions).isEmpty)
        // A framing error inside a block: NAK too.
        actions = station.receive(.error(BasicModeDecodingError(kind: .abortedBySender, streamOffset: 0, inBlock: true)), now: at(25))
        #expect(sent(actions) == [.negativeAcknowledgment])
        actions = station.receive(Self.block(3, "host two", coding: coding), now: at(30))
        #expect(events(actions) == [.delivered(lu: 3, payload: buffer("host two"))])
        #expect(sent(actions) == [.ack0])
        // The host lost the ACK and asks: the same ACK again, nothing delivered twice.
        actions = station.receive(.enquiry, now: at(40))
        #expect(sent(actions) == [.ack0])
        #expect(events(actions).isEmpty)
        #expect(sent(station.receive(.endOfTransmission, now: at(50))).isEmpty)
        // After EOT, blocks are not for this station any more.
        #expect(sent(station.receive(Self.block(2, "stray", coding: coding), now: at(60))).isEmpty)
    }

    @Test("selected while busy: WACK; a block while busy is taken and answered WACK, then the ACK once not busy")
    func busySelection() throws {
        var station = Self.station()
        station.setBusy(true)
        #expect(sent(station.receive(.select(stationA), now: at(0))) == [.waitBeforeTransmit])
        station.setBusy(false)
        #expect(sent(station.receive(.select(stationA), now: at(10))) == [.ack0])
        station.setBusy(true)
        var actions = station.receive(Self.block(2, "m"), now: at(20))
        #expect(events(actions) == [.delivered(lu: 2, payload: buffer("m"))])
        #expect(sent(actions) == [.waitBeforeTransmit])
        #expect(sent(station.receive(.enquiry, now: at(30))) == [.waitBeforeTransmit])
        station.setBusy(false)
        actions = station.receive(.enquiry, now: at(40))
        #expect(sent(actions) == [.ack1])
        #expect(events(actions).isEmpty)
        #expect(sent(station.receive(Self.block(2, "n"), now: at(50))) == [.ack0])
    }

    @Test("urgent output: RVI to a selection, and RVI instead of ACK to a block")
    func rviToHost() throws {
        var station = Self.station()
        try station.enqueue(tag: 9, lu: 2, payload: buffer("urgent"), urgent: true)
        #expect(sent(station.receive(.select(stationA), now: at(0))) == [.reverseInterrupt])
        // The host polls: the urgent message goes.
        #expect(sent(station.receive(.poll(stationA), now: at(10))) == [Self.block(2, "urgent")])
        #expect(events(station.receive(.ack1, now: at(20))) == [.accepted(9)])
        #expect(sent(station.receive(.select(stationA), now: at(30))) == [.ack0])
        try station.enqueue(tag: 10, lu: 3, payload: buffer("urgent too"), urgent: true)
        let actions = station.receive(Self.block(2, "m"), now: at(40))
        #expect(events(actions) == [.delivered(lu: 2, payload: buffer("m"))])
        #expect(sent(actions) == [.reverseInterrupt])
    }

    @Test("ETB blocks are joined into one message; a block without LU heading is discarded and answered NAK")
    func blocksOfOneMessage() {
        var station = Self.station()
        _ = station.receive(.select(stationA), now: at(0))
        let first = BasicModeTextBlock(heading: .luLocalAddress(4), text: buffer("part one,"), end: .endOfBlock, isTransparent: false)
        let last = BasicModeTextBlock(heading: .luLocalAddress(4), text: buffer(" part two"), end: .endOfText, isTransparent: false)
        var actions = station.receive(.textBlock(first), now: at(10))
        #expect(events(actions).isEmpty)
        #expect(sent(actions) == [.ack1])
        actions = station.receive(.textBlock(last), now: at(20))
        #expect(events(actions) == [.delivered(lu: 4, payload: buffer("part one, part two"))])
        actions = station.receive(.textBlock(BasicModeTextBlock(text: buffer("anonymous"))), now: at(30))
        #expect(events(actions) == [.discarded(.noLUHeading)])
        #expect(sent(actions) == [.negativeAcknowledgment])
        // The parity did not move.
        #expect(sent(station.receive(Self.block(2, "next"), now: at(40))) == [.ack1])
    }

    @Test("no poll for pollTimeout: link down once; the next poll brings it up again")
    func pollTimeout() {
        var station = Self.station()
        _ = station.receive(.poll(stationA), now: at(0))
        #expect(station.nextDeadline == at(5000))
        #expect(station.tick(now: at(4999)).isEmpty)
        let actions = station.tick(now: at(5000))
        #expect(events(actions) == [.linkDown(.noPoll)])
        #expect(!station.isLinkUp)
        #expect(events(station.tick(now: at(20000))).isEmpty)
        #expect(events(station.receive(.poll(stationA), now: at(21000))) == [.linkUp])
    }

    @Test("never polled after start: reported once")
    func neverPolled() {
        var station = Self.station()
        #expect(events(station.tick(now: at(5000))) == [.linkDown(.neverPolled)])
        #expect(events(station.tick(now: at(10000))).isEmpty)
        #expect(station.nextDeadline == nil)
    }

    @Test("enqueue refuses a message longer than a block; stop fails what is queued")
    func enqueueAndStop() throws {
        var station = Station(configuration: .init(address: stationA, maximumTextLength: 8))
        _ = station.start(now: at(0))
        #expect(throws: Station.EnqueueError.tooLong(length: 9, limit: 8)) {
            try station.enqueue(tag: 1, lu: 2, payload: buffer("123456789"))
        }
        try station.enqueue(tag: 2, lu: 2, payload: buffer("12345678"))
        _ = station.receive(.poll(stationA), now: at(1))
        #expect(station.stop() == [.failed(2, .stopped), .linkDown(.stopped)])
        #expect(throws: Station.EnqueueError.stopped) { try station.enqueue(tag: 3, lu: 2, payload: buffer("x")) }
        #expect(station.receive(.poll(stationA), now: at(2)).isEmpty)
    }

    @Test("what arrives at the instant of its own transmission is no answer to it; EOT and polls still count")
    func sameInstant() throws {
        var station = Self.station()
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        try station.enqueue(tag: 2, lu: 2, payload: buffer("b"))
        _ = station.receive(.poll(stationA), now: at(0))
        // A NAK at the same instant as the block: sent before the block could be seen.
        #expect(station.receive(.negativeAcknowledgment, now: at(0)).isEmpty)
        #expect(events(station.receive(.ack1, now: at(10))) == [.accepted(1)])
        #expect(events(station.receive(.ack0, now: at(20))) == [.accepted(2)])
        // EOT and a poll in the same read are both taken, even at the instant of its own EOT.
        try station.enqueue(tag: 3, lu: 2, payload: buffer("c"))
        _ = station.receive(.endOfTransmission, now: at(20))
        #expect(sent(station.receive(.poll(stationA), now: at(20))) == [Self.block(2, "c")])
    }

    @Test("one transmission decoded as two elements gets one answer, and the ACK parity does not shift")
    func oneAnswerPerTransmission() {
        var station = Self.station()
        #expect(sent(station.receive(.select(stationA), now: at(0))) == [.ack0])
        // A corrupted transmission the decoder splits into a broken block and a good-looking one,
        // both fed at the instant of the read (as the owners do): NAK once, nothing delivered.
        let broken = BasicModeDecoderOutput.error(BasicModeDecodingError(kind: .abortedBySender, streamOffset: 0, inBlock: true))
        #expect(sent(station.receive(broken, now: at(10))) == [.negativeAcknowledgment])
        let second = station.receive(.element(Self.block(2, "x")), now: at(10))
        #expect(sent(second).isEmpty)
        #expect(events(second).isEmpty)
        // The block again, in its own transmission: the first ACK of the selection, ACK1.
        let again = station.receive(.element(Self.block(2, "x")), now: at(20))
        #expect(sent(again) == [.ack1])
        #expect(events(again) == [.delivered(lu: 2, payload: buffer("x"))])
    }

    @Test("removeQueued takes back an LU's queued messages but leaves the block in flight")
    func removeQueued() throws {
        var station = Self.station()
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        try station.enqueue(tag: 2, lu: 3, payload: buffer("b"))
        try station.enqueue(tag: 3, lu: 2, payload: buffer("c"))
        // Not polled yet: nothing is on the line, every message of LU 2 goes.
        var idle = station
        #expect(idle.removeQueued(lu: 2) == [1, 3])
        #expect(idle.queuedCount == 1)
        #expect(sent(idle.receive(.poll(stationA), now: at(0))) == [Self.block(3, "b")])
        // Polled: block 1 is out; only message 3 is taken back; block 1's ACK still counts.
        #expect(sent(station.receive(.poll(stationA), now: at(0))) == [Self.block(2, "a")])
        #expect(station.removeQueued(lu: 2) == [3])
        #expect(station.queuedCount == 2)
        let actions = station.receive(.ack1, now: at(10))
        #expect(events(actions) == [.accepted(1)])
        #expect(sent(actions) == [Self.block(3, "b")])
        #expect(events(station.receive(.ack0, now: at(20))) == [.accepted(2)])
        #expect(station.queuedCount == 0)
        #expect(station.removeQueued(lu: 2).isEmpty)
    }

    @Test("the queue is bounded: beyond maximumQueued enqueue throws queueFull; an ACK makes room")
    func queueBound() throws {
        var station = Station(configuration: .init(address: stationA, replyTimeout: .seconds(1), pollTimeout: .seconds(5), maximumQueued: 2))
        _ = station.start(now: at(0))
        #expect(Station.Configuration(address: stationA).maximumQueued == 256)
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        try station.enqueue(tag: 2, lu: 2, payload: buffer("b"))
        #expect(throws: Station.EnqueueError.queueFull(limit: 2)) { try station.enqueue(tag: 3, lu: 2, payload: buffer("c")) }
        #expect(station.queuedCount == 2)
        _ = station.receive(.poll(stationA), now: at(0))
        #expect(events(station.receive(.ack1, now: at(10))) == [.accepted(1)])
        try station.enqueue(tag: 3, lu: 2, payload: buffer("c"))
        #expect(station.queuedCount == 2)
    }

    @Test("EOT while a block is unanswered: the next poll waits for the answer to that copy instead of sending another")
    func copyInFlight() throws {
        var station = Self.station()
        try station.enqueue(tag: 1, lu: 2, payload: buffer("a"))
        try station.enqueue(tag: 2, lu: 2, payload: buffer("b"))
        _ = station.receive(.poll(stationA), now: at(0))
        // NAK: the block goes again; then the host ends the exchange and polls.
        #expect(sent(station.receive(.negativeAcknowledgment, now: at(10))) == [Self.block(2, "a")])
        _ = station.receive(.endOfTransmission, now: at(20))
        #expect(sent(station.receive(.poll(stationA), now: at(20))).isEmpty)
        // The host takes the copy as the answer to its poll: ACK1.
        let actions = station.receive(.ack1, now: at(30))
        #expect(events(actions) == [.accepted(1)])
        #expect(sent(actions) == [Self.block(2, "b")])
        // Had no answer come, ENQ after the reply timeout.
        var other = Self.station()
        try other.enqueue(tag: 3, lu: 2, payload: buffer("c"))
        _ = other.receive(.poll(stationA), now: at(0))
        _ = other.receive(.endOfTransmission, now: at(10))
        _ = other.receive(.poll(stationA), now: at(10))
        #expect(sent(other.tick(now: at(1010))) == [.enquiry])
    }
}
