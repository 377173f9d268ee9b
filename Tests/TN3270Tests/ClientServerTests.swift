import NIOCore
import Testing

@testable import TN3270

/// Client and server machines driven against each other in memory.
@Suite("Client against server")
struct ClientServerTests {
    @Test func tn3270eSpecificLUGranted() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"))
        talk.start()
        let expected = TN3270Binding(
            dialect: .tn3270e, luName: "LU0001", requestedLUName: "LU0001",
            deviceType: "IBM-3278-2", functions: [.responses]
        )
        #expect(talk.clientBinding == expected)
        #expect(talk.serverBinding == expected)
        #expect(talk.serverReports.first == .luRequested(TN3270LURequest(dialect: .tn3270e, deviceType: "IBM-3278-2", target: .connect("LU0001"))))
        // RFC 2355 §7.1/§7.2 exchange, byte for byte.
        #expect(talk.fromServer == [IAC, DO, TN3270E] + TN3270ECodecTests.sendDeviceType
            + TN3270ECodecTests.isConnect + TN3270ECodecTests.functionsIs)
        #expect(talk.fromClient == [IAC, WILL, TN3270E] + TN3270ECodecTests.requestConnect
            + [IAC, SB, TN3270E, 0x03, 0x07, 0x02, IAC, SE])
    }

    @Test func genericLUGetsTheServersChoice() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: nil), decide: { _ in .grant("POOL0042") })
        talk.start()
        #expect(talk.serverReports.first == .luRequested(TN3270LURequest(dialect: .tn3270e, deviceType: "IBM-3278-2", target: .any)))
        #expect(talk.clientBinding?.luName == "POOL0042")
        #expect(talk.clientBinding?.requestedLUName == nil)
    }

    @Test func deviceInUseThenRetryOnTheSameConnection() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001")) { request in
            request.luName == "LU0001" ? .reject(.deviceInUse) : .grant(request.luName ?? "?")
        }
        talk.start()
        #expect(talk.takeClientReports() == [.rejected(.deviceInUse)])
        #expect(talk.client.phase == .tn3270eRejected(.deviceInUse))
        #expect(talk.fromServer.suffix(TN3270ECodecTests.rejectInUse.count).elementsEqual(TN3270ECodecTests.rejectInUse))

        talk.absorb(client: try talk.client.retry(luName: "LU0002"))
        talk.run()
        #expect(talk.clientBinding?.luName == "LU0002")
        #expect(talk.serverBinding?.luName == "LU0002")
        #expect(talk.serverReports.compactMap { if case .luRequested(let r) = $0 { r.luName } else { nil } } == ["LU0001", "LU0002"])
    }

    @Test func invalidNameRejectedAndClientGivesUp() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "NOSUCH")) { _ in .reject(.invalidName) }
        talk.start()
        #expect(talk.clientReports == [.rejected(.invalidName)])
        #expect(throws: TN3270UsageError.self) { try talk.client.sendRecord(buffer([0x7D])) }
        #expect(talk.client.connectionClosed() == [.closed(.closedBeforeBound(.tn3270eRejected(.invalidName)))])
        #expect(talk.server.connectionClosed() == [.closed(.closedBeforeBound(.tn3270eDeviceType))])
    }

    @Test func basicOnlyHostTakesTheLUFromTheTerminalType() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"), server: .basicOnly)
        talk.start()
        let expected = TN3270Binding(dialect: .tn3270, luName: "LU0001", requestedLUName: "LU0001", deviceType: "IBM-3278-2")
        #expect(talk.clientBinding == expected)
        #expect(talk.serverBinding == expected)
        #expect(talk.serverReports.first == .luRequested(TN3270LURequest(dialect: .tn3270, deviceType: "IBM-3278-2", target: .connect("LU0001"))))
        // RFC 1576 §3 negotiation with the RFC 1646 "@LU" terminal type.
        #expect(talk.fromServer == [IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE,
            IAC, DO, END_OF_RECORD, IAC, WILL, END_OF_RECORD, IAC, DO, BINARY, IAC, WILL, BINARY])
        #expect(talk.fromClient == [IAC, WILL, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x00] + ascii("IBM-3278-2@LU0001") + [IAC, SE,
            IAC, WILL, END_OF_RECORD, IAC, DO, END_OF_RECORD, IAC, WILL, BINARY, IAC, DO, BINARY])
    }

    @Test func basicOnlyHostRejectIsAClose() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"), server: .basicOnly) { _ in .reject(.deviceInUse) }
        talk.start()
        #expect(talk.serverReports.last == .close(.rejected(.deviceInUse)))
        #expect(talk.clientBinding == nil)
        #expect(talk.client.connectionClosed() == [.closed(.closedBeforeBound(.basicOptions))])
    }

    @Test func clientThatRefusesTN3270EGetsBasicFromATN3270EHost() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0007", allowsTN3270E: false))
        talk.start()
        #expect(talk.fromClient.starts(with: [IAC, WONT, TN3270E, IAC, WILL, TERMINAL_TYPE]))
        #expect(talk.clientBinding?.dialect == .tn3270)
        #expect(talk.serverBinding?.luName == "LU0007")
    }

    @Test func clientFallsBackToBasicAfterAReject() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001")) { request in
            request.dialect == .tn3270e ? .reject(.unsupportedRequest) : .grant(request.luName ?? "?")
        }
        talk.start()
        #expect(talk.takeClientReports() == [.rejected(.unsupportedRequest)])
        talk.absorb(client: try talk.client.fallBackToBasic())
        talk.run()
        #expect(talk.clientBinding == TN3270Binding(dialect: .tn3270, luName: "LU0001", requestedLUName: "LU0001", deviceType: "IBM-3278-2"))
        #expect(talk.serverBinding?.dialect == .tn3270)
    }

    @Test func functionsNegotiatedDownToWhatTheServerSupports() throws {
        let client = TN3270ClientConfiguration(luName: "LU0001", requestedFunctions: [.bindImage, .responses, .sysreq])
        var talk = Conversation(client: client)
        talk.start()
        #expect(talk.clientBinding?.functions == [.responses])
        #expect(talk.serverBinding?.functions == [.responses])
        // server counters with REQUEST RESPONSES, client agrees with IS RESPONSES (RFC 2355 §7.2)
        #expect(talk.fromServer.suffix(8).elementsEqual([IAC, SB, TN3270E, 0x03, 0x07, 0x02, IAC, SE]))
        #expect(talk.fromClient.suffix(8).elementsEqual([IAC, SB, TN3270E, 0x03, 0x04, 0x02, IAC, SE]))
    }

    @Test func noFunctionsMeansNoResponses() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001", requestedFunctions: []))
        talk.start()
        #expect(talk.clientBinding?.functions == [])
        let record = try talk.client.sendRecord(buffer([0x7D]))
        #expect(record.expectsResponse == false)
        #expect(record.bytes.bytes == [0x00, 0x00, 0x00, 0x00, 0x00, 0x7D, IAC, EOR])
    }

    // MARK: - Records and responses

    @Test func definiteResponsesPositiveAndNegative() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"))
        talk.start()
        _ = talk.takeServerReports()
        _ = talk.takeClientReports()

        let first = try talk.client.sendRecord(buffer([0x7D, 0x40, 0x40]))
        #expect(first.sequenceNumber == 0 && first.expectsResponse)
        // header: 3270-DATA, REQUEST-FLAG 0, RESPONSE-FLAG ALWAYS-RESPONSE, SEQ 0
        #expect(first.bytes.bytes == [0x00, 0x00, 0x02, 0x00, 0x00, 0x7D, 0x40, 0x40, IAC, EOR])
        talk.clientSends(first.bytes)
        let header = TN3270EHeader(dataType: .data3270, responseFlag: TN3270EResponseFlag.alwaysResponse, sequenceNumber: 0)
        #expect(talk.takeServerReports() == [.record(TN3270Record(header: header, data: buffer([0x7D, 0x40, 0x40])))])
        talk.serverSends(try talk.server.respond(to: TN3270Record(header: header, data: ByteBuffer()), .positive))
        #expect(talk.takeClientReports() == [.response(TN3270Response(sequenceNumber: 0, outcome: .positive))])

        let second = try talk.client.sendRecord(buffer([0x7D]))
        #expect(second.sequenceNumber == 1)
        talk.clientSends(second.bytes)
        _ = talk.takeServerReports()
        let negative = TN3270Response(sequenceNumber: 1, outcome: .negative(sense: TN3270ESense.interventionRequired))
        talk.serverSends(try talk.server.respond(negative))
        let reports = talk.takeClientReports()
        #expect(reports == [.response(negative)])
        #expect(negative.description == "record 1 rejected (sense INTERVENTION-REQUIRED)")
    }

    @Test func sequenceNumbersWrapAndResponsesFollowThem() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001", firstSequenceNumber: 32766))
        talk.start()
        var numbers: [UInt16] = []
        for _ in 0..<3 {
            let record = try talk.client.sendRecord(buffer([0x7D]))
            numbers.append(record.sequenceNumber!)
            talk.clientSends(record.bytes)
            for case .record(let received) in talk.takeServerReports() {
                talk.serverSends(try talk.server.respond(TN3270Response(sequenceNumber: received.header!.sequenceNumber, outcome: .positive)))
            }
        }
        #expect(numbers == [32766, 32767, 0])
        let answered = talk.takeClientReports().compactMap { if case .response(let r) = $0 { r.sequenceNumber } else { nil } }
        #expect(answered == [32766, 32767, 0])
    }

    @Test(arguments: [false, true])
    func iacBytesInDataAreDoubledAndRestored(basic: Bool) throws {
        var talk = Conversation(
            client: TN3270ClientConfiguration(luName: "LU0001", firstSequenceNumber: 0xFF),
            server: basic ? .basicOnly : TN3270ServerConfiguration()
        )
        talk.start()
        _ = talk.takeServerReports()
        _ = talk.takeClientReports()
        let payload: [UInt8] = [0x7D, 0xFF, 0x40, 0xFF, 0xFF, 0x11]
        let record = try talk.client.sendRecord(buffer(payload))
        let escapedPayload: [UInt8] = [0x7D, IAC, IAC, 0x40, IAC, IAC, IAC, IAC, 0x11, IAC, EOR]
        if basic {
            #expect(record.bytes.bytes == escapedPayload)
        } else {
            // sequence number 255 puts an IAC into the header too
            #expect(record.bytes.bytes == [0x00, 0x00, 0x02, 0x00, IAC, IAC] + escapedPayload)
        }
        talk.clientSends(record.bytes)
        guard case .record(let received)? = talk.takeServerReports().first else {
            Issue.record("no record")
            return
        }
        #expect(received.data.bytes == payload)
        #expect(received.header?.sequenceNumber == (basic ? nil : 0xFF))
    }

    @Test func basicHostAcceptsInputWithAKeyboardRestoringWrite() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"), server: .basicOnly)
        talk.start()
        talk.clientSends(try talk.client.sendRecord(buffer([0x7D, 0x40, 0x40])).bytes)
        #expect(talk.takeServerReports().last == .record(TN3270Record(header: nil, data: buffer([0x7D, 0x40, 0x40]))))
        let write = TN3270DataStream.record(.write, control: .keyboardRestore)
        talk.serverSends(try talk.server.sendRecord(write).bytes)
        let reports = talk.takeClientReports()
        guard case .record(let received)? = reports.last else {
            Issue.record("no record in \(reports)")
            return
        }
        #expect(received.header == nil)
        #expect(received.restoresKeyboard)
    }

    @Test func hostRecordAskingForAResponseIsAcknowledged() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"))
        talk.start()
        _ = talk.takeServerReports()
        _ = talk.takeClientReports()
        let screen = TN3270DataStream.record(.eraseWrite, control: [.keyboardRestore, .resetModifiedDataTags])
        let sent = try talk.server.sendRecord(screen, requestingResponse: true)
        #expect(sent.sequenceNumber == 0 && sent.expectsResponse)
        talk.serverSends(sent.bytes)
        guard case .record(let received)? = talk.takeClientReports().first else {
            Issue.record("no record")
            return
        }
        #expect(received.restoresKeyboard)
        #expect(talk.takeServerReports() == [.response(TN3270Response(sequenceNumber: 0, outcome: .positive))])
    }

    @Test func timingMarkProbeIsAnswered() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"))
        talk.start()
        _ = talk.takeServerReports()
        _ = talk.takeClientReports()
        let probe = talk.server.probe()
        #expect(probe.bytes == [IAC, DO, TIMING_MARK])  // RFC 860
        #expect(talk.server.outstandingProbes == 1)
        let before = talk.fromClient.count
        talk.serverSends(probe)
        #expect(Array(talk.fromClient[before...]) == [IAC, WILL, TIMING_MARK])
        #expect(talk.takeServerReports() == [.probeAnswered(.will)])
        #expect(talk.server.outstandingProbes == 0)

        // A second probe gets a second answer: TIMING-MARK is not a state.
        talk.serverSends(talk.server.probe())
        #expect(talk.takeServerReports() == [.probeAnswered(.will)])

        // NOP needs no answer.
        let sentBefore = talk.fromClient.count
        talk.serverSends(talk.server.noOperation())
        #expect(talk.fromClient.count == sentBefore)
        #expect(talk.takeClientReports().isEmpty)
    }

    @Test func closedAfterBound() throws {
        var talk = Conversation(client: TN3270ClientConfiguration(luName: "LU0001"))
        talk.start()
        let binding = try #require(talk.clientBinding)
        #expect(talk.client.connectionClosed() == [.closed(.closedAfterBound(binding))])
        #expect(talk.client.connectionClosed() == [])
    }

    @Test func ownerMistakesAreUsageErrors() throws {
        var server = TN3270ServerStateMachine()
        #expect(throws: TN3270UsageError.self) { try server.grant(luName: "LU1") }
        #expect(throws: TN3270UsageError.self) { try server.reject(.deviceInUse) }
        #expect(throws: TN3270UsageError.self) { try server.sendRecord(buffer([0xF1, 0xC2])) }
        var client = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: nil))
        #expect(throws: TN3270UsageError.self) { try client.retry(luName: "LU1") }
        #expect(throws: TN3270UsageError.self) { try client.fallBackToBasic() }
    }
}
