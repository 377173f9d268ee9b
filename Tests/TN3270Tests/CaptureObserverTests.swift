import NIOCore
import Testing

@testable import TN3270

@Suite("Capture observer")
struct CaptureObserverTests {
    /// A TN3270E session from our own machines: LU0001 granted, two client
    /// records answered positive then negative, one host screen.
    static func tn3270eTranscript() throws -> Conversation {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001", deviceType: "IBM-3278-2-E"))
        talk.start()
        talk.serverSends(try talk.server.sendRecord(TN3270DataStream.record(.eraseWrite, control: .keyboardRestore, orders: [0x11, 0x40, 0x40])).bytes)
        for outcome in [TN3270Response.Outcome.positive, .negative(sense: TN3270ESense.commandReject)] {
            let record = try talk.client.sendRecord(buffer([0x7D, 0x40, 0x40, 0xFF]))
            talk.clientSends(record.bytes)
            talk.serverSends(try talk.server.respond(TN3270Response(sequenceNumber: record.sequenceNumber!, outcome: outcome)))
        }
        return talk
    }

    static func basicTranscript() throws -> Conversation {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0009"), server: .basicOnly)
        talk.start()
        talk.serverSends(try talk.server.sendRecord(TN3270DataStream.record(.eraseWrite, control: .keyboardRestore)).bytes)
        talk.clientSends(try talk.client.sendRecord(buffer([0x7D, 0x40, 0x40])).bytes)
        talk.serverSends(try talk.server.sendRecord(TN3270DataStream.record(.write, control: .keyboardRestore)).bytes)
        return talk
    }

    /// Feeds both directions the way a capture interleaves them: each write in order.
    static func observe(_ talk: Conversation) -> TN3270CaptureFacts {
        var observer = TN3270CaptureObserver()
        observer.feed(fromClient: talk.fromClient)
        observer.feed(fromServer: talk.fromServer)
        return observer.facts
    }

    @Test func tn3270eFacts() throws {
        let facts = Self.observe(try Self.tn3270eTranscript())
        #expect(facts.dialect == .tn3270e)
        #expect(facts.dialectEvidence == .negotiated)
        #expect(facts.serverSide == .fromServer)
        #expect(facts.sawNegotiationStart)
        #expect(facts.luRequested == "LU0001")
        #expect(facts.lastRequest?.method == .deviceTypeRequest)
        #expect(facts.luGranted == "LU0001")
        #expect(facts.grant?.evidence == .deviceTypeIs)
        #expect(facts.deviceType == "IBM-3278-2-E")
        #expect(facts.functions == [.responses])
        #expect(facts.rejects.isEmpty)
        #expect(facts.fromClient.dataRecords(in: facts.dialect) == 2)
        #expect(facts.fromServer.dataRecords(in: facts.dialect) == 1)
        #expect(facts.fromServer.positiveResponses == 1)
        #expect(facts.fromServer.negativeResponses == 1)
        #expect(facts.fromServer.records == 3)
        #expect(facts.anomalies == 0)
    }

    @Test func basicFacts() throws {
        let facts = Self.observe(try Self.basicTranscript())
        #expect(facts.dialect == .tn3270)
        #expect(facts.dialectEvidence == .negotiated)
        #expect(facts.serverSide == .fromServer)
        #expect(facts.luRequested == "LU0009")
        #expect(facts.lastRequest?.method == .terminalType)
        #expect(facts.luGranted == "LU0009")
        #expect(facts.grant?.evidence == .recordsAfterTerminalType)
        #expect(facts.deviceType == "IBM-3278-2")
        #expect(facts.fromClient.dataRecords(in: facts.dialect) == 1)
        #expect(facts.fromServer.dataRecords(in: facts.dialect) == 2)
    }

    @Test func feedingOrderOfTheTwoDirectionsDoesNotMatter() throws {
        for talk in [try Self.tn3270eTranscript(), try Self.basicTranscript()] {
            let clientFirst = Self.observe(talk)
            var serverFirst = TN3270CaptureObserver()
            serverFirst.feed(fromServer: talk.fromServer)
            serverFirst.feed(fromClient: talk.fromClient)
            #expect(serverFirst.facts.dialect == clientFirst.dialect)
            #expect(serverFirst.facts.luRequested == clientFirst.luRequested)
            #expect(serverFirst.facts.luGranted == clientFirst.luGranted)
            #expect(serverFirst.facts.serverSide == .fromServer)
            #expect(serverFirst.facts.fromClient == clientFirst.fromClient)
            #expect(serverFirst.facts.fromServer == clientFirst.fromServer)
        }
    }

    @Test func swappedLabelsAreDetected() throws {
        let talk = try Self.tn3270eTranscript()
        var observer = TN3270CaptureObserver()
        observer.feed(fromClient: talk.fromServer)
        observer.feed(fromServer: talk.fromClient)
        #expect(observer.facts.serverSide == .fromClient)
        #expect(observer.facts.luGranted == "LU0001")
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func anySplitGivesTheSameFacts(seed: UInt64) throws {
        let talk = try Self.tn3270eTranscript()
        let whole = Self.observe(talk)
        var rng = SplitMix64(seed: seed)
        var observer = TN3270CaptureObserver()
        // Interleave the two directions' chunks the way a capture would.
        var client = randomSplits(talk.fromClient, using: &rng)[...]
        var server = randomSplits(talk.fromServer, using: &rng)[...]
        while !client.isEmpty || !server.isEmpty {
            if let chunk = server.popFirst() { observer.feed(fromServer: chunk) }
            if let chunk = client.popFirst() { observer.feed(fromClient: chunk) }
        }
        #expect(observer.facts.dialect == whole.dialect)
        #expect(observer.facts.requests.map(\.luName) == whole.requests.map(\.luName))
        #expect(observer.facts.luGranted == whole.luGranted)
        #expect(observer.facts.fromClient == whole.fromClient)
        #expect(observer.facts.fromServer == whole.fromServer)
    }

    @Test func rejectThenRetryOnTheSameConnection() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001")) { request in
            request.luName == "LU0001" ? .reject(.deviceInUse) : .grant(request.luName ?? "?")
        }
        talk.start()
        talk.absorb(client: try talk.client.retry(luName: "LU0002"))
        talk.run()
        let facts = Self.observe(talk)
        #expect(facts.rejects == [.deviceInUse])
        #expect(facts.requests.map(\.luName) == ["LU0001", "LU0002"])
        #expect(facts.luRequested == "LU0002")
        #expect(facts.luGranted == "LU0002")
        // Timeline in capture order within each direction.
        let kinds = facts.events.map { event -> String in
            switch event {
            case .requested(let request): "request \(request.luName ?? "any")"
            case .rejected(let reason, _, _): "reject \(reason)"
            case .granted(let grant): "grant \(grant.luName ?? "?")"
            case .functionsAgreed: "functions"
            case .tn3270eRefused: "refused"
            }
        }
        #expect(kinds == ["request LU0001", "request LU0002", "reject DEVICE-IN-USE", "grant LU0002", "functions"])
    }

    @Test func rejectThenFallBackToBasic() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001")) { request in
            request.dialect == .tn3270e ? .reject(.unsupportedRequest) : .grant(request.luName ?? "?")
        }
        talk.start()
        talk.absorb(client: try talk.client.fallBackToBasic())
        talk.run()
        talk.serverSends(try talk.server.sendRecord(TN3270DataStream.record(.eraseWrite, control: .keyboardRestore)).bytes)
        let facts = Self.observe(talk)
        #expect(facts.rejects == [.unsupportedRequest])
        #expect(facts.dialect == .tn3270)
        #expect(facts.luGranted == "LU0001")
        #expect(facts.grant?.dialect == .tn3270)
    }

    @Test func genericRequestsHaveNoLUName() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: nil)) { _ in .grant("POOL0042") }
        talk.start()
        let facts = Self.observe(talk)
        #expect(facts.lastRequest != nil)
        #expect(facts.luRequested == nil)
        #expect(facts.luGranted == "POOL0042")
    }

    // MARK: - Captures that missed the start

    @Test func midStreamTN3270EIsInferredFromRecordShapes() throws {
        let talk = try Self.tn3270eTranscript()
        // Start the capture inside the first host record and the first client record.
        let serverCut = talk.serverWrites.prefix(4).reduce(0) { $0 + $1.count } + 3
        let clientCut = talk.clientWrites.prefix(3).reduce(0) { $0 + $1.count } + 2
        var observer = TN3270CaptureObserver()
        observer.feed(fromServer: Array(talk.fromServer[serverCut...]))
        observer.feed(fromClient: Array(talk.fromClient[clientCut...]))
        let facts = observer.facts
        #expect(!facts.sawNegotiationStart)
        #expect(facts.requests.isEmpty)
        #expect(facts.luGranted == nil)
        #expect(facts.dialect == .tn3270e)
        #expect(facts.dialectEvidence == .inferred)
        #expect(facts.fromServer.records == 3)  // the cut record still ends with IAC EOR
        #expect(facts.fromServer.positiveResponses + facts.fromServer.negativeResponses == 2)
    }

    @Test func midStreamBasicIsInferredFromRecordShapes() throws {
        let talk = try Self.basicTranscript()
        let recordsOnly = Array(talk.fromServer.suffix(4)) + Array(talk.fromServer.suffix(4))  // two Writes
        var observer = TN3270CaptureObserver()
        observer.feed(fromServer: recordsOnly)
        observer.feed(fromClient: [0x7D, 0x40, 0x40, 0x11, 0x40, 0x40, IAC, EOR])
        #expect(observer.facts.dialect == .tn3270)
        #expect(observer.facts.dialectEvidence == .inferred)
    }

    @Test func captureStartingInsideASubnegotiation() throws {
        let talk = try Self.tn3270eTranscript()
        // Cut 5 bytes into the server's SEND DEVICE-TYPE: the rest of it is "IAC SE" noise.
        var observer = TN3270CaptureObserver()
        observer.feed(fromServer: Array(talk.fromServer[5...]))
        observer.feed(fromClient: talk.fromClient)
        let facts = observer.facts
        #expect(facts.anomalies == 1)
        #expect(facts.luGranted == "LU0001")
        #expect(facts.dialect == .tn3270e)
        #expect(facts.fromServer.records == 3)
    }

    @Test func plainTelnetIsNotTN3270() {
        var observer = TN3270CaptureObserver()
        observer.feed(fromServer: ascii("login: "))
        observer.feed(fromClient: ascii("root\r\n"))
        #expect(observer.facts.dialect == .telnet)
        #expect(observer.facts.serverSide == nil)
        #expect(TN3270CaptureObserver().facts.dialect == nil)
    }

    @Test func garbageNeverCrashesAndSplitsDoNotMatter() {
        var rng = SplitMix64(seed: 42)
        var garbage = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // Plenty of IACs so every scanner state is visited.
        for index in stride(from: 0, to: garbage.count, by: 7) { garbage[index] = IAC }
        var whole = TN3270CaptureObserver()
        whole.feed(fromServer: garbage)
        var split = TN3270CaptureObserver()
        for chunk in randomSplits(garbage, using: &rng) { split.feed(fromServer: chunk) }
        #expect(whole.facts == split.facts)
        #expect(whole.facts.anomalies > 0)
        #expect(whole.facts.fromServer.bytes == garbage.count)
    }

    // MARK: - Speed

    @Test func scansRecordsAtHundredsOfMegabytesPerSecond() throws {
        // 32 MiB of 2 KiB TN3270E records, with an escaped 0xFF every 512 bytes.
        var record = ByteBuffer()
        var payload = [UInt8](repeating: 0x40, count: 2048)
        for index in stride(from: 0, to: payload.count, by: 512) { payload[index] = 0xFF }
        record.writeTN3270Record(header: TN3270EHeader(dataType: .data3270, sequenceNumber: 1), data: buffer(payload))
        let count = 32 * 1024 * 1024 / record.readableBytes
        var stream = ByteBuffer()
        for _ in 0..<count { stream.writeImmutableBuffer(record) }

        var best = Duration.seconds(1000)
        var facts = TN3270CaptureFacts()
        for _ in 0..<3 {
            var observer = TN3270CaptureObserver()
            let elapsed = ContinuousClock().measure {
                var chunk = stream
                while let slice = chunk.readSlice(length: min(65536, chunk.readableBytes)), slice.readableBytes > 0 {
                    observer.feed(fromServer: slice)
                }
            }
            best = min(best, elapsed)
            facts = observer.facts
        }
        #expect(facts.fromServer.records == count)
        #expect(facts.fromServer.recordsByDataType[0] == count)
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        let megabytesPerSecond = Double(stream.readableBytes) / 1_048_576 / seconds
        // Even a debug build on a shared 2-core machine should clear this easily.
        #expect(megabytesPerSecond > 100, "observer scanned at \(Int(megabytesPerSecond)) MB/s")
    }
}
