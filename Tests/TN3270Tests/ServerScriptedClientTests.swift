import NIOCore
import Testing

@testable import TN3270

/// The server against hand-written client byte streams (x3270-like and odd ones).
@Suite("Server against scripted clients")
struct ServerScriptedClientTests {
    @Test func startOffersTN3270EOrTerminalType() {
        var offering = TN3270ServerStateMachine()
        #expect(sent(offering.start()) == [IAC, DO, TN3270E])
        #expect(offering.start().isEmpty)
        var basic = TN3270ServerStateMachine(configuration: .basicOnly)
        #expect(sent(basic.start()) == [IAC, DO, TERMINAL_TYPE])
    }

    @Test func associateRequestIsSurfacedToTheOwner() {
        var server = TN3270ServerStateMachine()
        _ = server.start()
        _ = server.receive(buffer([IAC, WILL, TN3270E]))
        let actions = server.receive(buffer(TN3270ECodecTests.requestAssociate))
        #expect(actions == [.luRequested(TN3270LURequest(dialect: .tn3270e, deviceType: "IBM-3287-1", target: .associate("LU0001")))])
        #expect(server.phase == .awaitingGrant(TN3270LURequest(dialect: .tn3270e, deviceType: "IBM-3287-1", target: .associate("LU0001"))))
    }

    @Test func basicOnlyHostRefusesTN3270E() {
        var server = TN3270ServerStateMachine(configuration: .basicOnly)
        _ = server.start()
        #expect(sent(server.receive(buffer([IAC, WILL, TN3270E]))) == [IAC, DONT, TN3270E])
        #expect(sent(server.receive(buffer([IAC, WILL, TERMINAL_TYPE]))) == [IAC, SB, TERMINAL_TYPE, 0x01, IAC, SE])
        let actions = server.receive(buffer([IAC, SB, TERMINAL_TYPE, 0x00] + ascii("IBM-3278-2") + [IAC, SE]))
        #expect(actions == [.luRequested(TN3270LURequest(dialect: .tn3270, deviceType: "IBM-3278-2", target: .any))])
    }

    @Test func unknownFunctionsAreCounteredWithTheSupportedSubset() {
        var server = TN3270ServerStateMachine()
        _ = server.start()
        _ = server.receive(buffer([IAC, WILL, TN3270E] + TN3270ECodecTests.requestConnect))
        _ = try? server.grant(luName: "LU0001")
        let counter = server.receive(buffer([IAC, SB, TN3270E, 0x03, 0x07, 0x02, 0x09, IAC, SE]))
        #expect(sent(counter) == [IAC, SB, TN3270E, 0x03, 0x07, 0x02, IAC, SE])
        let bound = server.receive(buffer([IAC, SB, TN3270E, 0x03, 0x04, 0x02, IAC, SE]))
        #expect(reports(bound) == [.bound(TN3270Binding(dialect: .tn3270e, luName: "LU0001", requestedLUName: "LU0001", deviceType: "IBM-3278-2", functions: [.responses]))])
    }

    @Test func clientRefusingTerminalTypeIsAProtocolError() {
        var server = TN3270ServerStateMachine(configuration: .basicOnly)
        _ = server.start()
        guard case .close(.protocolError(let error))? = server.receive(buffer([IAC, WONT, TERMINAL_TYPE])).last else {
            Issue.record("no close")
            return
        }
        #expect(error.kind == .optionRefused(.terminalType))
    }

    @Test func clientRefusingBinaryInBasicModeIsAProtocolError() throws {
        var server = TN3270ServerStateMachine(configuration: .basicOnly)
        _ = server.start()
        _ = server.receive(buffer([IAC, WILL, TERMINAL_TYPE, IAC, SB, TERMINAL_TYPE, 0x00] + ascii("IBM-3278-2@LU1") + [IAC, SE]))
        _ = try server.grant(luName: "LU1")
        let actions = server.receive(buffer([IAC, WILL, END_OF_RECORD, IAC, DO, END_OF_RECORD, IAC, WONT, BINARY]))
        guard case .close(.protocolError(let error))? = actions.last else {
            Issue.record("no close in \(actions)")
            return
        }
        #expect(error.kind == .optionRefused(.binary))
        #expect(server.connectionClosed() == [.closed(.closedAfter(.protocolError(error)))])
    }

    @Test func unsolicitedTimingMarkAnswersAreRefusedNotReported() {
        var server = TN3270ServerStateMachine()
        _ = server.start()
        let actions = server.receive(buffer([IAC, WILL, TIMING_MARK, IAC, WONT, TIMING_MARK]))
        #expect(actions == [.send(buffer([IAC, DONT, TIMING_MARK]))])
        #expect(sent(server.receive(buffer([IAC, DO, TIMING_MARK]))) == [IAC, WILL, TIMING_MARK])
    }

    @Test func probeAnsweredWithWONTStillCounts() {
        var server = TN3270ServerStateMachine()
        _ = server.start()
        _ = server.probe()
        #expect(server.receive(buffer([IAC, WONT, TIMING_MARK])) == [.probeAnswered(.wont)])
    }

    @Test func deviceTypeRequestOutOfOrderIsAnError() {
        var server = TN3270ServerStateMachine()
        _ = server.start()
        _ = server.receive(buffer([IAC, WILL, TN3270E] + TN3270ECodecTests.requestConnect))
        guard case .close(.protocolError(let error))? = server.receive(buffer(TN3270ECodecTests.requestConnect)).last else {
            Issue.record("no close")
            return
        }
        #expect(error.description == "TN3270E DEVICE-TYPE REQUEST IBM-3278-2 CONNECT LU0001 during waiting for a grant of TN3270E IBM-3278-2 LU LU0001 at stream offset 27")
    }

    @Test func garbageFromAClientClosesWithAnError() {
        var server = TN3270ServerStateMachine()
        _ = server.start()
        let actions = server.receive(buffer([IAC, SE]))
        #expect(actions == [.close(.protocolError(TN3270ProtocolError(.telnet(TelnetDecodingError(.unexpectedSubnegotiationEnd, streamOffset: 0)), streamOffset: 0)))])
    }
}
