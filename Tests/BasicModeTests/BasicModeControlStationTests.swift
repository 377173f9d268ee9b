import BasicMode
import NIOCore
import Testing

@Suite("Basic-mode control station (the host's side)")
struct BasicModeControlStationTests {
    typealias Control = BasicModeControlStation<String>

    static func control(_ stations: [BasicModeStationAddress] = [stationA], retryLimit: Int = 2) -> Control {
        Control(configuration: .init(
            coding: .ascii, stations: stations, replyTimeout: .seconds(1), receiveTimeout: .seconds(4),
            pollInterval: .milliseconds(100), retryLimit: retryLimit, waitLimit: 2, waitDelay: .milliseconds(200),
            silentAfter: 2, blocksPerSelection: 8
        ))
    }

    static func block(_ lu: UInt8, _ text: String) -> BasicModeElement {
        .textBlock(BasicModeTextBlock(lu: lu, message: buffer(text), coding: .ascii))
    }

    @Test("the poll cycle: EOT + poll per station in order; a cycle without traffic pauses pollInterval")
    func pollCycle() {
        var control = Self.control([stationA, stationB])
        #expect(sent(control.start(now: at(0))) == [.endOfTransmission, .poll(stationA)])
        var actions = control.receive(.endOfTransmission, now: at(10))
        #expect(events(actions) == [.stationAnswering(stationA)])
        #expect(sent(actions) == [.endOfTransmission, .poll(stationB)])
        actions = control.receive(.endOfTransmission, now: at(20))
        #expect(events(actions) == [.stationAnswering(stationB)])
        #expect(sent(actions).isEmpty)
        #expect(control.nextDeadline == at(120))
        #expect(sent(control.tick(now: at(120))) == [.endOfTransmission, .poll(stationA)])
        // A second answer reports nothing new.
        #expect(events(control.receive(.endOfTransmission, now: at(130))).isEmpty)
    }

    @Test("blocks from a polled station are received and answered ACK1, ACK0 …; bad BCC gets NAK; ENQ repeats")
    func receiveBlocks() throws {
        var control = Self.control()
        _ = control.start(now: at(0))
        var actions = control.receive(Self.block(2, "one"), now: at(10))
        #expect(events(actions) == [.stationAnswering(stationA), .received(station: stationA, lu: 2, payload: buffer("one"))])
        #expect(sent(actions) == [.ack1])
        var bad = BasicModeTextBlock(lu: 3, message: buffer("two"), coding: .ascii)
        bad.blockCheckMismatch = BasicModeBlockCheckMismatch(received: 0, computed: 1)
        actions = control.receive(.textBlock(bad), now: at(20))
        #expect(sent(actions) == [.negativeAcknowledgment])
        #expect(events(actions).isEmpty)
        actions = control.receive(Self.block(3, "two"), now: at(30))
        #expect(events(actions) == [.received(station: stationA, lu: 3, payload: buffer("two"))])
        #expect(sent(actions) == [.ack0])
        #expect(sent(control.receive(.enquiry, now: at(40))) == [.ack0])
        // EOT ends the station's turn; a cycle with traffic goes on at once.
        #expect(sent(control.receive(.endOfTransmission, now: at(50))) == [.endOfTransmission, .poll(stationA)])
    }

    @Test("ENQ before any block after a poll is ignored: it belongs to the exchange the poll ended")
    func enquiryAfterPoll() {
        var control = Self.control()
        _ = control.start(now: at(0))
        #expect(sent(control.receive(.enquiry, now: at(10))).isEmpty)
        // The poll's timeout recovers: EOT and poll again.
        _ = control.tick(now: at(1000))
        #expect(sent(control.tick(now: at(1100))) == [.endOfTransmission, .poll(stationA)])
    }

    @Test("busy host: good blocks delivered and answered WACK; ENQ gets WACK until not busy, then the block's ACK")
    func busyHost() {
        var control = Self.control()
        _ = control.start(now: at(0))
        control.setBusy(true)
        var actions = control.receive(Self.block(2, "one"), now: at(10))
        #expect(events(actions).contains(.received(station: stationA, lu: 2, payload: buffer("one"))))
        #expect(sent(actions) == [.waitBeforeTransmit])
        #expect(sent(control.receive(.enquiry, now: at(20))) == [.waitBeforeTransmit])
        control.setBusy(false)
        actions = control.receive(.enquiry, now: at(30))
        #expect(sent(actions) == [.ack1])
        #expect(events(actions).isEmpty)
    }

    @Test("unanswered polls: silent after silentAfter in a row, answering again on the next answer (EOT recovery)")
    func silence() {
        var control = Self.control()
        _ = control.start(now: at(0))
        var actions = control.tick(now: at(1000))
        #expect(events(actions).isEmpty)
        #expect(sent(actions).isEmpty)  // pause, then the next cycle
        #expect(sent(control.tick(now: at(1100))) == [.endOfTransmission, .poll(stationA)])
        actions = control.tick(now: at(2100))
        #expect(events(actions) == [.stationSilent(stationA)])
        #expect(control.stationStates[stationA] == .silent)
        _ = control.tick(now: at(2200))
        _ = control.tick(now: at(3200))  // still silent: not reported again
        _ = control.tick(now: at(3300))
        actions = control.receive(.endOfTransmission, now: at(3400))
        #expect(events(actions) == [.stationAnswering(stationA)])
    }

    @Test("no next block within receiveTimeout ends the turn; every turn starts with EOT")
    func receiveTimeout() {
        var control = Self.control()
        _ = control.start(now: at(0))
        _ = control.receive(Self.block(2, "one"), now: at(10))
        #expect(sent(control.tick(now: at(4009))).isEmpty)
        #expect(sent(control.tick(now: at(4010))) == [.endOfTransmission, .poll(stationA)])
    }

    @Test("host data: select, ACK0, blocks answered ACK1, ACK0; delivered only then; EOT + poll after")
    func selectAndSend() throws {
        var control = Self.control()
        try control.enqueue(tag: "h1", station: stationA, lu: 2, payload: buffer("host one"))
        try control.enqueue(tag: "h2", station: stationA, lu: 3, payload: buffer("host two"))
        #expect(sent(control.start(now: at(0))) == [.endOfTransmission, .select(stationA)])
        var actions = control.receive(.ack0, now: at(10))
        #expect(sent(actions) == [Self.block(2, "host one")])
        actions = control.receive(.ack1, now: at(20))
        #expect(events(actions) == [.delivered("h1")])
        #expect(sent(actions) == [Self.block(3, "host two")])
        // NAK: the same block again.
        #expect(sent(control.receive(.negativeAcknowledgment, now: at(30))) == [Self.block(3, "host two")])
        actions = control.receive(.ack0, now: at(40))
        #expect(events(actions) == [.delivered("h2")])
        #expect(sent(actions) == [.endOfTransmission, .poll(stationA)])
        #expect(control.queuedCount(for: stationA) == 0)
    }

    @Test("host data: NAKs past the retry limit fail the message; a busy (WACK) or urgent (RVI) station is polled instead")
    func selectFailures() throws {
        var control = Self.control(retryLimit: 1)
        try control.enqueue(tag: "h1", station: stationA, lu: 2, payload: buffer("x"))
        _ = control.start(now: at(0))
        _ = control.receive(.ack0, now: at(10))
        _ = control.receive(.negativeAcknowledgment, now: at(20))
        let actions = control.receive(.negativeAcknowledgment, now: at(30))
        #expect(events(actions) == [.failed("h1", .retryLimitReached)])
        #expect(sent(actions) == [.endOfTransmission, .poll(stationA)])
        // The cycle had traffic: the next one starts at once; after a quiet one, a pause.
        #expect(sent(control.receive(.endOfTransmission, now: at(40))) == [.endOfTransmission, .poll(stationA)])
        #expect(sent(control.receive(.endOfTransmission, now: at(50))).isEmpty)
        try control.enqueue(tag: "h2", station: stationA, lu: 2, payload: buffer("y"))
        #expect(sent(control.tick(now: at(150))) == [.endOfTransmission, .select(stationA)])
        #expect(sent(control.receive(.waitBeforeTransmit, now: at(160))) == [.endOfTransmission, .poll(stationA)])
        #expect(sent(control.receive(.endOfTransmission, now: at(170))).isEmpty)
        #expect(sent(control.tick(now: at(270))) == [.endOfTransmission, .select(stationA)])
        #expect(sent(control.receive(.reverseInterrupt, now: at(280))) == [.endOfTransmission, .poll(stationA)])
        #expect(control.queuedCount(for: stationA) == 1)
    }

    @Test("host data: WACK after a block waits and asks with ENQ; RVI after a block delivers it and polls")
    func wackAndRviAfterBlock() throws {
        var control = Self.control()
        try control.enqueue(tag: "h1", station: stationA, lu: 2, payload: buffer("x"))
        try control.enqueue(tag: "h2", station: stationA, lu: 2, payload: buffer("y"))
        _ = control.start(now: at(0))
        _ = control.receive(.ack0, now: at(10))
        #expect(sent(control.receive(.waitBeforeTransmit, now: at(20))).isEmpty)
        #expect(sent(control.tick(now: at(220))) == [.enquiry])
        var actions = control.receive(.ack1, now: at(230))
        #expect(events(actions) == [.delivered("h1")])
        actions = control.receive(.reverseInterrupt, now: at(240))
        #expect(events(actions) == [.delivered("h2")])
        #expect(sent(actions) == [.endOfTransmission, .poll(stationA)])
    }

    @Test("enqueue for an unknown station or too long is refused; stop fails the queue")
    func enqueueErrors() throws {
        var control = Self.control()
        #expect(throws: Control.EnqueueError.unknownStation(stationB)) {
            try control.enqueue(tag: "x", station: stationB, lu: 2, payload: buffer("x"))
        }
        #expect(throws: Control.EnqueueError.tooLong(length: 5000, limit: 4096)) {
            try control.enqueue(tag: "x", station: stationA, lu: 2, payload: buffer(Array(repeating: 0x41, count: 5000)))
        }
        try control.enqueue(tag: "y", station: stationA, lu: 2, payload: buffer("y"))
        _ = control.start(now: at(0))
        #expect(control.stop() == [.failed("y", .stopped)])
    }

    @Test("one transmission, one answer: what arrives at the instant of its own transmission is ignored")
    func sameInstant() {
        var control = Self.control()
        _ = control.start(now: at(0))
        // A broken block and a good one decoded from one read: NAK for the first only.
        let broken = BasicModeDecoderOutput.error(BasicModeDecodingError(kind: .abortedBySender, streamOffset: 0, inBlock: true))
        #expect(sent(control.receive(broken, now: at(10))) == [.negativeAcknowledgment])
        #expect(control.receive(Self.block(2, "x"), now: at(10)).isEmpty)
        // A stray EOT ends the turn; a block in the same read is not the answer to the new poll.
        #expect(sent(control.receive(.endOfTransmission, now: at(20))) == [.endOfTransmission, .poll(stationA)])
        #expect(control.receive(Self.block(2, "y"), now: at(20)).isEmpty)
        #expect(sent(control.receive(Self.block(2, "y"), now: at(30))) == [.ack1])
    }
}
