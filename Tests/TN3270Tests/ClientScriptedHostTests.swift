import NIOCore
import Testing

@testable import TN3270

/// The client against hand-written host byte streams: the behaviours of real
/// hosts that our own server machine does not produce.
@Suite("Client against scripted hosts")
struct ClientScriptedHostTests {
    static let configuration = TN3270ClientConfiguration(luName: "LU0001")

    /// RFC 1576 §3: the server's half of the basic TN3270 negotiation after
    /// the terminal type, and the client's expected answer.
    static let basicOptionsFromHost: [UInt8] = [IAC, DO, END_OF_RECORD, IAC, WILL, END_OF_RECORD, IAC, DO, BINARY, IAC, WILL, BINARY]
    static let basicOptionsFromClient: [UInt8] = [IAC, WILL, END_OF_RECORD, IAC, DO, END_OF_RECORD, IAC, WILL, BINARY, IAC, DO, BINARY]
    static let terminalTypeIs: [UInt8] = [IAC, SB, TERMINAL_TYPE, 0x00] + ascii("IBM-3278-2@LU0001") + [IAC, SE]

    static let basicBinding = TN3270Binding(dialect: .tn3270, luName: "LU0001", requestedLUName: "LU0001", deviceType: "IBM-3278-2")

    @Test func hostThatWithdrawsTN3270EThenNegotiatesBasic() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        #expect(sent(client.receive(buffer([IAC, DO, TN3270E]))) == [IAC, WILL, TN3270E])
        #expect(client.phase == .tn3270eDeviceType)
        // DONT for an enabled option must be acknowledged (RFC 854).
        #expect(sent(client.receive(buffer([IAC, DONT, TN3270E]))) == [IAC, WONT, TN3270E])
        #expect(client.phase == .terminalType)
        #expect(sent(client.receive(buffer([IAC, DO, TERMINAL_TYPE]))) == [IAC, WILL, TERMINAL_TYPE])
        #expect(sent(client.receive(buffer([IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE]))) == Self.terminalTypeIs)
        let actions = client.receive(buffer(Self.basicOptionsFromHost))
        #expect(sent(actions) == Self.basicOptionsFromClient)
        #expect(reports(actions) == [.bound(Self.basicBinding)])
    }

    @Test func hostThatAsksForTheTerminalTypeFirst() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let script: [UInt8] = [IAC, WONT, TN3270E, IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE] + Self.basicOptionsFromHost
        let actions = client.receive(buffer(script))
        #expect(sent(actions) == [IAC, WILL, TERMINAL_TYPE] + Self.terminalTypeIs + Self.basicOptionsFromClient)
        #expect(reports(actions) == [.bound(Self.basicBinding)])
    }

    @Test func genericBasicRequestSendsThePlainTerminalType() {
        var client = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: nil, deviceType: "IBM-3279-4-E"))
        let actions = client.receive(buffer([IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE] + Self.basicOptionsFromHost))
        #expect(sent(actions).starts(with: [IAC, WILL, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x00] + ascii("IBM-3279-4-E") + [IAC, SE]))
        #expect(reports(actions) == [.bound(TN3270Binding(dialect: .tn3270, luName: nil, requestedLUName: nil, deviceType: "IBM-3279-4-E"))])
    }

    @Test func hostThatOnlyAsksDOBinaryAndDOEORStillBinds() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        var actions = client.receive(buffer([IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE, IAC, DO, END_OF_RECORD, IAC, DO, BINARY]))
        // The client asks for the other direction itself.
        #expect(sent(actions).suffix(12).elementsEqual([IAC, WILL, END_OF_RECORD, IAC, DO, END_OF_RECORD, IAC, WILL, BINARY, IAC, DO, BINARY]))
        actions = client.receive(buffer([IAC, WILL, END_OF_RECORD, IAC, WILL, BINARY]))
        #expect(sent(actions).isEmpty)
        #expect(reports(actions) == [.bound(Self.basicBinding)])
    }

    @Test func wholeScriptByteByByteGivesTheSameOutput() {
        let script: [UInt8] = [IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02, IAC, SE]
            + TN3270ECodecTests.isConnect + TN3270ECodecTests.functionsIs
            + [0x00, 0x00, 0x00, 0x00, 0x01, 0xF5, 0xC3, IAC, IAC, IAC, EOR]
        var whole = TN3270ClientStateMachine(configuration: Self.configuration)
        let wholeActions = whole.receive(buffer(script))
        var split = TN3270ClientStateMachine(configuration: Self.configuration)
        var splitActions: [TN3270ClientStateMachine.Action] = []
        for byte in script { splitActions += split.receive(buffer([byte])) }
        #expect(sent(splitActions) == sent(wholeActions))
        #expect(reports(splitActions) == reports(wholeActions))
        let header = TN3270EHeader(dataType: .data3270, sequenceNumber: 1)
        #expect(reports(wholeActions).last == .record(TN3270Record(header: header, data: buffer([0xF5, 0xC3, 0xFF]))))
    }

    @Test func bannerTextBeforeNegotiationIsNotPartOfTheFirstRecord() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let script: [UInt8] = ascii("Welcome\r\n") + [IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE]
            + Self.basicOptionsFromHost + [0xF5, 0xC2, IAC, EOR]
        let records = reports(client.receive(buffer(script))).compactMap { if case .record(let r) = $0 { r } else { nil } }
        #expect(records == [TN3270Record(header: nil, data: buffer([0xF5, 0xC2]))])
    }

    // MARK: - Hosts that close instead of rejecting

    @Test func hostClosingAtEachNegotiationStep() {
        let steps: [([UInt8], TN3270NegotiationPhase)] = [
            ([], .initial),
            ([IAC, DO, TN3270E], .tn3270eDeviceType),
            ([IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02, IAC, SE], .tn3270eDeviceType),
            ([IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02, IAC, SE] + TN3270ECodecTests.isConnect, .tn3270eFunctions),
            ([IAC, DO, TERMINAL_TYPE], .terminalType),
            ([IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE], .basicOptions),
            ([IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE, IAC, DO, BINARY], .basicOptions),
        ]
        for (script, phase) in steps {
            var client = TN3270ClientStateMachine(configuration: Self.configuration)
            _ = client.receive(buffer(script))
            #expect(client.connectionClosed() == [.closed(.closedBeforeBound(phase))], "after \(script)")
        }
    }

    // MARK: - RFC 854 option rules

    @Test func unknownOptionsAreRefusedAndNothingLoops() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let echo: UInt8 = 1, sga: UInt8 = 3
        #expect(sent(client.receive(buffer([IAC, DO, echo]))) == [IAC, WONT, echo])
        #expect(sent(client.receive(buffer([IAC, WILL, sga]))) == [IAC, DONT, sga])
        #expect(sent(client.receive(buffer([IAC, WILL, echo]))) == [IAC, DONT, echo])
        // Negative requests for options already off get no answer.
        #expect(sent(client.receive(buffer([IAC, DONT, echo, IAC, WONT, sga]))).isEmpty)
        // An option already on is not acknowledged again.
        #expect(sent(client.receive(buffer([IAC, DO, BINARY]))) == [IAC, WILL, BINARY, IAC, DO, BINARY])
        #expect(sent(client.receive(buffer([IAC, DO, BINARY]))).isEmpty)
        #expect(sent(client.receive(buffer([IAC, WILL, BINARY]))).isEmpty)
        // Unsolicited WILL TIMING-MARK is refused; DONT/WONT TIMING-MARK ignored.
        #expect(sent(client.receive(buffer([IAC, WILL, TIMING_MARK]))) == [IAC, DONT, TIMING_MARK])
        #expect(sent(client.receive(buffer([IAC, WONT, TIMING_MARK, IAC, DONT, TIMING_MARK]))).isEmpty)
        // NOP and other commands are ignored.
        #expect(client.receive(buffer([IAC, NOP, IAC, 249])).isEmpty)
    }

    @Test func twoClientsFacingEachOtherDoNotLoop() {
        // Every refusal from one machine fed to the other must die out.
        var a = TN3270ClientStateMachine(configuration: Self.configuration)
        var b = TN3270ClientStateMachine(configuration: Self.configuration)
        var toB = sent(a.receive(buffer([IAC, DO, 1, IAC, WILL, 3, IAC, DO, BINARY, IAC, WILL, END_OF_RECORD])))
        var rounds = 0
        while !toB.isEmpty && rounds < 20 {
            let toA = sent(b.receive(buffer(toB)))
            toB = sent(a.receive(buffer(toA)))
            rounds += 1
        }
        #expect(toB.isEmpty)
        #expect(rounds < 5)
    }

    @Test func tn3270EOfferedAfterBasicBindIsRefused() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        _ = client.receive(buffer([IAC, DO, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE] + Self.basicOptionsFromHost))
        #expect(client.binding?.dialect == .tn3270)
        #expect(sent(client.receive(buffer([IAC, DO, TN3270E]))) == [IAC, WONT, TN3270E])
        #expect(client.binding?.dialect == .tn3270)
    }

    // MARK: - Protocol errors become .close with a located error

    @Test func unknownTelnetCommandClosesWithItsOffset() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let actions = client.receive(buffer([IAC, DO, TN3270E, 0x41, IAC, 0x10, IAC, DO, 1]))
        let error = TN3270ProtocolError(.telnet(TelnetDecodingError(.unknownCommand(0x10), streamOffset: 4)), streamOffset: 4)
        #expect(reports(actions) == [.close(.protocolError(error))])
        #expect(sent(actions) == [IAC, WILL, TN3270E])  // nothing after the error is answered
        #expect(error.description == "telnet: unknown telnet command byte 16 after IAC at stream offset 4")
        #expect(client.receive(buffer([IAC, DO, 1])).isEmpty)
        #expect(client.connectionClosed() == [.closed(.closedAfter(.protocolError(error)))])
    }

    @Test func hostPromptingAgainAfterARejectIsTolerated() throws {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let prompt: [UInt8] = [IAC, SB, TN3270E, 0x08, 0x02, IAC, SE]
        _ = client.receive(buffer([IAC, DO, TN3270E] + prompt))
        let actions = client.receive(buffer(TN3270ECodecTests.rejectInUse + prompt))
        #expect(actions == [.rejected(.deviceInUse)])
        let retry = try client.retry(luName: "LU0002")
        #expect(sent(retry) == [IAC, SB, TN3270E, 0x02, 0x07] + ascii("IBM-3278-2") + [0x01] + ascii("LU0002") + [IAC, SE])
    }

    @Test func functionsIsAddingFunctionsIsAnError() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let script = [IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02, IAC, SE] + TN3270ECodecTests.isConnect
            + [IAC, SB, TN3270E, 0x03, 0x04, 0x02, 0x04, IAC, SE]
        guard case .close(.protocolError(let error))? = reports(client.receive(buffer(script))).last else {
            Issue.record("no close")
            return
        }
        #expect(error.kind == .functionsAdded([.sysreq]))
    }

    @Test func hostCounterProposalIsAccepted() {
        let configuration = TN3270ClientConfiguration(luName: "LU0001", requestedFunctions: [.bindImage, .responses])
        var client = TN3270ClientStateMachine(configuration: configuration)
        let script = [IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02, IAC, SE] + TN3270ECodecTests.isConnect
            + [IAC, SB, TN3270E, 0x03, 0x07, 0x02, IAC, SE]
        let actions = client.receive(buffer(script))
        #expect(sent(actions).suffix(8).elementsEqual([IAC, SB, TN3270E, 0x03, 0x04, 0x02, IAC, SE]))
        #expect(client.binding?.functions == [.responses])
    }

    @Test func hostThatNeverAgreesOnFunctionsIsCutOff() {
        var client = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: "LU0001", maximumFunctionRounds: 2))
        var script = [IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02, IAC, SE] + TN3270ECodecTests.isConnect
        for _ in 0..<3 { script += [IAC, SB, TN3270E, 0x03, 0x07, 0x02, 0x04, IAC, SE] }
        guard case .close(.protocolError(let error))? = reports(client.receive(buffer(script))).last else {
            Issue.record("no close")
            return
        }
        #expect(error.kind == .functionsDidNotConverge(rounds: 2))
    }

    @Test func shortTN3270ERecordIsAHeaderError() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let script = [IAC, DO, TN3270E, IAC, SB, TN3270E, 0x08, 0x02, IAC, SE] + TN3270ECodecTests.isConnect
            + TN3270ECodecTests.functionsIs + [0x00, 0x00, IAC, EOR]
        guard case .close(.protocolError(let error))? = reports(client.receive(buffer(script))).last else {
            Issue.record("no close")
            return
        }
        #expect(error.kind == .header(TN3270EHeaderError(availableBytes: 2)))
        #expect(error.description.contains("shorter than the 5-byte header"))
    }

    @Test func malformedSubnegotiationClosesWithItsPosition() {
        var client = TN3270ClientStateMachine(configuration: Self.configuration)
        let actions = client.receive(buffer([IAC, DO, TN3270E, IAC, SB, TN3270E, 0x02, 0x06, 0x07, IAC, SE]))
        guard case .close(.protocolError(let error))? = reports(actions).last else {
            Issue.record("no close")
            return
        }
        #expect(error.description == "TN3270E sub-negotiation: REJECT followed by 7, not REASON (5) at payload byte 2 (stream offset 3)")
    }

    @Test func oversizedRecordIsAnError() {
        var client = TN3270ClientStateMachine(configuration: TN3270ClientConfiguration(luName: nil, maximumRecordLength: 8))
        let actions = client.receive(buffer(Array(repeating: 0x40, count: 9)))
        #expect(reports(actions) == [.close(.protocolError(TN3270ProtocolError(.recordTooLong(limit: 8), streamOffset: 0)))])
    }
}
