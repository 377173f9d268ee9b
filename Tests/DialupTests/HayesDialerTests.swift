import Dialup
import NIOCore
import Testing

@Suite("Dialup: Hayes dialer dialogues")
struct HayesDialerTests {
    static let callOut = ModemDialer.Configuration(protocol: .hayes, direction: .callOut, number: "0300001111")

    /// Runs the dialer through a scripted dialogue: after each command it sent, the modem's reply.
    func converse(_ configuration: ModemDialer.Configuration, _ script: [(sent: String, reply: String)]) -> [ModemDialer.Action] {
        var dialer = ModemDialer(configuration: configuration)
        var actions = dialer.start(now: t0).withoutTimers
        var last = actions
        for (expected, reply) in script {
            #expect(last.sentText == expected, "dialer sent \(last.sentText.debugDescription), expected \(expected.debugDescription)")
            last = dialer.receive(buffer(reply), now: t0).withoutTimers
            actions += last
        }
        return actions
    }

    @Test("call-out: ATZ, ATE0V1&D2, ATDT, CONNECT 9600, byte for byte; echo of the first commands ignored")
    func callOutConnects() {
        let actions = converse(Self.callOut, [
            ("ATZ\r", "ATZ\r\r\nOK\r\n"),
            ("ATE0V1&D2\r", "ATE0V1&D2\r\r\nOK\r\n"),
            ("ATDT0300001111\r", "\r\nCONNECT 9600\r\n"),
        ])
        #expect(actions.last == .connected(callingNumber: nil))
        #expect(actions.sentText == "ATZ\rATE0V1&D2\rATDT0300001111\r")
    }

    @Test("call-out: numeric results (ATV0 profile) work the same")
    func callOutNumeric() {
        let actions = converse(Self.callOut, [("ATZ\r", "0\r"), ("ATE0V1&D2\r", "\r\nOK\r\n"), ("ATDT0300001111\r", "1\r")])
        #expect(actions.last == .connected(callingNumber: nil))
    }

    @Test("call-out: every failure result of ATDT, verbose and numeric, fails with that result named", arguments: [
        ("BUSY", "7", ModemResult.busy), ("NO ANSWER", "8", .noAnswer), ("NO CARRIER", "3", .noCarrier),
        ("NO DIALTONE", "6", .noDialtone), ("ERROR", "4", .error),
    ])
    func callOutFailures(verbose: String, numeric: String, result: ModemResult) throws {
        for reply in ["\r\n\(verbose)\r\n", "\(numeric)\r"] {
            let actions = converse(Self.callOut, [("ATZ\r", "\r\nOK\r\n"), ("ATE0V1&D2\r", "\r\nOK\r\n"), ("ATDT0300001111\r", reply)])
            let failure = try #require(actions.failure)
            #expect(failure.0 == result)
            #expect(failure.1 == "modem answered \(verbose) (\(numeric)) to ATDT0300001111")
            #expect(actions.last == .failed(result, reason: failure.1))
        }
    }

    @Test("ERROR to ATZ or to the initialisation fails naming the command")
    func setupErrors() throws {
        let toReset = converse(Self.callOut, [("ATZ\r", "\r\nERROR\r\n")])
        #expect(toReset.failure?.1 == "modem answered ERROR (4) to ATZ")
        let toInit = converse(Self.callOut, [("ATZ\r", "\r\nOK\r\n"), ("ATE0V1&D2\r", "4\r")])
        #expect(toInit.failure?.0 == .error)
        #expect(toInit.failure?.1 == "modem answered ERROR (4) to ATE0V1&D2")
    }

    @Test("a modem that never answers: no reply to ATZ within 5 s; the deadline is exact")
    func resetTimeout() {
        var dialer = ModemDialer(configuration: Self.callOut)
        let started = dialer.start(now: t0)
        #expect(started.contains(.setTimer(t0 + .seconds(5))))
        #expect(dialer.nextDeadline == t0 + .seconds(5))
        #expect(dialer.tick(now: t0 + .milliseconds(4999)) == [])
        #expect(dialer.tick(now: t0 + .seconds(5)) == [.failed(nil, reason: "no reply to ATZ within 5 s")])
        #expect(dialer.nextDeadline == nil)
        #expect(dialer.tick(now: t0 + .seconds(100)) == [])
        #expect(dialer.receive(buffer("\r\nOK\r\n"), now: t0 + .seconds(6)) == [])
    }

    @Test("dialling waits connectTimeout for CONNECT, then fails")
    func connectTimeout() {
        var configuration = Self.callOut
        configuration.connectTimeout = .seconds(30)
        var dialer = ModemDialer(configuration: configuration)
        _ = dialer.start(now: t0)
        _ = dialer.receive(buffer("\r\nOK\r\n"), now: t0)
        let dialled = dialer.receive(buffer("\r\nOK\r\n"), now: t0 + .seconds(1))
        #expect(dialled.sentText == "ATDT0300001111\r")
        #expect(dialer.nextDeadline == t0 + .seconds(31))
        #expect(dialer.tick(now: t0 + .seconds(30)) == [])
        #expect(dialer.tick(now: t0 + .seconds(31)) == [.failed(nil, reason: "no CONNECT to ATDT0300001111 within 30 s")])
    }

    @Test("bytes after CONNECT in the same read come out as the first data-mode bytes")
    func dataAfterConnect() {
        var dialer = ModemDialer(configuration: Self.callOut)
        _ = dialer.start(now: t0)
        _ = dialer.receive(buffer("\r\nOK\r\n"), now: t0)
        _ = dialer.receive(buffer("\r\nOK\r\n"), now: t0)
        let actions = dialer.receive(buffer([0x0D, 0x0A] + Array("CONNECT 9600".utf8) + [0x0D, 0x0A, 0x7E, 0xC1, 0xBF]), now: t0)
        #expect(actions == [.connected(callingNumber: nil), .dataModeBytes(buffer([0x7E, 0xC1, 0xBF]))])
        #expect(dialer.isConnected)
        #expect(dialer.receive(buffer("\r\nOK\r\n"), now: t0) == [])
        #expect(dialer.carrierLost(now: t0) == [.failed(.noCarrier, reason: "carrier lost in data mode (DCD dropped or the modem reported NO CARRIER)")])
        #expect(!dialer.isConnected)
    }

    @Test("call-in with caller id: ATS0=1, RING, DATE, TIME, NMBR, CONNECT → connected with the calling number")
    func callInCallerID() {
        let configuration = ModemDialer.Configuration(protocol: .hayes, direction: .callIn, answerAfterRings: 1)
        let actions = converse(configuration, [
            ("ATZ\r", "\r\nOK\r\n"),
            ("ATE0V1&D2\r", "\r\nOK\r\n"),
            ("AT+VCID=1\r", "\r\nOK\r\n"),
            ("ATS0=1\r", "\r\nOK\r\n"),
            ("", "\r\nRING\r\n\r\nDATE = 1202\r\n\r\nTIME = 1633\r\n\r\nNMBR = 0312340001\r\n"),
            ("", "\r\nCONNECT 9600\r\n"),
        ])
        #expect(actions.last == .connected(callingNumber: "0312340001"))
    }

    @Test("call-in with answerAfterRings 0: ATS0=0 and ATA to the RING; a modem without caller id answers ERROR to +VCID")
    func callInManualAnswer() {
        let configuration = ModemDialer.Configuration(protocol: .hayes, direction: .callIn, answerAfterRings: 0)
        let actions = converse(configuration, [
            ("ATZ\r", "\r\nOK\r\n"),
            ("ATE0V1&D2\r", "\r\nOK\r\n"),
            ("AT+VCID=1\r", "\r\nERROR\r\n"),
            ("ATS0=0\r", "\r\nOK\r\n"),
            ("", "\r\nRING\r\n"),
            ("ATA\r", "\r\nRING\r\n"),
            ("", "\r\nCONNECT\r\n"),
        ])
        #expect(actions.last == .connected(callingNumber: nil))
    }

    @Test("call-in: NO CARRIER while answering fails; waiting for RING has no deadline")
    func callInFails() {
        var dialer = ModemDialer(configuration: .init(protocol: .hayes, direction: .callIn, answerAfterRings: 2, callerID: false))
        _ = dialer.start(now: t0)
        _ = dialer.receive(buffer("\r\nOK\r\n"), now: t0)
        let s0 = dialer.receive(buffer("\r\nOK\r\n"), now: t0)
        #expect(s0.sentText == "ATS0=2\r")
        #expect(dialer.receive(buffer("\r\nOK\r\n"), now: t0) == [])
        #expect(dialer.nextDeadline == nil)
        #expect(dialer.tick(now: t0 + .seconds(3600)) == [])
        #expect(dialer.receive(buffer("\r\nRING\r\n"), now: t0 + .seconds(3600)) == [.setTimer(t0 + .seconds(3660))])
        #expect(dialer.receive(buffer("\r\nNO CARRIER\r\n"), now: t0 + .seconds(3601))
            == [.failed(.noCarrier, reason: "modem answered NO CARRIER (3) while answering the call")])
    }

    @Test("call-in: after a call ends, waitForNextCall waits for the next RING without ATZ; the next caller's number is reported")
    func callInWaitsForNextCall() {
        var dialer = ModemDialer(configuration: .init(protocol: .hayes, direction: .callIn, answerAfterRings: 1))
        _ = dialer.start(now: t0)
        for _ in 0..<4 { _ = dialer.receive(buffer("\r\nOK\r\n"), now: t0) }
        _ = dialer.receive(buffer("\r\nRING\r\n\r\nNMBR = 0312340001\r\n"), now: t0)
        #expect(dialer.receive(buffer("\r\nCONNECT 9600\r\n"), now: t0) == [.connected(callingNumber: "0312340001")])
        #expect(dialer.carrierLost(now: t0).failure?.0 == .noCarrier)
        #expect(dialer.waitForNextCall(now: t0) == [])  // nothing sent: the modem keeps S0 and +VCID
        #expect(dialer.nextDeadline == nil)
        #expect(dialer.receive(buffer("\r\nRING\r\n\r\nNMBR = 0312340002\r\n"), now: t0) == [.setTimer(t0 + .seconds(60))])
        #expect(dialer.receive(buffer("\r\nCONNECT\r\n"), now: t0) == [.connected(callingNumber: "0312340002")])
        // Call-out has no call to wait for: it starts over.
        var caller = ModemDialer(configuration: .init(protocol: .hayes, direction: .callOut, number: "0300001111"))
        #expect(caller.waitForNextCall(now: t0).sentText == "ATZ\r")
    }

    @Test("call-out without a valid number fails at once, naming it; nothing is sent")
    func invalidNumber() {
        var dialer = ModemDialer(configuration: .init(protocol: .hayes, direction: .callOut, number: "0300\r+++ATH"))
        let actions = dialer.start(now: t0)
        #expect(actions.sentText == "")
        #expect(actions.failure?.1.hasPrefix("no valid number to dial") == true)
        #expect(ModemDialer.validDialString("(030) 000-1111") == "0300001111")
    }

    @Test("carrier lost before connection fails with NO CARRIER; start again begins with ATZ")
    func carrierLostAndRestart() {
        var dialer = ModemDialer(configuration: Self.callOut)
        _ = dialer.start(now: t0)
        #expect(dialer.carrierLost(now: t0).failure?.0 == .noCarrier)
        #expect(dialer.start(now: t0).sentText == "ATZ\r")
    }
}
